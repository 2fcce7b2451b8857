"""The audit log: every staff action (who, what, which ticket or counter, when, from where).

Append-only: entries are pushed onto one Redis list per date (Asia/Tokyo) and nothing in the code removes
or rewrites them. Managers and admins read a date as JSON or as CSV (UTF-8 with BOM, for Excel in Japan).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import msgspec
from redis.asyncio import Redis

from server.queue.keys import audit_key

FIELDS = ("at", "login", "role", "action", "site", "counter", "ticket", "number", "detail", "address")


class AuditLog:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def append(self, at: datetime, **entry: Any) -> None:
        record = {"at": at.isoformat(timespec="seconds"), **{k: v for k, v in entry.items() if v not in (None, "")}}
        await self.redis.rpush(audit_key(at.date().isoformat()), msgspec.json.encode(record))

    async def entries(self, day: str) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(audit_key(day), 0, -1)
        return [msgspec.json.decode(r) for r in raw]


def to_csv(entries: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for e in entries:
        writer.writerow(["" if e.get(f) is None else str(e.get(f)) for f in FIELDS])
    return out.getvalue()
