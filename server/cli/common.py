"""What the command groups share: the common options, settings, the store of a data dir, output, and the audit
entries of the changes a command makes (``cli:<os user>``, DESIGN §10)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from server.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from server.auth.accounts import Accounts
    from server.config import Config
    from server.queue.store import Store

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
T = TypeVar("T")
Command = Callable[[argparse.Namespace], int]
"""What a command runs: its parsed arguments in, the exit status out (``set_defaults(run=...)``)."""


class Options:
    """Parent parsers of the options every command that uses the store or prints results shares."""

    def __init__(self) -> None:
        self.store = argparse.ArgumentParser(add_help=False)
        self.store.add_argument(
            "--config", type=Path, default=None, help="configuration file (default: the shipped config/fukutsu.toml)"
        )
        self.store.add_argument(
            "--data-dir", type=Path, default=None, help="where the embedded store keeps its data (default var/)"
        )
        self.json = argparse.ArgumentParser(add_help=False)
        self.json.add_argument("--json", action="store_true", help="machine-readable output")

    @property
    def store_and_json(self) -> list[argparse.ArgumentParser]:
        return [self.store, self.json]


def iso_datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {value!r} (e.g. 2026-11-24T10:00)") from None


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {value!r} (e.g. 2026-11-24)") from None


def settings_of(args: argparse.Namespace, **serve_options: Any) -> Settings:
    """The environment's settings (``MADOGUCHI_*``), overridden by the options given on the command line."""
    return Settings.from_env(os.environ, config_path=args.config, data_dir=args.data_dir, **serve_options)


def store_url(settings: Settings) -> str | None:
    """MADOGUCHI_REDIS_URL, or the embedded store of a `serve` running on the same data dir (None: said why)."""
    from server.embedded import find_running

    url = settings.redis_url or find_running(settings.data_dir)
    if url is None:
        print(
            f"no store: set MADOGUCHI_REDIS_URL or start `madoguchi serve --data-dir {settings.data_dir}` first",
            file=sys.stderr,
        )
    return url


def on_store(args: argparse.Namespace, use: Callable[[Redis, Config, Settings], Awaitable[T]]) -> T | None:
    """Run ``use`` with a client of the store the options name; None when there is none (said why)."""
    from server.config import load_config
    from server.runtime import redis_client

    settings = settings_of(args)
    config = load_config(settings.config_path)
    url = store_url(settings)
    if url is None:
        return None

    async def run() -> T:
        redis = redis_client(url)
        try:
            return await use(redis, config, settings)
        finally:
            await redis.aclose()

    return asyncio.run(run())


def with_store(args: argparse.Namespace, use: Callable[[Store], Awaitable[int]]) -> int:
    """Run ``use`` on the queue store the options name; 2 when there is none."""
    from server.clock import Clock
    from server.queue.store import Store

    code = on_store(args, lambda redis, config, _: use(Store(redis, config, Clock(config.timezone))))
    return 2 if code is None else code


Result: TypeAlias = "dict[str, Any] | list[dict[str, Any]]"
"""What an account command prints: one record, or a list of them."""


def with_accounts(args: argparse.Namespace, action: Callable[[Accounts, Config, Settings], Awaitable[Result]]) -> int:
    """Run ``action`` on the accounts in the store the options name and print its result (``--json``)."""
    from server.auth.accounts import Accounts

    result = on_store(args, lambda redis, config, settings: action(Accounts(redis), config, settings))
    if result is None:
        return 2
    print_result(result, args.json)
    return 0


def print_result(result: Result, as_json: bool) -> None:
    """JSON with ``--json``; otherwise ``key: value`` lines for one record, ``key=value`` rows for a list."""
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    elif isinstance(result, list):
        for row in result:
            print("  ".join(f"{k}={v}" for k, v in row.items()))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")


SERVER_FILE = "server.json"
"""``<data-dir>/server.json``: the address of the `serve` running on that data dir, for the other commands."""


def announce_url(settings: Settings) -> Path:
    """Write where this server answers, so `device add` on the same data dir prints a pairing link that works."""
    from server.embedded import write_private

    path = Path(settings.data_dir) / SERVER_FILE
    write_private(path, json.dumps({"url": settings.base_url, "pid": os.getpid()}))
    return path


def server_url(settings: Settings) -> str:
    """MADOGUCHI_PUBLIC_URL, else the address of the `serve` running on the same data dir, else the default."""
    if settings.public_url:
        return settings.public_url
    try:
        found = json.loads((Path(settings.data_dir) / SERVER_FILE).read_text(encoding="utf-8"))
        os.kill(int(found["pid"]), 0)  # still running
        return str(found["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return settings.base_url


# ---- the audit log -----------------------------------------------------------------------------------------


def actor() -> str:
    """Who runs a command, as the audit log names them: ``cli:<os user>``."""
    return f"cli:{getpass.getuser()}"


def cli_entry(config: Config, action: str, **fields: Any) -> dict[str, Any]:
    """The audit entry of a change a command makes now, in the form of the API's (server/api/common.py
    ``audit_entry``): the actor ``cli:<os user>``, no role, no client address. Fields that are None or empty are
    left out. A store script takes it as it is (``day close``); ``audit`` appends one of no queue change."""
    from server.clock import Clock

    now = Clock(config.timezone).now().isoformat(timespec="seconds")
    entry = {"at": now, "login": actor(), "role": "", "action": action, "address": ""}
    entry.update({k: v for k, v in fields.items() if v not in (None, "")})
    return entry


async def audit(redis: Redis, config: Config, action: str, **fields: Any) -> None:
    """Record a change a command made that no store script records itself (accounts, devices, a test print)."""
    from server.auth.audit import AuditLog

    await AuditLog(redis, [s.id for s in config.sites]).append(cli_entry(config, action, **fields))


def audit_if_stored(args: argparse.Namespace, action: str, **fields: Any) -> None:
    """Audit a command that needs no store itself (``print-test`` on a kiosk PC) when the store the options name
    can be reached; else say on standard error that it is not in the audit log."""
    from redis.exceptions import RedisError

    from server.config import ConfigError
    from server.embedded import find_running
    from server.settings import SettingsError

    try:
        settings = settings_of(args)
        if not (settings.redis_url or find_running(settings.data_dir)):
            print("(not in the audit log: no store here; set MADOGUCHI_REDIS_URL or --data-dir)", file=sys.stderr)
            return
        on_store(args, lambda redis, config, _: audit(redis, config, action, **fields))
    except (RedisError, OSError, ConfigError, SettingsError) as exc:  # the command's own work is done: say so only
        print(f"(not in the audit log: {exc})", file=sys.stderr)


def exit_on_signal(signum: int, frame: object) -> None:
    """A signal handler that ends the process like a return from main, so ``finally`` blocks run."""
    raise SystemExit(0)
