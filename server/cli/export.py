"""``madoguchi export`` and ``madoguchi import``: the handover archive of DESIGN §10 (contract §12(6), §12(8)).

``export`` writes a zip a successor or the city reads without madoguchi (server/handover/package.py); ``import``
loads one into this installation's day archive without touching its live state (server/handover/importer.py).
Both are audited as ``cli:<os user>``. Exit status 0 done, 1 refused (a conflict, a damaged or foreign file, an
unknown site: the message says which), 2 usage or no store.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.cli.common import Options, Subcommands, actor, iso_date, on_store

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from server.config import Config
    from server.settings import Settings


def register(sub: Subcommands, options: Options) -> None:
    export = sub.add_parser(
        "export",
        parents=options.store_and_json,
        help="write a handover archive (zip: JSON Lines, CSV, README, manifest) of sites and a period",
        description="Archived business days, reservations, tallies, incident reports and the audit log of the "
        "period, readable without madoguchi. Dates not closed yet are left out and listed in the manifest.",
    )
    export.add_argument("--site", action="append", required=True, help="site id; repeatable")
    export.add_argument("--from", dest="first", type=iso_date, required=True, help="first date, YYYY-MM-DD")
    export.add_argument("--to", dest="last", type=iso_date, required=True, help="last date, YYYY-MM-DD")
    export.add_argument("--output", type=Path, required=True, help="the zip file to write")
    export.add_argument(
        "--with-personal-data",
        action="store_true",
        help="add names and phone numbers of reservations not purged yet (the file then holds personal data)",
    )
    export.set_defaults(run=run_export)

    load = sub.add_parser(
        "import",
        parents=options.store_and_json,
        help="load a handover archive into this installation's day archive (live state untouched)",
        description="Checks the archive's format and checksums, then loads archived days, tallies, incident "
        "reports and audit entries. A re-run changes nothing; a conflict refuses the whole import.",
    )
    load.add_argument("file", type=Path, help="the zip written by madoguchi export")
    load.add_argument("--dry-run", action="store_true", help="check and say what would be imported; write nothing")
    load.set_defaults(run=run_import)


def _print(result: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print("\n".join(lines))


def run_export(args: argparse.Namespace) -> int:
    if args.output.is_dir() or not args.output.parent.is_dir():
        print(f"--output {args.output}: name a file in an existing folder", file=sys.stderr)
        return 2

    async def export(redis: Redis, config: Config, _: Settings) -> int:
        from server.auth.accounts import Accounts
        from server.clock import Clock
        from server.handover.exporter import Exporter, ExportRequest
        from server.queue.store import Store

        store = Store(redis, config, Clock(config.timezone))
        request = ExportRequest(
            sites=list(dict.fromkeys(args.site)), first=args.first, last=args.last, output=args.output,
            personal_data=args.with_personal_data, by=actor(),
        )  # fmt: skip
        manifest, sha = await Exporter(store, Accounts(redis)).export(request)
        files = {f.path: f.rows for f in manifest.files if f.path.endswith(".jsonl")}
        result = {
            "output": str(args.output), "sha256": sha, "sites": [s.id for s in manifest.sites],
            "from": manifest.period.first, "to": manifest.period.last, "personal_data": manifest.personal_data,
            "days": {s.id: s.days for s in manifest.sites}, "rows": files,
            "skipped": [{"site": s.site, "date": s.date, "reason": s.reason} for s in manifest.skipped],
        }  # fmt: skip
        lines = [f"{args.output}: sha256 {sha}"]
        lines += [f"  {s.id}: {len(s.days)} archived day(s)" for s in manifest.sites]
        lines += [f"  {path}: {n} row(s)" for path, n in files.items()]
        lines += [f"  skipped {s.site} {s.date}: {s.detail}" for s in manifest.skipped]
        if manifest.personal_data:
            lines.append("  the file holds names and phone numbers: keep it as personal data")
        _print(result, args.json, lines)
        return 0

    code = on_store(args, export)
    return 2 if code is None else code


def run_import(args: argparse.Namespace) -> int:
    async def load(redis: Redis, config: Config, _: Settings) -> int:
        from server.clock import Clock
        from server.handover.importer import import_archive
        from server.queue.store import Store

        store = Store(redis, config, Clock(config.timezone))
        result = await import_archive(store, args.file, by=actor(), dry_run=args.dry_run)
        verb = "would import" if args.dry_run else "imported"
        lines = [f"{args.file} (sha256 {result['sha256']}) from {result['source']}:"]
        for s in result["sites"]:
            lines.append(
                f"  {s['site']}: {verb} {len(s['days_imported'])} day(s), {len(s['incidents_imported'])} incident "
                f"report(s), {s['audit_entries']} audit entries; {len(s['days_same'])} day(s) already here"
            )
            lines += [f"    skipped {d['date']}: {d['reason']}" for d in s["days_skipped"]]
        _print(result, args.json, lines)
        return 0

    code = on_store(args, load)
    return 2 if code is None else code
