"""``madoguchi day close``: the tickets still open on a business date become unserved. Audited per site
(``day.close``) by ``cli:<os user>``, in the same step as the close."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from server.cli.common import Options, Subcommands, cli_entry, iso_date, with_store

if TYPE_CHECKING:
    from server.queue.store import Store


def register(sub: Subcommands, options: Options) -> None:
    day = sub.add_parser("day", help="business day tools")
    day_sub = day.add_subparsers(dest="day_command", required=True)
    close = day_sub.add_parser(
        "close", parents=options.store_and_json, help="make the tickets still open on a business date unserved"
    )
    close.add_argument("--site", action="append", help="site id (default: every site); repeatable")
    close.add_argument("--date", type=iso_date, default=None, help="business date (default: today in Asia/Tokyo)")
    close.set_defaults(run=run_close)


def run_close(args: argparse.Namespace) -> int:
    async def close(store: Store) -> int:
        day = (args.date or store.business_date()).isoformat()
        results = []
        for site in args.site or [s.id for s in store.config.sites]:
            was_open, n = await store.close_day(site, day, audit=cli_entry(store.config, "day.close", site=site))
            results.append({"site": site, "business_date": day, "was_open": was_open, "unserved": n})
        if args.json:
            print(json.dumps(results, ensure_ascii=False))
        else:
            for r in results:
                state = f"{r['unserved']} ticket(s) unserved" if r["was_open"] else "nothing open"
                print(f"{r['site']} {r['business_date']}: {state}")
        return 0

    return with_store(args, close)
