"""What the export reads and the import writes in Redis, beside the queue store whose client, scripts and
clock it uses (as the office and reservation stores do).

Reading: the archived days exactly as day close stored them (``lua/day_close.lua``: meta, tickets without token,
reservations without name or phone), and which dates of a period hold records that are not archived.
Writing: one script per archived date (``lua/archive_import.lua``: the same keys and meta as day close, once,
refused on a date with live records), per incident report (``lua/incident_import.lua``) and per date of audit
entries (``lua/audit_import.lua``: once, by a mark per date). Nothing here touches a live ticket, queue or
reservation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from redis.asyncio.client import Pipeline

from server.queue.archive import day_score
from server.queue.keys import IMPORTED_STAFF_NAMES, SiteKeys
from server.queue.store import Store


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True, slots=True)
class StoredDay:
    """An archived date as day close stored it: its meta (empty when the date has no archive), its tickets (the
    ticket hashes without token, in issue order) and its reservations (no name or phone, by slot start)."""

    date: str
    meta: dict[str, str]
    tickets: list[dict[str, Any]]
    reservations: list[dict[str, Any]]


class HandoverStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.redis = store.redis

    # ---- reading (export, and the import's comparison) ---------------------------------------

    async def stored_days(self, site: str, days: Sequence[str]) -> list[StoredDay]:
        """The archive of each date as stored, in one round trip (``meta`` empty for a date without one)."""
        keys = SiteKeys(site)

        async def read() -> list[Any]:
            pipe: Pipeline = self.redis.pipeline(transaction=False)
            for day in days:
                pipe.hgetall(keys.archive_meta(day))
                pipe.lrange(keys.archive_tickets(day), 0, -1)
                pipe.lrange(keys.archive_reservations(day), 0, -1)
            return await pipe.execute() if days else []

        found = await self.store._read(read)
        return [
            StoredDay(
                day,
                {_text(k): _text(v) for k, v in meta.items()},
                [msgspec.json.decode(t) for t in tickets],
                [msgspec.json.decode(r) for r in reservations],
            )
            for day, meta, tickets, reservations in zip(days, found[::3], found[1::3], found[2::3], strict=True)
        ]

    async def days_with_records(self, site: str, days: Sequence[str]) -> list[str]:
        """Those of ``days`` that hold live tickets, reservations or tallies (whether archived or not)."""
        keys = SiteKeys(site)

        async def read() -> list[Any]:
            pipe: Pipeline = self.redis.pipeline(transaction=False)
            for day in days:
                pipe.exists(keys.day(day), keys.resv_day(day), keys.tallies(day))
            return await pipe.execute() if days else []

        return [day for day, n in zip(days, await self.store._read(read), strict=True) if n]

    async def audit_marks(self, site: str) -> dict[str, str]:
        """The audit entries imported so far per date: date -> ``<n>:<sha1 of those n entries>``."""
        found: dict[Any, Any] = await self.store._read(lambda: self.redis.hgetall(SiteKeys(site).audit_imports))
        return {_text(k): _text(v) for k, v in found.items()}

    # ---- writing (import) ----------------------------------------------------------------------

    async def import_day(
        self,
        site: str,
        day: str,
        meta: Mapping[str, str],
        tickets: Sequence[Mapping[str, str]],
        reservations: Sequence[Mapping[str, str]],
        tallies: Mapping[str, int],
        audit: dict[str, Any],
    ) -> str:
        """Archive ``day`` with the given records, as day close would have: 'imported'; 'archived' when the date
        has an archive here already, 'live' when it has live records here (both: nothing written)."""
        keys = SiteKeys(site)
        script_keys = [
            keys.archive_meta(day), keys.archive_tickets(day), keys.archive_reservations(day), keys.archived_days,
            keys.tallies(day), keys.tally_days, keys.day(day), keys.resv_day(day),
            keys.audit(self.store.business_date().isoformat()),
        ]  # fmt: skip
        args = [
            day, day_score(day), _json(meta), "\n".join(_json(t) for t in tickets),
            "\n".join(_json(r) for r in reservations), _json(dict(tallies)) if tallies else "{}", _json(audit),
        ]  # fmt: skip
        return _text(await self.store._run("archive_import", script_keys, args))

    async def import_incident(
        self,
        site: str,
        fields: Mapping[str, str],
        occurred_ms: int,
        fiscal_year: int,
        serial: int,
        audit: dict[str, Any],
    ) -> bool:
        """Record an incident report with its id; False (nothing written) when a report with that id exists."""
        keys = SiteKeys(site)
        script_keys = [
            keys.incident(fields["id"]), keys.incidents, keys.incident_numbers(fiscal_year),
            keys.audit(self.store.business_date().isoformat()),
        ]  # fmt: skip
        args = [_json(fields), occurred_ms, serial, _json(audit)]
        return bool(int(await self.store._run("incident_import", script_keys, args)))

    async def import_audit(self, site: str, day: str, entries: Sequence[str]) -> int:
        """Append the entries of ``day`` not imported before; -1 (nothing written) when the entries imported
        before for that date are not the first of these."""
        keys = SiteKeys(site)
        script_keys = [keys.audit(day), keys.audit_imports]
        return int(await self.store._run("audit_import", script_keys, [day, "\n".join(entries)]))

    async def remember_staff_names(self, names: Mapping[str, str]) -> None:
        if names:
            await self.store._read(lambda: self.redis.hset(IMPORTED_STAFF_NAMES, mapping=dict(names)))  # type: ignore[arg-type]


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()
