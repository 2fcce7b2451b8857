"""Calendar overrides in Redis: the only code that changes them, and what keeps each process's copy current.

An admin adds, changes or removes a Sunday opening, an outreach event, an extra opening or a closure of a site
(``/api/v1/calendar/overrides``). Each change is one Lua script (``server/queue/lua/calendar_override.lua``)
that writes the site's overrides hash, appends the staff audit entry and ``calendar.changed`` to the site's
event stream in the same atomic step, and refuses a second override on a date that already has one.

Every server process holds the overrides in memory (``Store.overrides``: the opening of a site and date is
resolved on every issue, so it must not cost a round trip) and reloads a site's overrides when
``calendar.changed`` of that site passes through its fan-out, before its clients see the event: a kiosk that
refreshes its state on the event gets the new day. A process loads them all at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import date
from typing import Any

import msgspec
from redis.exceptions import RedisError, ResponseError

from server.calendar import CalendarOverride, Overrides, check_override
from server.queue import errors
from server.queue.keys import SiteKeys
from server.queue.store import STREAM_MAXLEN, Store, audit_arg, iso

log = logging.getLogger("madoguchi.calendar")

EVENT = "calendar.changed"
_QUOTED = f'"{EVENT}"'
_RETRY_MAX_S = 5.0


class OverrideConflict(errors.DomainError):
    """Another override of the site covers one of the dates: one override per site and date."""

    code = "override_conflict"
    status_code = 409


class CalendarStore:
    """The calendar overrides of every site, beside the queue store whose Redis, clock and config it uses."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.redis = store.redis
        self.config = store.config
        self.clock = store.clock
        self._lock = asyncio.Lock()
        self._retry: asyncio.Task[None] | None = None

    # ---- what the process holds ----------------------------------------------------------------

    async def load(self) -> None:
        """Read every site's overrides into ``Store.overrides``."""
        async with self._lock:
            found = [o for site in self.config.sites for o in await self.read(site.id)]
            self.store.overrides = Overrides(found)

    async def load_site(self, site_id: str) -> None:
        """Read one site's overrides again (after a change of that site)."""
        async with self._lock:
            self.store.overrides = self.store.overrides.with_site(site_id, await self.read(site_id))

    async def start(self) -> None:
        """Load at start; while the store cannot be reached, keep trying in the background."""
        try:
            await self.load()
        except (RedisError, OSError) as exc:
            log.warning("calendar overrides unreachable at start (%s); the config file's calendar until loaded", exc)
            self._retry = asyncio.create_task(self._load_when_back(), name="calendar-load")

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry

    async def _load_when_back(self) -> None:
        delay = 0.1
        while True:
            await asyncio.sleep(delay)
            try:
                await self.load()
                log.info("calendar overrides loaded")
                return
            except (RedisError, OSError):
                delay = min(delay * 2, _RETRY_MAX_S)

    async def watch(self, site_id: str, event: str | bytes) -> None:
        """The fan-out hands every event of a site here before its clients get it: reload on ``calendar.changed``.

        A store error propagates, so the fan-out retries the same event once it is back."""
        if (_QUOTED.encode() in event) if isinstance(event, bytes) else (_QUOTED in event):
            await self.load_site(site_id)

    # ---- reading ------------------------------------------------------------------------------

    async def read(self, site_id: str) -> list[CalendarOverride]:
        """The site's overrides as stored, by date."""
        raw: Any = await self.redis.hvals(SiteKeys(site_id).calendar_overrides)
        found = [msgspec.json.decode(value, type=CalendarOverride) for value in raw]
        return sorted(found, key=lambda o: (o.date, o.id))

    async def get(self, override_id: str) -> CalendarOverride:
        """One override by id; ``NotFound`` when there is none."""
        site_id = self.site_of(override_id)
        raw = await self.redis.hget(SiteKeys(site_id).calendar_overrides, override_id)
        if raw is None:
            raise errors.NotFound(f"no calendar override {override_id}")
        return msgspec.json.decode(raw, type=CalendarOverride)

    def site_of(self, override_id: str) -> str:
        """The site an override id names (``<site>.<hex>``); ``NotFound`` when it names none."""
        site_id, sep, rest = override_id.partition(".")
        if not sep or not rest or self.config.site(site_id) is None:
            raise errors.NotFound(f"no calendar override {override_id}")
        return site_id

    # ---- changing -----------------------------------------------------------------------------

    async def add(self, draft: CalendarOverride, *, by: str, audit: dict[str, Any] | None) -> CalendarOverride:
        """Store a new override (``draft.id`` is ignored: a fresh one is made); 400 naming every problem."""
        self.store.site(draft.site)
        now = iso(self.clock.now())
        override = msgspec.structs.replace(
            draft,
            id=f"{draft.site}.{secrets.token_hex(5)}",
            created_at=now,
            created_by=by,
            updated_at=now,
            updated_by=by,
        )
        self._check(override, self.store.business_date())
        return await self._write("add", override, audit)

    async def change(
        self, override_id: str, changes: dict[str, Any], *, by: str, audit: dict[str, Any] | None
    ) -> CalendarOverride:
        """Change fields of an override (``changes``: any of its fields but id, kind, site and who made it when);
        400 naming every problem. An event that has begun keeps its first date (or moves it to today or later)."""
        current = await self.get(override_id)
        self._check_not_past(current)
        override = msgspec.structs.replace(current, **changes, updated_at=iso(self.clock.now()), updated_by=by)
        self._check(override, min(current.date, self.store.business_date()))
        return await self._write("change", override, audit)

    async def remove(self, override_id: str, *, audit: dict[str, Any] | None) -> CalendarOverride:
        """Remove an override: the config file's calendar is back for its dates."""
        current = await self.get(override_id)
        self._check_not_past(current)
        return await self._write("remove", current, audit)

    def _check(self, override: CalendarOverride, earliest: date) -> None:
        problems = check_override(self.config, override, earliest)
        if problems:
            raise errors.ValidationFailed("; ".join(problems))

    def _check_not_past(self, override: CalendarOverride) -> None:
        """An override whose dates are all past stays: those days were run, and reported, with it."""
        today = self.store.business_date()
        if override.dates()[-1] < today:
            raise errors.ValidationFailed(f"date: {override.dates()[-1]} is past; past days are not changed")

    async def _write(self, op: str, override: CalendarOverride, audit: dict[str, Any] | None) -> CalendarOverride:
        keys = SiteKeys(override.site)
        now = self.clock.now()
        body = "" if op == "remove" else msgspec.json.encode(record(override)).decode()
        entry = {**audit, "site": override.site, "detail": describe(override)} if audit else None
        args = [STREAM_MAXLEN, iso(now), op, override.id, body, audit_arg(entry)]
        script_keys = [keys.seq, keys.events, keys.calendar_overrides, keys.audit(now.date().isoformat())]
        try:
            await self.store._run("calendar_override", script_keys, args)
        except ResponseError as exc:
            code, _, detail = str(exc).partition(" ")
            if code == OverrideConflict.code:
                raise OverrideConflict(detail) from None
            raise
        await self.load_site(override.site)  # this process sees it at once, before its fan-out gets the event
        return override


def describe(override: CalendarOverride) -> str:
    """The audit log's detail: what the override makes of which dates."""
    first, last = override.dates()[0], override.dates()[-1]
    when = first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"
    hours = f" {override.opens_at}-{override.closes_at}" if override.opens_at else ""
    where = f" {override.venue}" if override.venue else ""
    return f"{override.kind} {when}{hours}{where}"


def record(override: CalendarOverride) -> dict[str, Any]:
    """The override as the hash keeps it and the API shows it: its fields and the ``dates`` it covers (the script
    refuses a second override on a date by them)."""
    fields: dict[str, Any] = msgspec.to_builtins(override)
    return fields | {"dates": [d.isoformat() for d in override.dates()]}
