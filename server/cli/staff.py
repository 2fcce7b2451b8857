"""``madoguchi staff add|passwd|disable|enable|list``: staff accounts, in the store the options name.

Every change is audited as the API audits it (``staff.add``, ``staff.password``, ``staff.disable``, ``staff.enable``
with the account's sites), by ``cli:<os user>``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from server.auth.principals import Role
from server.cli.common import Options, Result, Subcommands, audit, with_accounts
from server.queue.errors import DomainError

if TYPE_CHECKING:
    from server.auth.accounts import Accounts
    from server.config import Config
    from server.settings import Settings


def register(sub: Subcommands, options: Options) -> None:
    staff = sub.add_parser("staff", help="staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    common = options.store_and_json
    add = staff_sub.add_parser("add", parents=common, help="create a staff account")
    add.add_argument("--login", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--site", action="append", default=[], help="site the person works at; repeatable")
    add.set_defaults(run=run_add)
    passwd = staff_sub.add_parser("passwd", parents=common, help="set a new password (ends the account's sessions)")
    passwd.add_argument("--login", required=True)
    passwd.set_defaults(run=run_passwd)
    for p in (add, passwd):
        p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    disable = staff_sub.add_parser("disable", parents=common, help="disable an account (ends its sessions at once)")
    disable.set_defaults(run=run_disable)
    enable = staff_sub.add_parser("enable", parents=common, help="enable a disabled account")
    enable.set_defaults(run=run_enable)
    for p in (disable, enable):
        p.add_argument("--login", required=True)
    staff_sub.add_parser("list", parents=common, help="list accounts").set_defaults(run=run_list)


def run_add(args: argparse.Namespace) -> int:
    async def add(accounts: Accounts, config: Config, settings: Settings) -> Result:
        for site in args.site:
            if config.site(site) is None:
                raise DomainError(f"unknown site {site!r}", code="unknown_site", status_code=404)
        from server.auth.audit import concerning

        created = await accounts.add_staff(args.login, args.name, Role(args.role), tuple(args.site), _password(args))
        detail = f"{created['login']} ({created['role']})"
        await audit(accounts.redis, config, "staff.add", sites=concerning(created["sites"]), detail=detail)
        return created

    return with_accounts(args, add)


def run_passwd(args: argparse.Namespace) -> int:
    async def passwd(accounts: Accounts, config: Config, settings: Settings) -> Result:
        await accounts.set_password(args.login, _password(args))
        await _audit(accounts, config, "staff.password", args.login)
        return {"login": args.login, "password_changed": True}

    return with_accounts(args, passwd)


def run_disable(args: argparse.Namespace) -> int:
    return _set_disabled(args, True)


def run_enable(args: argparse.Namespace) -> int:
    return _set_disabled(args, False)


def _set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    async def set_disabled(accounts: Accounts, config: Config, settings: Settings) -> Result:
        await accounts.set_disabled(args.login, disabled)
        await _audit(accounts, config, "staff.disable" if disabled else "staff.enable", args.login)
        return {"login": args.login, "disabled": disabled}

    return with_accounts(args, set_disabled)


def run_list(args: argparse.Namespace) -> int:
    async def list_staff(accounts: Accounts, config: Config, settings: Settings) -> Result:
        return await accounts.list_staff()

    return with_accounts(args, list_staff)


async def _audit(accounts: Accounts, config: Config, action: str, login: str) -> None:
    """A change of the account ``login``, with the sites it works at (its managers read it)."""
    from server.auth.audit import concerning

    record = await accounts.staff_record(login)
    sites = concerning(accounts.public_staff(record)["sites"]) if record else None
    await audit(accounts.redis, config, action, sites=sites, detail=login)


def _password(args: argparse.Namespace) -> str:
    """From standard input (``--password-stdin``), or typed twice at the terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise DomainError("the two passwords differ", code="validation_error", status_code=400)
    return first
