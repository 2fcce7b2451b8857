"""``madoguchi reservations purge``: names and phone numbers past their retention are deleted (audited)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from server.cli.common import Options, Subcommands, actor, with_store

if TYPE_CHECKING:
    from server.queue.store import Store


def register(sub: Subcommands, options: Options) -> None:
    resv = sub.add_parser("reservations", help="reservation tools")
    resv_sub = resv.add_subparsers(dest="reservations_command", required=True)
    purge = resv_sub.add_parser(
        "purge", parents=options.store_and_json, help="delete names and phone numbers past their retention (audited)"
    )
    purge.set_defaults(run=run_purge)


def run_purge(args: argparse.Namespace) -> int:
    """The daily purge of the server, now: it is idempotent, a running server does it too."""
    from server.reservations.store import ReservationStore

    async def purge(store: Store) -> int:
        purged = await ReservationStore(store).purge_due(by=actor())
        print(json.dumps({"purged": purged}) if args.json else f"{purged} reservation(s) purged")
        return 0

    return with_store(args, purge)
