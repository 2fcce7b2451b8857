"""The audit log: every staff action (who, what, which ticket or counter, when, from where).

Append-only: entries are pushed onto one Redis list per date (Asia/Tokyo) and nothing in the code removes
or rewrites them. Managers and admins read a date as JSON or as CSV (UTF-8 with BOM, for Excel in Japan;
written by ``server.tabular``, so a login typed as a formula is shown as text).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response
from redis.asyncio import Redis

from server import tabular
from server.queue.keys import SiteKeys, audit_key

FIELDS = ("at", "login", "role", "action", "site", "counter", "ticket", "number", "detail", "address")


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
        with ``sites`` only those of these sites (entries of no one site, such as logins, are left out)."""
        out: list[dict[str, Any]] = []
        for key in (audit_key(day), *(SiteKeys(s).audit(day) for s in sites or self.sites)):
            out += [msgspec.json.decode(r) for r in await self.redis.lrange(key, 0, -1)]
        if sites:
            out = [e for e in out if e.get("site") in sites]
        return sorted(out, key=lambda e: str(e.get("at", "")))


def to_csv(entries: list[dict[str, Any]]) -> str:
    """The entries as CSV text, one column per field of ``FIELDS``."""
    return tabular.csv_text(FIELDS, ([e.get(f) for f in FIELDS] for e in entries))


def csv_response(entries: list[dict[str, Any]], day: str) -> Response[bytes]:
    """The entries of ``day`` as the download ``audit-<day>.csv``."""
    return tabular.csv_download(to_csv(entries), f"audit-{day}.csv")
