"""``madoguchi serve``: the server, on its embedded store unless ``MADOGUCHI_REDIS_URL`` names one."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import secrets
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from server.auth.principals import DeviceKind, Role
from server.cli.common import Options, Subcommands, announce_url, exit_on_signal, iso_datetime, settings_of
from server.config import Config, ConfigError, load_config
from server.settings import Settings, SettingsError, limit_sites, parse_sites
from server.settings import check_workers as _check_workers

if TYPE_CHECKING:
    from litestar import Litestar

    from server.auth.accounts import Accounts
    from server.embedded import StoreKeeper

log = logging.getLogger("madoguchi")


def register(sub: Subcommands, options: Options) -> None:
    serve = sub.add_parser(
        "serve",
        parents=[options.store],
        help="run the server (starts an embedded Redis/Valkey unless MADOGUCHI_REDIS_URL)",
    )
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default 8000)")
    serve.add_argument("--demo", action="store_true", help="print how to open each page and try the API")
    serve.add_argument("--clock", type=iso_datetime, default=None, metavar="ISO-TIME",
                       help="start the server clock at this instant (training mode), e.g. 2026-11-24T10:00")  # fmt: skip
    serve.add_argument("--workers", type=_workers, default=None, metavar="N",
                       help="server processes sharing the port (default 1, or MADOGUCHI_WORKERS)")  # fmt: skip
    serve.add_argument("--site", action="append", type=_site, default=None, metavar="SITE",
                       help="serve this site only (repeatable; default every site of the configuration, or "
                       "MADOGUCHI_SITES): an outreach desk's laptop, e.g. --site outreach-mall")  # fmt: skip
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app
    from server.embedded import PRIVATE_UMASK, EmbeddedError, make_private, private_dir

    settings = settings_of(
        args, host=args.host, port=args.port, demo=args.demo or None, clock_start=args.clock, workers=args.workers,
        sites=tuple(dict.fromkeys(args.site)) if args.site else None,
    )  # fmt: skip
    try:
        config = load_config(settings.config_path)
    except ConfigError as exc:
        print(f"{settings.config_path}: the configuration has errors:", file=sys.stderr)
        for p in exc.errors:
            print(f"  {p}", file=sys.stderr)
        return 2
    config = limit_sites(config, settings.sites, "--site" if args.site else "MADOGUCHI_SITES")
    # the data dir holds the store's AOF (names, phone numbers), tickets and logs: this user's only
    os.umask(PRIVATE_UMASK)
    make_private(private_dir(settings.data_dir.resolve()))
    embedded: StoreKeeper | None = None
    redis_url = settings.redis_url
    if redis_url is None:
        try:
            embedded = _embedded_store(settings.data_dir)
        except EmbeddedError as exc:
            print(f"cannot start the embedded store: {exc}", file=sys.stderr)
            return 2
        redis_url = embedded.url
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then raises the signal again; these handlers
    # turn that into an ordinary exit so the embedded store below is always stopped.
    signal.signal(signal.SIGTERM, exit_on_signal)
    signal.signal(signal.SIGINT, exit_on_signal)
    announced = announce_url(settings)
    try:
        if settings.workers > 1:
            # each worker process builds its own app (``worker_app``) from what this one decided; the socket is
            # bound here once and shared, and a worker that dies is started again
            os.environ[WORKER_SPEC] = json.dumps(_worker_spec(settings, redis_url, embedded is not None))
            app: Any = f"{__name__}:worker_app"
        else:
            app = create_app(settings, redis_url=redis_url, config=config, embedded=embedded is not None)
        print(banner(settings, config), flush=True)
        if warning := public_url_warning(settings):
            print(warning, file=sys.stderr, flush=True)
        print(asyncio.run(first_start(settings, config, redis_url)), flush=True)
        if settings.workers == 1:
            freeze_startup_objects()
        # long-polling print agents and websockets would hold a graceful shutdown open: they reconnect anyway
        # no permessage-deflate: events are a few hundred bytes on a LAN, and compressing each one for every
        # board cost ~40 % of the fan-out's CPU and ~43 KiB per connection (docs/PERFORMANCE.md)
        # no proxy_headers: the app itself decides which forwarded headers to trust (configured proxies only)
        # ws: uvicorn's websockets protocol that lets the fan-out write an event's frame, encoded once, to every board
        uvicorn.run(
            app, host=settings.host, port=settings.port, log_level="info", lifespan="on",
            timeout_graceful_shutdown=3, ws_per_message_deflate=False, proxy_headers=False,
            workers=settings.workers, factory=settings.workers > 1, ws=PUSH_PROTOCOL,
        )  # fmt: skip
    except SystemExit:
        pass
    finally:
        announced.unlink(missing_ok=True)
        if embedded is not None:
            embedded.stop()
    return 0


PUSH_PROTOCOL = "server.wsframes:PushProtocol"
"""uvicorn's websockets protocol with the fan-out's frame writes (named, so every worker process imports it)."""

WORKER_SPEC = "MADOGUCHI_WORKER_SPEC"
"""Set by ``serve --workers N`` for its worker processes: what the parent decided (the store, the clock's start)."""


def _workers(value: str) -> int:
    try:
        return _check_workers("--workers", value)
    except SettingsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _site(value: str) -> str:
    try:
        (site,) = parse_sites("--site", value)
    except (SettingsError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc) if isinstance(exc, SettingsError) else "one site id") from None
    return site


def _worker_spec(settings: Settings, redis_url: str, embedded: bool) -> dict[str, Any]:
    return {
        "redis_url": redis_url,
        "embedded": embedded,
        "config": str(settings.config_path),
        "data_dir": str(settings.data_dir),
        "host": settings.host,
        "port": settings.port,
        "clock": settings.clock_start.isoformat() if settings.clock_start else None,
        "started": time.time(),
        "sites": list(settings.sites),
    }


def worker_app() -> Litestar:
    """The app of one ``serve --workers N`` process: the parent's store (its embedded store is started once, by
    the parent) and settings, and a training clock that shows the same time in every worker."""
    from server.app import create_app
    from server.clock import Clock

    spec = json.loads(os.environ[WORKER_SPEC])
    settings = Settings.from_env(
        os.environ, config_path=Path(spec["config"]), data_dir=Path(spec["data_dir"]), host=spec["host"],
        port=spec["port"], sites=tuple(spec["sites"]),
    )  # fmt: skip
    config = load_config(settings.config_path)
    clock = Clock(config.timezone)
    if spec["clock"]:
        started = datetime.fromisoformat(spec["clock"])
        clock.set(started + timedelta(seconds=time.time() - float(spec["started"])))
    app = create_app(settings, redis_url=spec["redis_url"], config=config, clock=clock, embedded=spec["embedded"])
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Leave what the process built to serve (modules, config, the app: ~110,000 objects) out of every garbage
    collection from now on. Each full collection walked them all, 30-45 ms during which no request or event moved
    (six in a 15 s issue bench with a long waiting line, whose events make many objects): part of the answers'
    tail. They live as long as the process anyway."""
    gc.collect()
    gc.freeze()


def _embedded_store(data_dir: Path) -> StoreKeeper:
    """The store of the data dir: this serve's own, or the one another serve on it runs (taken over later)."""
    from server.embedded import StoreKeeper

    keeper = StoreKeeper(data_dir)
    keeper.start()
    port = urlsplit(keeper.url).port
    if keeper.owned:
        log.info("embedded store %s on port %s, data in %s", Path(keeper.binary).name, port, keeper.data_dir)
    else:
        log.info("using the embedded store on port %s that another serve on %s runs (taken over when it ends)",
                 port, keeper.data_dir)  # fmt: skip
    return keeper


def desk_sites(config: Config) -> tuple[str, ...]:
    """The sites the demo seeds desk accounts and devices for: the offices, or every site served when there is no
    office (an outreach desk's laptop, ``--site outreach-mall``)."""
    offices = tuple(s.id for s in config.sites if s.kind == "office")
    return offices or tuple(s.id for s in config.sites)


def demo_staff(config: Config) -> list[tuple[str, str, Role, tuple[str, ...]]]:
    """The --demo accounts: admin and manager everywhere, desk roles at the offices (the guide at the first)."""
    offices = desk_sites(config)
    return [
        ("demo-admin", "デモ 管理者 (demo)", Role.ADMIN, ()),
        ("demo-manager", "デモ 責任者 (demo)", Role.MANAGER, ()),
        ("demo-operator", "デモ 窓口 (demo)", Role.OPERATOR, offices),
        ("demo-guide", "デモ 総合案内 (demo)", Role.GUIDE, offices[:1]),
        ("demo-phone", "デモ 電話予約 (demo)", Role.PHONE, offices),
    ]


async def first_start(settings: Settings, config: Config, redis_url: str) -> str:
    """What a new user needs next: demo accounts and devices (--demo), or how to create the first admin."""
    from server.auth.accounts import Accounts
    from server.runtime import redis_client

    redis = redis_client(redis_url)
    accounts = Accounts(redis)
    lines: list[str] = []
    try:
        if settings.demo:
            lines += await _demo(accounts, settings, config)
        if not await accounts.has_admin():
            token = await accounts.issue_setup_token()
            lines += [
                "No admin account exists yet. Create the first one with the command line:",
                f"    madoguchi staff add --login admin --name 管理者 --role admin --data-dir {settings.data_dir}",
                "or once, within 7 days, with this setup token:",
                f"    curl -X POST {settings.base_url}/api/v1/setup -H 'content-type: application/json' "
                f'-d \'{{"token": "{token}", "login": "admin", "name": "管理者", "password": "..."}}\'',
                "Nothing but the public pages works until then: there are no default passwords.",
            ]
    finally:
        await redis.aclose()
    return "\n".join(lines)


async def _demo(accounts: Accounts, settings: Settings, config: Config) -> list[str]:
    """Seed the demo accounts (new passwords) and devices (new pairing links); how to use them."""
    base = settings.base_url
    lines = ["DEMO accounts (random passwords, new at every start; never use --demo in production):"]
    for login, name, role, sites in demo_staff(config):
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
    active: dict[tuple[str, str], str] = {}
    for device in await accounts.list_devices():
        if not device["revoked"]:
            active.setdefault((device["site"], device["kind"]), device["id"])
    offices = desk_sites(config)
    for site in offices:
        for kind in (DeviceKind.KIOSK, DeviceKind.BOARD):
            if (site, kind.value) in active:
                code = await accounts.new_pairing_code(active[site, kind.value])
            else:
                code = (await accounts.add_device(site, kind, f"demo {kind.value} {site}"))["pairing_code"]
            lines.append(f"    {kind.value:<6} {site:<12} {base}/pair/{code}")
    first = offices[0] if offices else "<site>"
    lines += [
        f"    (the link sets the PC's device cookie and goes on to its page, e.g. /kiosk/{first})",
        "DEMO pages for staff (log in with the accounts above):",
        f"    guide console      {base}/guide/{first}   (demo-guide, demo-manager: also notices)",
        f"    counter console    {base}/console           (demo-operator)",
        f"    phone reservations {base}/phone             (demo-phone)",
        f"    start page         {base}/                  (demo-admin; each account sees what it may open)",
        f"    admin              {base}/admin             (demo-admin, demo-manager: staff, devices, printers, calendar)",
        f"    floor overview     {base}/admin/floor       (demo-manager)",
        f"    reports 日報・月報  {base}/reports           (demo-manager)",
        f"    incidents          {base}/incidents         (demo-manager)",
        f"    visitor page       {base}/t/<token>          (the QR code on each ticket)",
    ]
    return lines


def public_url_warning(settings: Settings) -> str | None:
    """One line when MADOGUCHI_PUBLIC_URL is unset: the QR codes on tickets then hold this server's own address,
    which a visitor's phone often cannot open (127.0.0.1 never). Softer with --demo, tried on one computer."""
    if settings.public_url:
        return None
    base = settings.base_url
    where = f"MADOGUCHI_PUBLIC_URL is not set: the QR codes on tickets point to {base}/t/..."
    if settings.demo:
        return f"note: {where} (fine on this computer; for phones, set it to the address they use)"
    loopback = urlsplit(base).hostname in ("127.0.0.1", "localhost", "::1")
    reach = "no visitor's phone can open" if loopback else "only devices on this network can open"
    return f"WARNING: {where}, which {reach}; set it to the address phones use, e.g. https://madoguchi.example.jp"


def banner(settings: Settings, config: Config) -> str:
    """Where the server answers and how each site's day looks (closed today: the next opening)."""
    from server.calendar import next_opening, resolve_opening
    from server.clock import Clock

    clock = Clock(config.timezone, settings.clock_start)
    now = clock.now()
    base = settings.base_url
    lines = [f"madoguchi serving {config.name} at {base}"]
    if settings.sites:
        lines.append(f"  this server serves only: {', '.join(settings.sites)} (--site / MADOGUCHI_SITES)")
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
