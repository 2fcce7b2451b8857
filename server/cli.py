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

from server.config import ConfigError, check_config, load_config

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
    from server.embedded import EmbeddedError, EmbeddedRedis, find_running

    settings = _settings(args)
    try:
        config = load_config(settings.config_path)
    except ConfigError as exc:
        print(f"{settings.config_path}: the configuration has errors:", file=sys.stderr)
        for p in exc.errors:
            print(f"  {p}", file=sys.stderr)
        return 2
    embedded: EmbeddedRedis | None = None
    redis_url = settings.redis_url
    if redis_url is None:
        redis_url = find_running(settings.data_dir)
        if redis_url is not None:
            log.info("using the embedded store already running for %s at %s", settings.data_dir, redis_url)
    if redis_url is None:
        try:
            embedded = EmbeddedRedis(settings.data_dir)
            embedded.start()
        except EmbeddedError as exc:
            print(f"cannot start the embedded store: {exc}", file=sys.stderr)
            return 2
        embedded.supervise()
        redis_url = embedded.url
        log.info("embedded store %s on %s, data in %s", Path(embedded.binary).name, redis_url, embedded.dir)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM and then raises the signal again; these handlers
    # turn that into an ordinary exit so the embedded store below is always stopped.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    try:
        app = create_app(settings, redis_url=redis_url, config=config, embedded=embedded is not None)
        print(banner(settings, config), flush=True)
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", lifespan="on")
    except SystemExit:
        pass
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


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
    if settings.demo:
        first = config.sites[0]
        svc = first.services[0] if first.services else "SERVICE"
        counter = first.counters[0].id if first.counters else "COUNTER"
        lines += [
            "  try it:",
            f"    curl -s -X POST {base}/api/v1/sites/{first.id}/tickets -H 'content-type: application/json' "
            f'-d \'{{"service": "{svc}"}}\'',
            f"    curl -s -X POST {base}/api/v1/counters/{counter}/open -H 'content-type: application/json' "
            f'-d \'{{"services": ["{svc}"]}}\'',
            f"    curl -s -X POST {base}/api/v1/counters/{counter}/call-next",
            "  (outside opening hours tickets are refused with site_closed; "
            "try --clock 2026-11-24T10:00 to train on a weekday morning)",
        ]
    return "\n".join(lines)


async def day_close(args: argparse.Namespace) -> int:
    from server.clock import Clock
    from server.embedded import find_running
    from server.queue.store import Store
    from server.runtime import redis_client

    settings = _settings(args)
    config = load_config(settings.config_path)
    url = settings.redis_url or find_running(settings.data_dir)
    if url is None:
        print(f"no store: set MADOGUCHI_REDIS_URL or run `madoguchi serve --data-dir {settings.data_dir}`",
              file=sys.stderr)  # fmt: skip
        return 2
    redis = redis_client(url)
    store = Store(redis, config, Clock(config.timezone))
    day = (args.date or store.business_date()).isoformat()
    sites = args.site or [s.id for s in config.sites]
    results = []
    try:
        for site in sites:
            was_open, n = await store.close_day(site, day)
            results.append({"site": site, "business_date": day, "was_open": was_open, "unserved": n})
    finally:
        await redis.aclose()
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        for r in results:
            state = f"{r['unserved']} ticket(s) unserved" if r["was_open"] else "nothing open"
            print(f"{r['site']} {r['business_date']}: {state}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
