"""``madoguchi report daily|monthly|annual``: a 日報, 月報 or 年報 from the store, as the API gives it.

JSON, CSV and HTML go to standard output unless ``--output`` names a file; XLSX is binary and needs
``--output``. CSV is UTF-8 with a BOM, as the API sends it (Excel in Japan opens it as UTF-8).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from server.cli.common import Options, Subcommands, iso_date, on_store

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from server.config import Config
    from server.reports.periods import Period
    from server.settings import Settings

FORMATS = ("json", "csv", "xlsx", "html")


def _month(value: str) -> Period:
    from server.queue.errors import DomainError
    from server.reports.periods import month_period

    try:
        return month_period(value)
    except DomainError:
        raise argparse.ArgumentTypeError(f"not a month: {value!r} (e.g. 2026-11)") from None


def _fiscal_year(value: str) -> int:
    from server.reports.periods import FIRST_YEAR, LAST_YEAR

    if not re.fullmatch(r"[0-9]{4}", value) or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"not a fiscal year: {value!r} (e.g. 2026 for April 2026 - March 2027)")
    return int(value)


def register(sub: Subcommands, options: Options) -> None:
    report = sub.add_parser("report", help="日報・月報・年報 (daily, monthly and annual reports)")
    kinds = report.add_subparsers(dest="report_kind", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--site", required=True, help="site id, or all for every site")
    common.add_argument("--format", choices=FORMATS, default="json", help="default json")
    common.add_argument("--output", type=Path, default=None, help="write to this file (needed for xlsx)")
    parents = [options.store, common]
    daily = kinds.add_parser("daily", parents=parents, help="日報: one business date")
    daily.add_argument("--date", type=iso_date, required=True, help="YYYY-MM-DD")
    monthly = kinds.add_parser("monthly", parents=parents, help="月報: a month (this month: up to today)")
    monthly.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    annual = kinds.add_parser("annual", parents=parents, help="年報: a fiscal year, April to March")
    annual.add_argument("--fiscal-year", type=_fiscal_year, required=True, help="YYYY (April YYYY - March YYYY+1)")
    for parser in (daily, monthly, annual):
        parser.set_defaults(run=run_report)


def _period(args: argparse.Namespace) -> Period:
    from server.reports.periods import Period

    if args.report_kind == "daily":
        return Period.daily(args.date)
    if args.report_kind == "monthly":
        period: Period = args.month
        return period
    return Period.annual(args.fiscal_year)


def run_report(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.output is None:
        print("xlsx is a binary format: name a file with --output", file=sys.stderr)
        return 2

    async def make(redis: Redis, config: Config, _: Settings) -> bytes | None:
        from server.auth.accounts import Accounts
        from server.calendar_store import CalendarStore
        from server.clock import Clock
        from server.office.store import OfficeStore
        from server.queue.store import Store
        from server.reports.formats import encode_report
        from server.reports.source import make_report

        store = Store(redis, config, Clock(config.timezone))
        await CalendarStore(store).load()  # the days admins added or closed count as the server counts them
        if args.site == "all":
            sites = [s.id for s in config.sites]
        else:
            store.site(args.site)
            sites = [args.site]
        report = await make_report(store, OfficeStore(store), Accounts(redis), _period(args), sites)
        return encode_report(report, args.format, {s.id: s.name for s in config.sites})

    data = on_store(args, make)
    if data is None:
        return 2
    if args.output is not None:
        args.output.write_bytes(data)
        print(json.dumps({"output": str(args.output), "bytes": len(data)}, ensure_ascii=False), file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0
