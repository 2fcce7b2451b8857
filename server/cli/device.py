"""``madoguchi device add|list|revoke``: kiosk and board PCs, in the store the options name. Adding and revoking
are audited as the API audits them (``device.add``, ``device.revoke`` with the device's site), by
``cli:<os user>``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from server.auth.principals import DeviceKind
from server.cli.common import Options, Result, Subcommands, audit, server_url, with_accounts
from server.queue.errors import DomainError

if TYPE_CHECKING:
    from server.auth.accounts import Accounts
    from server.config import Config
    from server.settings import Settings


def register(sub: Subcommands, options: Options) -> None:
    device = sub.add_parser("device", help="kiosk and board PCs")
    device_sub = device.add_subparsers(dest="device_command", required=True)
    common = options.store_and_json
    add = device_sub.add_parser(
        "add", parents=common, help="register a kiosk or board; prints its token and pairing URL"
    )
    add.add_argument("--site", required=True)
    add.add_argument("--kind", required=True, choices=[k.value for k in DeviceKind])
    add.add_argument("--name", required=True)
    add.set_defaults(run=run_add)
    device_sub.add_parser("list", parents=common, help="list devices").set_defaults(run=run_list)
    revoke = device_sub.add_parser("revoke", parents=common, help="revoke a device (its open pages close at once)")
    revoke.add_argument("id")
    revoke.set_defaults(run=run_revoke)


def run_add(args: argparse.Namespace) -> int:
    async def add(accounts: Accounts, config: Config, settings: Settings) -> Result:
        if config.site(args.site) is None:
            raise DomainError(f"unknown site {args.site!r}", code="unknown_site", status_code=404)
        created = await accounts.add_device(args.site, DeviceKind(args.kind), args.name)
        await audit(accounts.redis, config, "device.add", site=args.site, detail=f"{created['id']} {created['name']}")
        created["pairing_url"] = f"{server_url(settings)}/pair/{created.pop('pairing_code')}"
        return created

    return with_accounts(args, add)


def run_list(args: argparse.Namespace) -> int:
    async def list_devices(accounts: Accounts, config: Config, settings: Settings) -> Result:
        return await accounts.list_devices()

    return with_accounts(args, list_devices)


def run_revoke(args: argparse.Namespace) -> int:
    async def revoke(accounts: Accounts, config: Config, settings: Settings) -> Result:
        await accounts.revoke_device(args.id)
        record = await accounts.device_record(args.id)
        await audit(accounts.redis, config, "device.revoke", site=record["site"] if record else None, detail=args.id)
        return {"id": args.id, "revoked": True}

    return with_accounts(args, revoke)
