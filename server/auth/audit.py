"""The audit log: every staff action (who, what, which ticket or counter, when, from where).

Append-only: entries are pushed onto one Redis list per date (Asia/Tokyo) and nothing in the code removes
or rewrites them. Managers and admins read a date as JSON or as CSV (UTF-8 with BOM, for Excel in Japan;
written by ``server.tabular``, so a login typed as a formula is shown as text).

An entry names where it happened with ``site`` (a ticket, a counter, a device of that site), or, for a change to
staff accounts, the sites of the accounts it concerns with ``sites`` (``concerning``): a manager limited to
Tsuyazaki reads the changes to Tsuyazaki's accounts. An entry with neither (logins, accounts of every site) is read
only by people of every site.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from litestar import Response
from redis.asyncio import Redis

from server import tabular
from server.queue.keys import SiteKeys, audit_key

FIELDS = ("at", "login", "role", "action", "site", "sites", "counter", "ticket", "number", "detail", "address")


def concerning(*accounts_sites: Iterable[str]) -> list[str] | None:
    """The ``sites`` of an entry about staff accounts working at these sites (an account's sites, or before and
    after a change of them): each site once, in order; None when every account works at every site (no sites),
    which leaves the entry to people of every site."""
    found = list(dict.fromkeys(site for sites in accounts_sites for site in sites))
    return found or None


def in_scope(entry: dict[str, Any], sites: Iterable[str]) -> bool:
    """Whether a person limited to ``sites`` reads ``entry``: it happened at one of them, or it concerns an
    account of one of them."""
    scope = set(sites)
    concerned = entry.get("sites")
    return entry.get("site") in scope or (isinstance(concerned, list) and not scope.isdisjoint(concerned))


class AuditLog:
    """Entries of actions on a site's queue are appended by the store scripts to the site's list (same
    atomic step as the change); everything else (logins, accounts, devices) goes to the global list here."""

    def __init__(self, redis: Redis, sites: list[str]) -> None:
        self.redis = redis
        self.sites = sites

    async def append(self, entry: dict[str, Any]) -> None:
        await self.redis.rpush(audit_key(str(entry["at"])[:10]), msgspec.json.encode(entry))

    async def entries(self, day: str, sites: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """The entries of a date in time order (each list keeps its own order for equal times): all of them, or
        with ``sites`` only those of these sites or about their accounts (``in_scope``; entries of no one site,
        such as logins, are left out)."""
        out: list[dict[str, Any]] = []
        for key in (audit_key(day), *(SiteKeys(s).audit(day) for s in sites or self.sites)):
            out += [msgspec.json.decode(r) for r in await self.redis.lrange(key, 0, -1)]
        if sites:
            out = [e for e in out if in_scope(e, sites)]
        return sorted(out, key=lambda e: str(e.get("at", "")))


def to_csv(entries: list[dict[str, Any]]) -> str:
    """The entries as CSV text, one column per field of ``FIELDS`` (``sites`` as ``city-hall,tsuyazaki``)."""
    return tabular.csv_text(FIELDS, ([_cell(e.get(f)) for f in FIELDS] for e in entries))


def _cell(value: Any) -> Any:
    return ",".join(map(str, value)) if isinstance(value, list) else value


def csv_response(entries: list[dict[str, Any]], day: str) -> Response[bytes]:
    """The entries of ``day`` as the download ``audit-<day>.csv``."""
    return tabular.csv_download(to_csv(entries), f"audit-{day}.csv")
