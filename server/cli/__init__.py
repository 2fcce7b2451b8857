"""The ``madoguchi`` command (DESIGN §9)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from server.auth.principals import DeviceKind, Role
from server.config import ConfigError, check_config, load_config
from server.queue.errors import DomainError

log = logging.getLogger("madoguchi")


def _iso_datetime(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date-time: {value!r} (e.g. 2026-11-24T10:00)") from None


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {value!r} (e.g. 2026-11-24)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="Queue and reception system for service counters")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (starts an embedded Redis/Valkey unless MADOGUCHI_REDIS_URL)")
    serve.add_argument("--config", type=Path, help="configuration file (default: the shipped config/fukutsu.toml)")
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default 8000)")
    serve.add_argument(
        "--data-dir", type=Path, default=None, help="where the embedded store keeps its data (default var/)"
    )
    serve.add_argument("--demo", action="store_true", help="print how to open each page and try the API")
    serve.add_argument("--clock", type=_iso_datetime, default=None, metavar="ISO-TIME",
                       help="start the server clock at this instant (training mode), e.g. 2026-11-24T10:00")  # fmt: skip

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="report every error of a configuration file with its key path")
    check.add_argument("file", type=Path)

    day = sub.add_parser("day", help="business day tools")
    day_sub = day.add_subparsers(dest="day_command", required=True)
    close = day_sub.add_parser("close", help="make the tickets still open on a business date unserved")
    close.add_argument("--site", action="append", help="site id (default: every site); repeatable")
    close.add_argument("--date", type=_iso_date, default=None, help="business date (default: today in Asia/Tokyo)")
    close.add_argument("--config", type=Path, default=None)
    close.add_argument("--data-dir", type=Path, default=None)
    close.add_argument("--json", action="store_true", help="machine-readable output")
    resv = sub.add_parser("reservations", help="reservation tools")
    resv_sub = resv.add_subparsers(dest="reservations_command", required=True)
    purge = resv_sub.add_parser("purge", help="delete names and phone numbers past their retention (audited)")
    purge.add_argument("--config", type=Path, default=None)
    purge.add_argument("--data-dir", type=Path, default=None)
    purge.add_argument("--json", action="store_true", help="machine-readable output")
    staff = sub.add_parser("staff", help="staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="create a staff account")
    add.add_argument("--login", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--site", action="append", default=[], help="site the person works at; repeatable")
    passwd = staff_sub.add_parser("passwd", help="set a new password (ends the account's sessions)")
    passwd.add_argument("--login", required=True)
    for p in (add, passwd):
        p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    disable = staff_sub.add_parser("disable", help="disable an account (ends its sessions at once)")
    disable.add_argument("--login", required=True)
    enable = staff_sub.add_parser("enable", help="enable a disabled account")
    enable.add_argument("--login", required=True)
    staff_list = staff_sub.add_parser("list", help="list accounts")

    device = sub.add_parser("device", help="kiosk and board PCs")
    device_sub = device.add_subparsers(dest="device_command", required=True)
    dev_add = device_sub.add_parser("add", help="register a kiosk or board; prints its token and pairing URL")
    dev_add.add_argument("--site", required=True)
    dev_add.add_argument("--kind", required=True, choices=[k.value for k in DeviceKind])
    dev_add.add_argument("--name", required=True)
    dev_list = device_sub.add_parser("list", help="list devices")
    revoke = device_sub.add_parser("revoke", help="revoke a device (its open pages close at once)")
    revoke.add_argument("id")
    test = sub.add_parser("print-test", help="print a test ticket and show the printer's status")
    test.add_argument("--printer", required=True, metavar="URI", help="e.g. tcp://192.168.10.21:9100?mode=kanji")
    agent = sub.add_parser("print-agent", help="feed this kiosk PC's USB/serial printer from the server")
    agent.add_argument("--server", required=True, metavar="URL", help="the server, e.g. http://192.168.10.5:8000")
    agent.add_argument("--printer", required=True, metavar="URI", help="e.g. usb://04b8:0202 or serial:///dev/ttyUSB0")
    agent.add_argument("--token-file", type=Path, help="file holding the kiosk's device token "
                       "(default: $MADOGUCHI_DEVICE_TOKEN)")  # fmt: skip

    for p in (add, passwd, disable, enable, staff_list, dev_add, dev_list, revoke):
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--config", type=Path, default=None)
        p.add_argument("--data-dir", type=Path, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        return serve(args)
    if args.command == "config":
        return config_check(args.file)
    if args.command == "day":
        return asyncio.run(day_close(args))
    if args.command == "reservations":
        return asyncio.run(reservations_purge(args))
    if args.command == "print-test":
        return asyncio.run(print_test(args.printer))
    if args.command == "print-agent":
        return print_agent(args)
    if args.command in ("staff", "device"):
        try:
            return asyncio.run(accounts_command(args))
        except DomainError as exc:
            print(f"{exc.code}: {exc.detail}", file=sys.stderr)
            return 1
    return 2


def config_check(path: Path) -> int:
    problems = check_config(path)
    if problems:
        print(f"{path}: {len(problems)} error(s)", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    cfg = load_config(path)
    print(f"{path}: OK ({len(cfg.sites)} sites, {len(cfg.services)} services, "
          f"{len(cfg.sunday_openings)} Sunday openings, {len(cfg.outreach_events)} outreach events)")  # fmt: skip
    return 0


def _settings(args: argparse.Namespace) -> Any:
    from server.settings import Settings

    return Settings.from_env(
        os.environ,
        config_path=getattr(args, "config", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        data_dir=getattr(args, "data_dir", None),
        demo=getattr(args, "demo", None) or None,
        clock_start=getattr(args, "clock", None),
    )


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.embedded import PRIVATE_UMASK, EmbeddedError, StoreKeeper, make_private, private_dir

    settings = _settings(args)
    try:
        config = load_config(settings.config_path)
    except ConfigError as exc:
        print(f"{settings.config_path}: the configuration has errors:", file=sys.stderr)
        for p in exc.errors:
            print(f"  {p}", file=sys.stderr)
        return 2
    # the data dir holds the store's AOF (names, phone numbers), tickets and logs: this user's only
    os.umask(PRIVATE_UMASK)
    make_private(private_dir(settings.data_dir.resolve()))
    embedded: StoreKeeper | None = None
    redis_url = settings.redis_url
    if redis_url is None:
        try:
            embedded = StoreKeeper(settings.data_dir)
            embedded.start()
        except EmbeddedError as exc:
            print(f"cannot start the embedded store: {exc}", file=sys.stderr)
            return 2
        redis_url = embedded.url
        port = urlsplit(redis_url).port
        if embedded.owned:
            log.info("embedded store %s on port %s, data in %s", Path(embedded.binary).name, port, embedded.data_dir)
        else:
            log.info("using the embedded store on port %s that another serve on %s runs (taken over when it ends)",
                     port, embedded.data_dir)  # fmt: skip
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then raises the signal again; these handlers
    # turn that into an ordinary exit so the embedded store below is always stopped.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    announced = _announce_url(settings)
    try:
        app = create_app(settings, redis_url=redis_url, config=config, embedded=embedded is not None)
        print(banner(settings, config), flush=True)
        print(asyncio.run(first_start(settings, config, redis_url)), flush=True)
        # long-polling print agents and websockets would hold a graceful shutdown open: they reconnect anyway
        # no permessage-deflate: events are a few hundred bytes on a LAN, and compressing each one for every
        # board cost ~40 % of the fan-out's CPU and ~43 KiB per connection (docs/PERFORMANCE.md)
        uvicorn.run(
            app, host=settings.host, port=settings.port, log_level="info", lifespan="on",
            timeout_graceful_shutdown=3, ws_per_message_deflate=False,
        )  # fmt: skip
    except SystemExit:
        pass
    finally:
        announced.unlink(missing_ok=True)
        if embedded is not None:
            embedded.stop()
    return 0


SERVER_FILE = "server.json"
"""``<data-dir>/server.json``: the address of the `serve` running on that data dir, for the other commands."""


def _announce_url(settings: Any) -> Path:
    """Write where this server answers, so `device add` on the same data dir prints a pairing link that works."""
    from server.embedded import write_private

    path = Path(settings.data_dir) / SERVER_FILE
    write_private(path, json.dumps({"url": settings.base_url, "pid": os.getpid()}))
    return path


def _server_url(settings: Any) -> str:
    """MADOGUCHI_PUBLIC_URL, else the address of the `serve` running on the same data dir, else the default."""
    if settings.public_url:
        return str(settings.public_url)
    try:
        found = json.loads((Path(settings.data_dir) / SERVER_FILE).read_text(encoding="utf-8"))
        os.kill(int(found["pid"]), 0)  # still running
        return str(found["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return str(settings.base_url)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


DEMO_STAFF = [
    ("demo-admin", "デモ 管理者 (demo)", Role.ADMIN, ()),
    ("demo-manager", "デモ 責任者 (demo)", Role.MANAGER, ()),
    ("demo-operator", "デモ 窓口 (demo)", Role.OPERATOR, ("city-hall", "tsuyazaki")),
    ("demo-guide", "デモ 総合案内 (demo)", Role.GUIDE, ("city-hall",)),
    ("demo-phone", "デモ 電話予約 (demo)", Role.PHONE, ("city-hall", "tsuyazaki")),
]


async def first_start(settings: Any, config: Any, redis_url: str) -> str:
    """What a new user needs next: demo accounts and devices (--demo), or how to create the first admin."""
    import secrets

    from server.auth.accounts import Accounts
    from server.runtime import redis_client

    redis = redis_client(redis_url)
    accounts = Accounts(redis)
    base = settings.base_url
    lines: list[str] = []
    try:
        if settings.demo:
            lines.append("DEMO accounts (random passwords, new at every start; never use --demo in production):")
            for login, name, role, sites in DEMO_STAFF:
                password = secrets.token_urlsafe(12)
                if await accounts.staff_record(login) is None:
                    await accounts.add_staff(login, name, role, sites, password)
                else:
                    await accounts.set_password(login, password)
                    await accounts.set_disabled(login, False)
                lines.append(f"    {login:<14} {password}   ({role.value})")
            lines.append(f"    log in: curl -c cookies -X POST {base}/api/v1/auth/login -H 'content-type: application/json' "
                         "-d '{\"login\": \"demo-operator\", \"password\": \"...\"}'")  # fmt: skip
            lines.append("DEMO devices: open a pairing link once on the kiosk or board PC:")
            known = {(d["site"], d["kind"]) for d in await accounts.list_devices() if not d["revoked"]}
            for site in [s for s in config.sites if s.kind == "office"]:
                for kind in (DeviceKind.KIOSK, DeviceKind.BOARD):
                    if (site.id, kind.value) in known:
                        dev = next(d for d in await accounts.list_devices()
                                   if d["site"] == site.id and d["kind"] == kind.value and not d["revoked"])  # fmt: skip
                        code = await accounts.new_pairing_code(dev["id"])
                    else:
                        created = await accounts.add_device(site.id, kind, f"demo {kind.value} {site.id}")
                        code = created["pairing_code"]
                    lines.append(f"    {kind.value:<6} {site.id:<12} {base}/pair/{code}")
            lines.append("    (the link sets the PC's device cookie and goes on to its page, e.g. /kiosk/city-hall)")
            lines.append("DEMO pages for staff (log in with the accounts above):")
            lines.append(f"    guide console      {base}/guide/city-hall   (demo-guide, demo-manager: also notices)")
            lines.append(f"    counter console    {base}/console           (demo-operator)")
            lines.append(f"    phone reservations {base}/phone             (demo-phone)")
            lines.append(f"    visitor page       {base}/t/<token>          (the QR code on each ticket)")
        if not await accounts.has_admin():
            token = await accounts.issue_setup_token()
            lines += [
                "No admin account exists yet. Create the first one with the command line:",
                f"    madoguchi staff add --login admin --name 管理者 --role admin --data-dir {settings.data_dir}",
                "or once, within 7 days, with this setup token:",
                f"    curl -X POST {base}/api/v1/setup -H 'content-type: application/json' "
                f'-d \'{{"token": "{token}", "login": "admin", "name": "管理者", "password": "..."}}\'',
                "Nothing but the public pages works until then: there are no default passwords.",
            ]
    finally:
        await redis.aclose()
    return "\n".join(lines)


def banner(settings: Any, config: Any) -> str:
    from server.calendar import next_opening, resolve_opening
    from server.clock import Clock

    clock = Clock(config.timezone, settings.clock_start)
    now = clock.now()
    base = settings.base_url
    lines = [f"madoguchi serving {config.name} at {base}"]
    if clock.training:
        lines.append(f"TRAINING MODE (研修): the server clock starts at {now.isoformat(timespec='minutes')}")
    lines.append(f"  health:    {base}/healthz   ready: {base}/readyz   API schema: {base}/schema")
    lines.append(f"  sites:     {base}/api/v1/sites")
    for site in config.sites:
        opening = resolve_opening(config, site.id, now.date())
        if opening.kind == "closed":
            nxt = next_opening(config, site.id, now)
            when = f"next opening {nxt.date} {nxt.opens_at:%H:%M}" if nxt and nxt.opens_at else "no opening ahead"
            status = f"closed today ({opening.reason}); {when}"
        else:
            status = f"{opening.kind} {opening.opens_at:%H:%M}-{opening.closes_at:%H:%M}"
        lines.append(f"  {site.id:<18} {site.name}: {status}")
        lines.append(f"      state:     {base}/api/v1/sites/{site.id}/state")
        lines.append(f"      live:      ws{base[4:]}/ws/v1/sites/{site.id}")
    if not clock.training:
        lines.append(
            "  (tickets are refused outside opening hours; --clock 2026-11-24T10:00 trains on a weekday morning)"
        )
    return "\n".join(lines)


def _open_store(args: argparse.Namespace) -> Any:
    """The queue store of MADOGUCHI_REDIS_URL or of the `serve` on the same data dir; None when there is none."""
    from server.clock import Clock
    from server.queue.store import Store
    from server.runtime import redis_client

    settings = _settings(args)
    config = load_config(settings.config_path)
    url = _store_url(settings)
    return None if url is None else Store(redis_client(url), config, Clock(config.timezone))


async def day_close(args: argparse.Namespace) -> int:
    store = _open_store(args)
    if store is None:
        return 2
    day = (args.date or store.business_date()).isoformat()
    sites = args.site or [s.id for s in store.config.sites]
    results = []
    try:
        for site in sites:
            was_open, n = await store.close_day(site, day)
            results.append({"site": site, "business_date": day, "was_open": was_open, "unserved": n})
    finally:
        await store.redis.aclose()
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        for r in results:
            state = f"{r['unserved']} ticket(s) unserved" if r["was_open"] else "nothing open"
            print(f"{r['site']} {r['business_date']}: {state}")
    return 0


async def reservations_purge(args: argparse.Namespace) -> int:
    """The daily purge of the server, now: it is idempotent, a running server does it too."""
    from server.reservations.store import ReservationStore

    store = _open_store(args)
    if store is None:
        return 2
    try:
        purged = await ReservationStore(store).purge_due(by="cli")
    finally:
        await store.redis.aclose()
    print(json.dumps({"purged": purged}) if args.json else f"{purged} reservation(s) purged")
    return 0


def _store_url(settings: Any) -> str | None:
    """MADOGUCHI_REDIS_URL, or the embedded store of a `serve` running on the same data dir."""
    from server.embedded import find_running

    url = settings.redis_url or find_running(settings.data_dir)
    if url is None:
        print(
            f"no store: set MADOGUCHI_REDIS_URL or start `madoguchi serve --data-dir {settings.data_dir}` first",
            file=sys.stderr,
        )
    return url


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise DomainError("the two passwords differ", code="validation_error", status_code=400)
    return first


async def accounts_command(args: argparse.Namespace) -> int:
    from server.auth.accounts import Accounts
    from server.runtime import redis_client

    settings = _settings(args)
    url = _store_url(settings)
    if url is None:
        return 2
    config = load_config(settings.config_path)
    redis = redis_client(url)
    accounts = Accounts(redis)
    try:
        result = await _accounts_action(args, accounts, config, settings)
    finally:
        await redis.aclose()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif isinstance(result, list):
        for row in result:
            print("  ".join(f"{k}={v}" for k, v in row.items()))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")
    return 0


async def _accounts_action(args: argparse.Namespace, accounts: Any, config: Any, settings: Any) -> Any:
    if args.command == "staff":
        cmd = args.staff_command
        if cmd == "add":
            for site in args.site:
                if config.site(site) is None:
                    raise DomainError(f"unknown site {site!r}", code="unknown_site", status_code=404)
            return await accounts.add_staff(
                args.login, args.name, Role(args.role), tuple(args.site), _read_password(args)
            )
        if cmd == "passwd":
            await accounts.set_password(args.login, _read_password(args))
            return {"login": args.login, "password_changed": True}
        if cmd in ("disable", "enable"):
            await accounts.set_disabled(args.login, cmd == "disable")
            return {"login": args.login, "disabled": cmd == "disable"}
        return await accounts.list_staff()
    cmd = args.device_command
    if cmd == "add":
        if config.site(args.site) is None:
            raise DomainError(f"unknown site {args.site!r}", code="unknown_site", status_code=404)
        created = await accounts.add_device(args.site, DeviceKind(args.kind), args.name)
        created["pairing_url"] = f"{_server_url(settings)}/pair/{created.pop('pairing_code')}"
        return created
    if cmd == "revoke":
        await accounts.revoke_device(args.id)
        return {"id": args.id, "revoked": True}
    return await accounts.list_devices()


async def print_test(uri: str) -> int:
    from printers.errors import PrinterError
    from printers.transport import print_test_page

    try:
        status = await print_test_page(uri)
    except ValueError as exc:
        print(f"bad printer URI: {exc}", file=sys.stderr)
        return 2
    except PrinterError as exc:
        print(f"{uri}: not printed: {exc}", file=sys.stderr)
        return 1
    print(f"{uri}: test page sent; printer status {status.state}" + (f" ({status.detail})" if status.detail else ""))
    return 0 if status.state in ("ok", "paper_near_end", "unknown") else 1


def print_agent(args: argparse.Namespace) -> int:
    from printers.agent import PrintAgent

    token = args.token_file.read_text().strip() if args.token_file else os.environ.get("MADOGUCHI_DEVICE_TOKEN", "")
    if not token:
        print("give the kiosk's device token with --token-file or MADOGUCHI_DEVICE_TOKEN "
              "(from `madoguchi device add --kind kiosk --json`)", file=sys.stderr)  # fmt: skip
        return 2
    try:
        agent = PrintAgent(args.server, token, args.printer)
    except ValueError as exc:
        print(f"bad printer URI: {exc}", file=sys.stderr)
        return 2
    log.info("print agent for %s: printing on %s", args.server, args.printer)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        asyncio.run(agent.run())
    except (KeyboardInterrupt, SystemExit):
        pass
    except PermissionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0
