"""``madoguchi sync``: an outreach desk's closed days, from its laptop into the central installation.

The laptop at a mall or hospital desk runs ``madoguchi serve --site outreach-mall`` on its own store, without a
network. Back on the city LAN, ``sync`` exports the archived (closed) days of the site, as ``madoguchi export``
does, into a private temporary file; signs in to the central server as an admin (the password is typed at the
terminal, or one line on standard input with ``--password-stdin``; never stored); sends the file to ``POST
/api/v1/imports``, which loads it with the rules of ``madoguchi import``; and prints what the central installation
imported, found there already with the same content, or why it refused (then it wrote nothing). A re-run imports
nothing. Without a LAN, ``madoguchi export`` on the laptop and ``madoguchi import`` on the server with a USB stick
do the same (docs/OPERATIONS.md "The offline outreach desk").

The period: ``--since`` (default: the first closed day of the sites here) to ``--until`` (default: yesterday). The
central installation takes a day only once it is over there, so a day closed today waits for tomorrow's sync.

Exit status: 0 done (also when nothing was new), 1 refused by the central server (sign-in, rights, a conflict, a
damaged file), 2 usage or no store here, 3 the central server could not be reached (nothing changed there).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from server.cli.common import Options, Subcommands, actor, iso_date, on_store

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from server.config import Config
    from server.handover.package import Manifest
    from server.queue.store import Store

EARLIEST = dt.date(2000, 1, 1)
"""Where the search for the first closed day starts: before any installation."""
REFUSED, UNREACHABLE = 1, 3


def register(sub: Subcommands, options: Options) -> None:
    sync = sub.add_parser(
        "sync",
        parents=options.store_and_json,
        help="send this installation's closed days of a site to the central server (an outreach desk's laptop)",
        description="Exports the archived days of the sites (as madoguchi export) and sends them to the central "
        "server, which imports them as madoguchi import does: each date once, a re-run imports nothing, a date held "
        "there with other content refuses the whole sync and nothing is written.",
    )
    sync.add_argument("--to", dest="server", type=_server_url, required=True, metavar="URL",
                      help="the central server, e.g. http://192.168.10.5:8000")  # fmt: skip
    sync.add_argument("--site", action="append", required=True, help="site id, e.g. outreach-mall; repeatable")
    sync.add_argument("--since", type=iso_date, default=None, metavar="DATE",
                      help="first date, YYYY-MM-DD (default: the first closed day here)")  # fmt: skip
    sync.add_argument("--until", type=iso_date, default=None, metavar="DATE",
                      help="last date, YYYY-MM-DD (default: yesterday; the central server takes a day once it is "
                      "over there)")  # fmt: skip
    sync.add_argument("--login", required=True, help="an admin account of the central server")
    sync.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sync.add_argument("--dry-run", action="store_true",
                      help="have the central server check and say what it would import; it writes nothing")  # fmt: skip
    sync.set_defaults(run=run)


def _server_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"not a server address: {value!r} (e.g. http://192.168.10.5:8000)")
    return value.rstrip("/")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    return getpass.getpass(f"password of {args.login} at {args.server}: ")


def run(args: argparse.Namespace) -> int:
    if args.since and args.until and args.since > args.until:
        print(f"--since {args.since} is after --until {args.until}", file=sys.stderr)
        return 2
    password = _password(args)
    if not password:
        print("no password given", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="madoguchi-sync-"))  # 0700, removed below
    try:
        code = on_store(args, lambda redis, config, _: _sync(args, password, redis, config, folder / "sync.zip"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 2 if code is None else code


async def _period(store: Store, args: argparse.Namespace) -> tuple[dt.date, dt.date]:
    until: dt.date = args.until or store.business_date() - dt.timedelta(days=1)
    if args.since:
        return args.since, until
    firsts = [days[0] for site in args.site if (days := await store.archived_days(site, EARLIEST, until))]
    return (dt.date.fromisoformat(min(firsts)) if firsts else until), until


async def _sync(args: argparse.Namespace, password: str, redis: Redis, config: Config, output: Path) -> int:
    from server.auth.accounts import Accounts
    from server.clock import Clock
    from server.handover.exporter import Exporter, ExportRequest
    from server.queue.store import Store

    store = Store(redis, config, Clock(config.timezone))
    sites = list(dict.fromkeys(args.site))
    for site in sites:
        store.site(site)  # unknown_site before anything is sent
    first, last = await _period(store, args)
    notes = await _closed_today(store, sites, last)
    if first > last:
        _print(args, {"server": args.server, "sent": None, "notes": notes}, [*notes, "nothing to send"])
        return 0
    request = ExportRequest(
        sites=sites, first=first, last=last, output=output, personal_data=False,
        by=f"{actor()}@{socket.gethostname()} (madoguchi sync)",
    )  # fmt: skip
    manifest, sha = await Exporter(store, Accounts(redis)).export(request)
    sent = _sent(manifest, sha)
    lines = [f"{s.id} {first}..{last}: {len(s.days)} closed day(s) {', '.join(s.days)}" for s in manifest.sites]
    lines += [f"  not sent {s.site} {s.date}: {s.detail}" for s in manifest.skipped if s.reason != "today"]
    lines += notes
    if not any(s.days for s in manifest.sites):
        _print(args, {"server": args.server, "sent": None, "notes": notes}, [*lines, "nothing to send"])
        return 0
    code, answer = await _send(args, password, output)
    if code == 0:
        lines += _imported(args.server, answer, args.dry_run)
        _print(args, {"server": args.server, "sent": sent, "notes": notes, "result": answer}, lines)
    else:
        refusal = f"{args.server}: {answer['code']}: {answer['detail']}"
        _print(args, {"server": args.server, "sent": sent, "notes": notes, "refused": answer}, lines, refusal)
    return code


async def _closed_today(store: Store, sites: list[str], last: dt.date) -> list[str]:
    """A day closed here today that the period leaves out: say when it goes."""
    today = store.business_date()
    if last >= today:
        return []
    return [
        f"  {site} {today} (today) is closed here; the central server takes it once the day is over there: "
        "run sync again tomorrow"
        for site in sites
        if await store.archived_days(site, today, today)
    ]


def _sent(manifest: Manifest, sha: str) -> dict[str, Any]:
    return {
        "sha256": sha, "from": manifest.period.first, "to": manifest.period.last,
        "days": {s.id: s.days for s in manifest.sites},
        "not_sent": [{"site": s.site, "date": s.date, "reason": s.reason} for s in manifest.skipped],
    }  # fmt: skip


async def _send(args: argparse.Namespace, password: str, archive: Path) -> tuple[int, dict[str, Any]]:
    """Sign in, upload, sign out: (0, the import's result) or (exit status, ``{"code", "detail"}``)."""
    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request: this command says what it did
    data = await asyncio.to_thread(archive.read_bytes)
    try:
        async with httpx.AsyncClient(base_url=args.server, timeout=httpx.Timeout(30.0, read=600.0)) as http:
            signed_in = await http.post("/api/v1/auth/login", json={"login": args.login, "password": password})
            if signed_in.status_code != 200:
                return REFUSED, _error(signed_in, "sign-in refused")
            headers = {"x-csrf-token": signed_in.json()["csrf"], "content-type": "application/zip"}
            answer = await http.post(
                "/api/v1/imports", content=data, headers=headers, params={"dry_run": "true"} if args.dry_run else None
            )
            with contextlib.suppress(httpx.HTTPError):  # the session ends by itself otherwise
                await http.post("/api/v1/auth/logout", headers=headers)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        detail = f"{args.server} cannot be reached ({exc}): nothing was sent; run sync again on the city LAN"
        return UNREACHABLE, {"code": "unreachable", "detail": detail}
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        detail = (
            f"the exchange with {args.server} broke off ({exc or type(exc).__name__}): run sync again (a re-run "
            "imports only what is not there yet)"
        )
        return UNREACHABLE, {"code": "unreachable", "detail": detail}
    if answer.status_code != 200:
        return REFUSED, _error(answer, "refused")
    result: dict[str, Any] = answer.json()
    return 0, result


def _error(response: Any, what: str) -> dict[str, Any]:
    try:
        body = response.json()
        return {"code": str(body["code"]), "detail": str(body["detail"]), "status": response.status_code}
    except (ValueError, KeyError, TypeError):
        return {"code": f"http_{response.status_code}", "detail": what, "status": response.status_code}


def _imported(server: str, result: dict[str, Any], dry_run: bool) -> list[str]:
    verb = "would import" if dry_run else "imported"
    lines = [f"{server} (sha256 {result['sha256']}):"]
    for s in result["sites"]:
        new = ", ".join(s["days_imported"]) or "no day (nothing new)"
        lines.append(f"  {s['site']}: {verb} {new}")
        if s["days_same"]:
            lines.append(f"  {s['site']}: there already with the same content: {', '.join(s['days_same'])}")
        lines += [f"  {s['site']}: skipped {d['date']}: {d['reason']}" for d in s["days_skipped"]]
        lines.append(
            f"  {s['site']}: {len(s['incidents_imported'])} incident report(s), {s['audit_entries']} audit entries"
        )
    return lines


def _print(args: argparse.Namespace, result: dict[str, Any], lines: list[str], refusal: str = "") -> None:
    """``--json``: the result as one object; else the lines, and a refusal on standard error."""
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print("\n".join(lines))
    if refusal:
        print(refusal, file=sys.stderr)
