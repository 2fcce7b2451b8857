"""Tallies and incident reports in Redis: the only code that changes them.

Each change is one Lua script (``server/queue/lua/tally.lua``, ``incident.lua``, registered by the queue store
beside its own) that changes the record and appends the staff audit entry in the same atomic step; a tally
also appends ``tally.changed`` to the site's stream, so every console of the site shows the same counts.
Keys come from ``server/queue/keys.py`` (hash tag ``{site}``): a site's tallies and reports live in its slot.

The readers at the end are what the reports and the export use: ``tallies(site, day)`` and
``incidents(site, first, last)``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec
from redis.exceptions import ResponseError

from server.config import TallyTopic
from server.office.models import (
    TEXT_EDITABLE,
    Counts,
    IncidentRecord,
    counts_of,
    fiscal_year,
    incident_record,
    source_of,
    tally_field,
)
from server.queue import errors
from server.queue.keys import SiteKeys
from server.queue.store import HELD_TTL_S, STREAM_MAXLEN, Store, audit_arg, iso


class NothingToUndo(errors.DomainError):
    """Taking back a tally whose count is already 0: counts never go below zero."""

    code = "nothing_to_undo"
    status_code = 409


TEXT_FIELDS = ("title", "description", "actions", "follow_up")


def _day_score(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


class OfficeStore:
    """Tallies and incident reports of every site, beside the queue store whose Redis, clock and config it uses."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.redis = store.redis
        self.config = store.config
        self.clock = store.clock

    async def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        """The queue store runs the script and maps its errors (not found, invalid transition, a reused action
        key, the store unreachable); what only a tally can refuse is mapped here."""
        try:
            return await self.store._run(name, keys, args)
        except ResponseError as exc:
            code, _, detail = str(exc).partition(" ")
            if code == NothingToUndo.code:
                raise NothingToUndo(detail) from None
            raise

    # ---- tallies ------------------------------------------------------------------------------

    @property
    def topics(self) -> tuple[TallyTopic, ...]:
        return self.config.office.tally_topics

    def _counts(self, stored: Any) -> Counts:
        # Lua's cjson writes an empty table as {} and a kind without counts is left out
        stored = stored if isinstance(stored, dict) else {}
        return counts_of({k: v for k, v in stored.items() if isinstance(v, dict)}, [t.id for t in self.topics])

    async def tally(
        self,
        site: str,
        kind: str,
        topic: str,
        delta: int,
        *,
        action_key: str | None = None,
        audit: dict[str, Any] | None = None,
    ) -> tuple[str, Counts]:
        """Count one call or directed visitor of today (``delta`` 1), or take one back (-1, never below 0).

        Returns the business date and all its counts. The same ``action_key`` again changes nothing and
        answers the counts as they are (a retried click counts once)."""
        self.store.site(site)
        if self.config.office.topic(topic) is None:
            raise errors.ValidationFailed(f"topic: unknown topic {topic!r}")
        now = self.clock.now()
        day = now.date()
        keys = SiteKeys(site)
        args = [
            STREAM_MAXLEN, iso(now), tally_field(kind, topic), delta, day.isoformat(), _day_score(day),
            audit_arg(audit), "1" if action_key else "", HELD_TTL_S,
        ]  # fmt: skip
        script_keys = [
            keys.seq, keys.events, keys.tallies(day.isoformat()), keys.tally_days, keys.audit(day.isoformat()),
            keys.action(action_key or "-"),
        ]  # fmt: skip
        out = await self._run("tally", script_keys, args)
        return day.isoformat(), self._counts(msgspec.json.decode(out))

    async def tallies(self, site: str, day: str) -> Counts:
        """The counts of a date: ``{"phone": {topic: n}, "guide": {topic: n}}``, every configured topic
        (0 when none), plus topics counted under an id the config no longer has. For the reports."""
        raw = await self.redis.hgetall(SiteKeys(site).tallies(day))
        stored: dict[str, dict[str, int]] = {}
        for field, n in raw.items():
            kind, _, topic = _text(field).partition(":")
            stored.setdefault(kind, {})[topic] = int(n)
        return counts_of(stored, [t.id for t in self.topics])

    async def tally_days(self, site: str, first: date, last: date) -> list[str]:
        """Dates between ``first`` and ``last`` (both included) on which something was tallied, in order."""
        found = await self.redis.zrangebyscore(SiteKeys(site).tally_days, _day_score(first), _day_score(last))
        return [_text(d) for d in found]

    # ---- incidents ----------------------------------------------------------------------------

    def _ms(self, at: datetime) -> int:
        return int(at.timestamp() * 1000)

    def site_of(self, incident_id: str) -> str:
        """The site of a report id (``city-hall.2026-0003``); NotFound when there is no such site."""
        site, sep, rest = incident_id.partition(".")
        if not sep or not rest or self.config.site(site) is None:
            raise errors.NotFound(f"no incident report {incident_id}")
        return site

    async def record_incident(
        self, site: str, fields: dict[str, Any], *, by: str, audit: dict[str, Any] | None = None
    ) -> IncidentRecord:
        """Record a new report (status ``open``); its number is the next of the current fiscal year."""
        self.store.site(site)
        now = self.clock.now()
        occurred = fields["occurred_at"]
        keys = SiteKeys(site)
        fy = fiscal_year(now.date())
        body = {
            **{k: fields.get(k, "") for k in (*TEXT_FIELDS, "category")},
            "site": site,
            "occurred_at": iso(occurred),
            "created_at": iso(now),
            "created_by": by,
        }
        args = ["create", f"{site}.{fy}-", keys.incident_prefix, _json(body), self._ms(occurred), audit_arg(audit)]
        out = await self._run("incident", [keys.incident_numbers(fy), keys.incidents, keys.audit(now.date().isoformat())], args)  # fmt: skip
        return incident_record(msgspec.json.decode(out))

    async def update_incident(
        self,
        incident_id: str,
        changes: dict[str, Any],
        *,
        status: str | None,
        by: str,
        audit: dict[str, Any] | None = None,
    ) -> IncidentRecord:
        """Change a report's text fields (until it is closed) and/or move it one step on
        (open → reported → closed); anything else is ``InvalidTransition`` and changes nothing."""
        site = self.site_of(incident_id)
        now = self.clock.now()
        keys = SiteKeys(site)
        body: dict[str, Any] = {k: v for k, v in changes.items() if k in (*TEXT_FIELDS, "category")}
        occurred = changes.get("occurred_at")
        if occurred is not None:
            body["occurred_at"] = iso(occurred)
        source = source_of(status) if status else ""
        editable = ",".join(TEXT_EDITABLE) if body else ""  # the text changes only while the report is not closed
        body.update(updated_at=iso(now), updated_by=by)
        args = [
            "update", incident_id, status or "", source, editable, _json(body),
            self._ms(occurred) if occurred is not None else "", audit_arg(audit),
        ]  # fmt: skip
        script_keys = [keys.incident(incident_id), keys.incidents, keys.audit(now.date().isoformat())]
        return incident_record(msgspec.json.decode(await self._run("incident", script_keys, args)))

    async def incident(self, incident_id: str) -> IncidentRecord:
        """One report; NotFound when there is none."""
        site = self.site_of(incident_id)
        stored = await self.redis.hgetall(SiteKeys(site).incident(incident_id))
        if not stored:
            raise errors.NotFound(f"no incident report {incident_id}")
        return incident_record({_text(k): _text(v) for k, v in stored.items()})

    async def incidents(self, site: str, first: date, last: date) -> list[IncidentRecord]:
        """The reports of incidents that occurred from ``first`` to ``last`` (both included, local dates),
        oldest first. For the reports and the incidents page."""
        tz = self.clock.tz
        start = datetime.combine(first, time.min, tz)
        end = datetime.combine(last + timedelta(days=1), time.min, tz)
        keys = SiteKeys(site)
        ids = await self.redis.zrangebyscore(keys.incidents, self._ms(start), f"({self._ms(end)}")
        if not ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for incident_id in ids:
            pipe.hgetall(keys.incident(_text(incident_id)))
        found = await pipe.execute()
        return [incident_record({_text(k): _text(v) for k, v in h.items()}) for h in found if h]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()
