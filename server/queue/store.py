"""The Redis store: the only code that changes queue state.

Every state change is one Lua script (``lua/*.lua``) that mutates the state and appends its event with
the site's next ``seq`` in the same atomic step. Python here validates against the configuration and
the calendar, builds key names (``keys.py``) and turns script errors into domain errors.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any, TypeVar, cast

import msgspec
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.calendar import NO_OVERRIDES, Opening, Overrides, can_issue_at, next_opening, resolve_opening
from server.clock import Clock
from server.config import Config, Counter, Service, Site
from server.queue import errors
from server.queue.archive import (
    RESERVATION_FIELDS,
    DayArchive,
    day_archive,
    day_score,
    retention_cutoff,
    stored_rows,
)
from server.queue.keys import IMPORTED_STAFF_NAMES, SiteKeys, resv_code_key, token_key
from server.queue.models import EVENT_OF as EVENTS
from server.queue.models import Action, Channel, QueueClass, allowed_from, target_of
from server.queue.rules import CallPolicy
from server.storeclient import Command, Script
from server.views import RawIssued, RawLine, RawSnapshot, RawTicketStatus

_T = TypeVar("_T")

STREAM_MAXLEN = 20_000
OPENINGS_KEPT = 1024
"""Openings (site, date) a process keeps resolved; past it, it starts over."""
IDEMPOTENCY_TTL_S = 2 * 24 * 3600
TOKEN_TTL_S = 3 * 24 * 3600
DURATIONS_KEPT = 10
HELD_TTL_S = 2 * 24 * 3600
"""How long an operator's held-ticket key and a click's action key live (a business day and its close)."""
NOTICES_KEPT = 10
SYSTEM = "system"
"""Who the server's own jobs (the automatic day close, the retention purge) are audited as."""
_RESERVATION_FIELDS = msgspec.json.encode(RESERVATION_FIELDS).decode()
READ_ONLY_SCRIPTS = frozenset({"snapshot", "ticket_status", "day_records"})
"""Scripts that change nothing: through a Sentinel master they need no replica's confirmation (``Script``)."""


def _load_scripts() -> dict[str, str]:
    folder = resources.files("server.queue") / "lua"
    lib = (folder / "_lib.lua").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".lua") and not entry.name.startswith("_"):
            out[entry.name[:-4]] = lib + "\n" + entry.read_text(encoding="utf-8")
    return out


def audit_arg(entry: dict[str, Any] | None) -> str:
    """A staff audit entry for a script ('' when the actor is a device or the system)."""
    return msgspec.json.encode(entry).decode() if entry else ""


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Issued:
    """A ticket as stored, with how many are ahead of it and whether this call created it."""

    ticket: dict[str, str]
    waiting_ahead: int
    """Tickets of its service the call order calls before it (``views.RawLine.ahead``)."""
    created: bool
    recent_seconds: list[float]
    """Recent service times of the ticket's service today (newest first), for the wait estimate."""
    counters_serving: int
    """Open counters serving the ticket's service."""


def call_policy(config: Config) -> CallPolicy:
    """The call order's knobs of config ``[queue]``, as ``lua/call.lua`` gets them."""
    return CallPolicy(ratio=config.queue.reservation_ratio, early_ms=config.queue.reservation_early_min * 60_000)


_issued = msgspec.json.Decoder(RawIssued)
_snapshot = msgspec.json.Decoder(RawSnapshot)
_ticket_status = msgspec.json.Decoder(RawTicketStatus)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _json_array(texts: list[Any]) -> str:
    """Stored JSON objects (list items) as one JSON array, as ``json_array`` in ``lua/_lib.lua`` joins them."""
    try:
        return "[" + ",".join(texts) + "]"
    except TypeError:  # a client without decode_responses
        return "[" + ",".join(map(_text, texts)) + "]"


def _as_list(value: Any) -> list[Any]:
    # Lua's cjson writes an empty table as {}; every list we read may arrive that way.
    return list(value) if isinstance(value, list) else []


class Store:
    """Queue state of all sites in one Redis (or one Redis Cluster: each site is one hash slot)."""

    def __init__(self, redis: Redis, config: Config, clock: Clock) -> None:
        self.redis = redis
        self.config = config
        self.clock = clock
        self._line_keys: tuple[str, dict[str, str]] = ("", {})
        self.overrides: Overrides = NO_OVERRIDES
        """The calendar overrides in force, kept current by ``server.calendar_store.CalendarStore``."""
        self._openings: dict[tuple[str, date], Opening] = {}
        self._openings_of = self.overrides
        """``_openings`` were resolved with these overrides (a change replaces ``overrides``: they are resolved anew)."""
        self._scripts: dict[str, Script] = {
            name: Script(redis, name, src, writes=name not in READ_ONLY_SCRIPTS)
            for name, src in _load_scripts().items()
        }

    def script(self, name: str) -> Script:
        """A registered store script by file name (``lua/<name>.lua``), for the reservation store beside this one."""
        return self._scripts[name]

    # ---- lookups -----------------------------------------------------------------------------

    def site(self, site_id: str) -> Site:
        site = self.config.site(site_id)
        if site is None:
            raise errors.UnknownSite(f"unknown site {site_id!r}")
        return site

    def service(self, service_id: str) -> Service:
        service = self.config.service(service_id)
        if service is None:
            raise errors.UnknownService(f"unknown service {service_id!r}")
        return service

    def counter(self, counter_id: str) -> tuple[Site, Counter]:
        found = self.config.counter(counter_id)
        if found is None:
            raise errors.UnknownCounter(f"unknown counter {counter_id!r}")
        return found

    def business_date(self) -> date:
        return self.clock.now().date()

    def opening(self, site_id: str, day: date | None = None) -> Opening:
        """The opening of a site and date (today by default): resolved once per process until the overrides change,
        not on every issue and every event (it costs ~20 us, and an issue needed it three times)."""
        day = day or self.business_date()
        if self._openings_of is not self.overrides:
            self._openings, self._openings_of = {}, self.overrides
        found = self._openings.get((site_id, day))
        if found is None:
            if len(self._openings) >= OPENINGS_KEPT:
                self._openings.clear()
            found = self._openings[site_id, day] = resolve_opening(self.config, site_id, day, self.overrides)
        return found

    def site_of_ticket(self, ticket_id: str) -> str:
        site_id, sep, rest = ticket_id.partition(".")
        if not sep or not rest or self.config.site(site_id) is None:
            raise errors.NotFound("no such ticket")
        return site_id

    def line_keys(self, site_id: str, business_date: str) -> str:
        """The key names ``line_of`` in ``lua/_lib.lua`` reads a service's waiting line with (one JSON ARGV); the
        same for a whole business date, so kept for the last date asked (every issue and call passes it)."""
        if self._line_keys[0] != business_date:
            self._line_keys = (business_date, {})
        found = self._line_keys[1].get(site_id)
        if found is None:
            found = self._line_keys[1][site_id] = self._encode_line_keys(site_id, business_date)
        return found

    def _encode_line_keys(self, site_id: str, business_date: str) -> str:
        keys = SiteKeys(site_id)
        names = {
            "tickets": keys.ticket_prefix, "queues": keys.queue_prefix, "durations": keys.durations_prefix,
            "counters": keys.counter_prefix, "counter_ids": [c.id for c in self.site(site_id).counters],
            "paused": keys.paused, "streak": keys.streak, "date": business_date,
        }  # fmt: skip
        return msgspec.json.encode(names).decode()

    def ahead(
        self, line: RawLine, ticket_id: str, streak: int, new_walk_in: bool = False, now_ms: int | None = None
    ) -> int:
        """Waiting tickets of ``line`` the call order calls before ``ticket_id`` now (0 when it is not waiting).
        ``new_walk_in``: the ticket was just issued as a walk-in (the last of them: an issue's answer counts them)."""
        if now_ms is None:
            now_ms = self.clock.now_ms()
        order = line.order(now_ms, call_policy(self.config), streak, ticket_id if new_walk_in else None)
        try:
            return order.index(ticket_id)
        except ValueError:
            return 0

    # ---- running scripts ---------------------------------------------------------------------

    async def _run(self, name: str, keys: list[str], args: list[Any], ahead: Sequence[Command] = ()) -> Any:
        script = self._scripts[name]
        try:
            return await script(keys=keys, args=args, ahead=ahead)
        except ResponseError as exc:
            refusal = errors.of_script(str(exc))
            if refusal is None:
                raise
            raise refusal from None
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise errors.StoreUnavailable("the queue store cannot be reached; try again in a moment") from exc

    # ---- issuing -----------------------------------------------------------------------------

    def check_can_issue(
        self, site_id: str, service_id: str, now: datetime | None = None
    ) -> tuple[Site, Service, Opening]:
        """The opening in force ``now`` (default: the clock's), or why no ticket for ``service_id`` can be issued."""
        site = self.site(site_id)
        service = self.service(service_id)
        now = now or self.clock.now()
        opening = self.opening(site_id, now.date())
        if opening.kind == "closed" or not can_issue_at(opening, now.time()):
            nxt = next_opening(self.config, site_id, now, self.overrides)
            when = f"; next opening {nxt.date.isoformat()} {nxt.opens_at}" if nxt and nxt.opens_at else ""
            raise errors.SiteClosed(f"{site.name} is not issuing tickets now{when}")
        if service_id not in opening.services or not service.queue:
            raise errors.ServiceUnavailable(f"{service.name} is not offered at {site.name} today")
        return site, service, opening

    async def issue(
        self,
        site_id: str,
        service_id: str,
        *,
        channel: Channel = Channel.WALK_IN,
        priority: bool = False,
        lang: str = "ja",
        idempotency_key: str | None = None,
        slot_at_ms: int = 0,
        reservation: str = "",
        audit: dict[str, Any] | None = None,
        script: str = "issue",
        extra: tuple[list[str], list[Any]] = ([], []),
    ) -> Issued:
        """Issue a ticket now. The same ``idempotency_key`` returns the ticket issued the first time.

        ``script`` and ``extra`` (more KEYS and ARGV after issue.lua's) run a script that issues with
        issue.lua's logic as part of a larger step: resv_checkin.lua checks a reservation in.
        """
        now = self.clock.now()
        _, service, _ = self.check_can_issue(site_id, service_id, now)
        keys = SiteKeys(site_id)
        bdate = now.date().isoformat()
        if channel is Channel.RESERVATION:
            klass = QueueClass.RESERVATION
        else:
            klass = QueueClass.PRIORITY if priority else QueueClass.WALK_IN
        ticket_id = f"{site_id}.{secrets.token_hex(8)}"
        token = secrets.token_urlsafe(16)
        # A key of our own when the client gave none: a retry after a lost reply is then harmless.
        idem = idempotency_key or f"srv-{secrets.token_hex(12)}"
        args: list[Any] = [
            keys.ticket_prefix, ticket_id, service.prefix, self.config.queue.number_digits, service.id,
            channel.value, int(priority), lang, token, int(now.timestamp() * 1000), iso(now), bdate,
            klass.value, slot_at_ms, IDEMPOTENCY_TTL_S, STREAM_MAXLEN, keys.queue_prefix, reservation,
            self.line_keys(site_id, bdate), audit_arg(audit),
        ]  # fmt: skip
        script_keys = [
            keys.seq, keys.events, keys.order, keys.number(bdate, service.prefix), keys.day(bdate),
            keys.open_days, keys.queue(bdate, service.id, klass.value), keys.numbers(bdate),
            keys.idempotency(idem), keys.audit(bdate), keys.archive_meta(bdate),
        ]  # fmt: skip
        if script == "issue":  # a check-in issues the ticket of a booked visitor even while the service is paused
            script_keys.append(keys.paused)
        script_keys += extra[0]
        args += extra[1]

        # the visitor's token (a key of no site) in the same round trip
        set_token = [("SET", token_key(token), f"{site_id}\t{ticket_id}", "EX", TOKEN_TTL_S)]
        try:
            raw = await self._run(script, script_keys, args, ahead=set_token)
        except errors.StoreUnavailable:
            raw = await self._run(script, script_keys, args, ahead=set_token)
        issued = _issued.decode(raw)
        return Issued(
            ticket=cast(dict[str, str], msgspec.to_builtins(issued.ticket)),
            waiting_ahead=self.ahead(
                issued.line, issued.ticket.id, issued.streak, issued.ticket.klass == "walk", int(now.timestamp() * 1000)
            ),
            created=issued.created,
            recent_seconds=list(issued.line.durations or ()),
            counters_serving=issued.line.serving,
        )

    # ---- counters ----------------------------------------------------------------------------

    async def counter_op(
        self, counter_id: str, op: str, *, services: list[str] | None = None, operator: str = "",
        reason: str = "", audit: dict[str, Any] | None = None, key: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Open (with the services it serves), pause or close a counter. The same ``key`` again does nothing
        more and returns the counter as it is."""
        site, counter = self.counter(counter_id)
        if op == "open":
            if not services:
                raise errors.ValidationFailed("open a counter with at least one service")
            opening = self.opening(site.id)
            if opening.kind == "closed":
                raise errors.SiteClosed(f"{site.name} is closed today: no counter can be opened")
            if counter.id not in opening.counters:
                raise errors.CounterNotInUse(f"{counter.label} is not in use today (see the counter's periods)")
            for sid in services:
                self.service(sid)
                if sid not in site.services and sid not in opening.services:
                    raise errors.ServiceUnavailable(f"{sid} is not offered at {site.name}")
        keys = SiteKeys(site.id)
        args = [
            op, msgspec.json.encode(services or []).decode(), counter.id, iso(self.clock.now()),
            STREAM_MAXLEN, keys.ticket_prefix, operator, reason, audit_arg(audit), "1" if key else "", HELD_TTL_S,
            self.line_keys(site.id, self.business_date().isoformat()),
        ]  # fmt: skip
        script_keys = [
            keys.seq, keys.events, keys.counter(counter.id), keys.audit(self.business_date().isoformat()),
            keys.action(key or ""),
        ]  # fmt: skip
        raw = await self._run("counter", script_keys, args)
        return cast(dict[str, Any], msgspec.json.decode(raw))

    async def call(
        self, counter_id: str, *, number: str | None = None, operator: str = "", audit: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> dict[str, str]:  # fmt: skip
        """Call the next ticket by the call order, or the given ``number``, to ``counter_id``.

        ``operator`` then holds the ticket; while they hold one, they call no other (``OperatorBusy``). The same
        ``key`` again (a double click, a retry after a lost answer) returns the ticket that call called."""
        site, counter = self.counter(counter_id)
        keys = SiteKeys(site.id)
        now = self.clock.now()
        bdate = now.date().isoformat()
        q = self.config.queue
        args: list[Any] = [
            keys.ticket_prefix, keys.queue_prefix, bdate, int(now.timestamp() * 1000), iso(now),
            q.reservation_ratio, q.reservation_early_min * 60_000, counter.id, counter.label, operator,
            STREAM_MAXLEN, q.recent_calls, "number" if number else "next", number or "", audit_arg(audit),
            HELD_TTL_S, "1" if key else "", self.line_keys(site.id, bdate),
        ]  # fmt: skip
        script_keys = [
            keys.seq, keys.events, keys.counter(counter.id), keys.streak, keys.calls(bdate), keys.numbers(bdate),
            keys.audit(bdate), keys.operator(operator), keys.action(key or ""),
        ]  # fmt: skip
        raw = await self._run("call", script_keys, args)
        return cast(dict[str, str], msgspec.json.decode(raw))

    # ---- ticket actions ----------------------------------------------------------------------

    async def act(
        self,
        ticket_id: str,
        action: Action,
        *,
        operator: str = "",
        outcome: str = "",
        note: str = "",
        service: str = "",
        audit: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> dict[str, str]:
        """Apply one action of the transition table to a ticket. The same ``key`` again returns the ticket as it
        is now without acting twice (two clicks on "complete" make one ``ticket.done``)."""
        site_id = self.site_of_ticket(ticket_id)
        if action in (Action.TRANSFER, Action.MOVE):
            site = self.site(site_id)
            svc = self.service(service)
            if svc.id not in self.opening(site_id).services or not svc.queue:
                raise errors.ServiceUnavailable(f"{svc.name} is not offered at {site.name} today")
        keys = SiteKeys(site_id)
        now = self.clock.now()
        today = now.date().isoformat()
        args: list[Any] = [
            action.value, ",".join(s.value for s in allowed_from(action)), target_of(action).value,
            EVENTS[action], int(now.timestamp() * 1000), iso(now), keys.queue_prefix, keys.counter_prefix,
            STREAM_MAXLEN, self.config.queue.recent_calls, operator, outcome, note, service,
            keys.durations_prefix, DURATIONS_KEPT, audit_arg(audit), keys.operator_prefix, "1" if key else "",
            HELD_TTL_S, keys.ticket_prefix, today, self.line_keys(site_id, today),
        ]  # fmt: skip
        script_keys = [
            keys.seq, keys.events, keys.ticket(ticket_id), keys.calls(today), keys.audit(today),
            keys.action(key or ""), keys.archive_meta(today), keys.paused,
        ]  # fmt: skip
        raw = await self._run("action", script_keys, args)
        return cast(dict[str, str], msgspec.json.decode(raw))

    # ---- day close and the archive ------------------------------------------------------------

    async def close_day(
        self, site_id: str, business_date: str, audit: dict[str, Any] | None = None
    ) -> tuple[bool, int]:
        """Close and archive ``business_date`` (today or an earlier date): every ticket still waiting, called or
        serving becomes ``unserved``, the date's recent calls leave the boards, and the date's tickets and
        reservations are archived (``lua/day_close.lua``). Only the first close of a date does anything; from
        then on nothing is issued or checked in on it. Returns (the date had open tickets, tickets made
        unserved): (False, 0) for a date closed before."""
        was_open, n, _ = await self._close(site_id, business_date, audit)
        return was_open, n

    async def _close(self, site_id: str, business_date: str, audit: dict[str, Any] | None) -> tuple[bool, int, bool]:
        self.site(site_id)
        try:
            day = date.fromisoformat(business_date)
        except ValueError:
            raise errors.ValidationFailed(f"{business_date!r} is not a date (YYYY-MM-DD)") from None
        if day > self.business_date():
            raise errors.ValidationFailed(f"{business_date} has not come yet: only today or an earlier date is closed")
        keys = SiteKeys(site_id)
        now = self.clock.now()
        args = [
            keys.ticket_prefix, keys.queue_prefix, keys.counter_prefix, business_date, int(now.timestamp() * 1000),
            iso(now), STREAM_MAXLEN, audit_arg(audit), keys.resv_prefix, keys.resv_slot_prefix, _RESERVATION_FIELDS,
            str((audit or {}).get("login") or SYSTEM), day_score(business_date),
        ]  # fmt: skip
        script_keys = [
            keys.seq, keys.events, keys.day(business_date), keys.open_days, keys.audit(now.date().isoformat()),
            keys.calls(business_date), keys.archive_meta(business_date), keys.archive_tickets(business_date),
            keys.archive_reservations(business_date), keys.archived_days, keys.resv_day(business_date),
            keys.resv_due,
        ]  # fmt: skip
        was_open, n, archived = await self._run("day_close", script_keys, args)
        return bool(int(was_open)), int(n), bool(int(archived))

    async def open_days(self, site_id: str) -> list[str]:
        members: Any = await self.redis.smembers(SiteKeys(site_id).open_days)
        return sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)

    async def close_past_days(self) -> list[tuple[str, str, int]]:
        """Close and archive every date before today that is not archived yet and has tickets, reservations or
        tallies: a day nobody closed, and a day with reservations only (every reserved visitor stayed away).

        Run every minute by every server process: each date is archived by exactly one close (the script
        checks the archive first), and this returns the dates this call archived with the tickets it made
        unserved."""
        today = self.business_date()
        closed: list[tuple[str, str, int]] = []
        for site in self.config.sites:
            entry = self.system_audit(site.id, "day.close")
            for day in await self._days_to_close(site.id, today):
                _, n, archived = await self._close(site.id, day, entry)
                if archived:
                    closed.append((site.id, day, n))
            await self.redis.set(SiteKeys(site.id).closer_mark, (today - timedelta(days=1)).isoformat())
        return closed

    async def _days_to_close(self, site_id: str, today: date) -> list[str]:
        """The open days before today, and every date after the closer's mark (the last date it looked at) up to
        yesterday that has tickets, reservations or tallies and no archive yet. Without a mark (the first run),
        from the earliest reservation, tally or open day on."""
        keys = SiteKeys(site_id)
        pipe: Pipeline = self.redis.pipeline(transaction=False)
        pipe.smembers(keys.open_days)
        pipe.get(keys.closer_mark)
        pipe.zrange(keys.resv_all, 0, 0, withscores=True)
        pipe.zrange(keys.tally_days, 0, 0)
        members, mark, first_resv, first_tally = await pipe.execute()
        due = {_text(d) for d in members if _text(d) < today.isoformat()}
        if mark:
            start = date.fromisoformat(_text(mark)) + timedelta(days=1)
        else:
            earliest = [date.fromisoformat(d) for d in due] + [date.fromisoformat(_text(d)) for d in first_tally]
            earliest += [datetime.fromtimestamp(score / 1000, self.clock.tz).date() for _, score in first_resv]
            start = min(earliest, default=today)
        walk = [(start + timedelta(days=i)).isoformat() for i in range((today - start).days)]
        if walk:
            pipe = self.redis.pipeline(transaction=False)
            for day in walk:
                pipe.exists(keys.day(day), keys.resv_day(day), keys.tallies(day))
                pipe.exists(keys.archive_meta(day))  # a manager closed it already
            found = await pipe.execute()
            due |= {day for day, data, closed in zip(walk, found[::2], found[1::2], strict=True) if data and not closed}
        return sorted(due)

    def system_audit(self, site_id: str, action: str) -> dict[str, Any]:
        """The audit entry of something the server does by itself at ``site_id``."""
        now = self.clock.now().isoformat(timespec="seconds")
        return {"at": now, "action": action, "login": SYSTEM, "role": "", "site": site_id, "address": ""}

    async def archived_days(self, site_id: str, first: date, last: date) -> list[str]:
        """The archived dates of a site from ``first`` to ``last`` (both included), in order."""
        self.site(site_id)
        found = await self._read(
            lambda: self.redis.zrangebyscore(SiteKeys(site_id).archived_days, day_score(first), day_score(last))
        )
        return [_text(d) for d in found]

    async def archive(self, site_id: str, day: str) -> DayArchive | None:
        """The archive of a date, or None when the date is not archived (not closed yet, or past retention)."""
        found = await self.day_records(site_id, day)
        return found if found.archived_at is not None else None

    async def day_records(self, site_id: str, day: str) -> DayArchive:
        """Everything of a site's business date: its archive once it is closed, else its live tickets and
        reservations (today, or an earlier date the closer has not reached yet) with ``archived_at`` None.
        One round trip; the reports read every date through here."""
        (found,) = await self.days_records(site_id, [day])
        return found

    async def days_records(self, site_id: str, days: list[str]) -> list[DayArchive]:
        """``day_records`` of many dates (a month, a fiscal year), in the order given.

        A date is archived once and never changed, so archived dates are read with plain commands, all dates of
        the call in one MULTI (one consistent view, and no script copying megabytes of tickets through Lua:
        that copy cost more than all else in a fiscal year's report); only the dates not archived then go
        through ``lua/day_records.lua`` (live tickets, or the archive of a close that came in between)."""
        archived = await self._archived_texts(site_id, days)
        live = [day for day, found in zip(days, archived, strict=True) if found is None]
        read = dict(zip(live, await self._stored_texts(site_id, live), strict=True))
        return [day_archive(site_id, day, *(found or read[day])) for day, found in zip(days, archived, strict=True)]

    async def day_tickets(self, site_id: str, day: str) -> tuple[str | None, list[dict[str, Any]]]:
        """(archived_at or None, the tickets as stored) of a date: archived, or live before its close. The staff
        view of a past date; ``day_records`` is the typed form."""
        ((archived_at, tickets, _),) = await self._stored_texts(site_id, [day])
        return archived_at, stored_rows(tickets)

    async def _archived_texts(self, site_id: str, days: list[str]) -> list[tuple[str, str, str] | None]:
        """(archived_at, tickets, reservations as JSON arrays) of each date, None for a date not archived."""
        self.site(site_id)
        keys = SiteKeys(site_id)

        async def read() -> list[Any]:
            pipe: Pipeline = self.redis.pipeline(transaction=True)
            for day in days:
                pipe.hget(keys.archive_meta(day), "archived_at")
                pipe.lrange(keys.archive_tickets(day), 0, -1)
                pipe.lrange(keys.archive_reservations(day), 0, -1)
            return await pipe.execute() if days else []

        found = await self._read(read)
        return [
            (_text(at), _json_array(tickets), _json_array(reservations)) if at else None
            for at, tickets, reservations in zip(found[::3], found[1::3], found[2::3], strict=True)
        ]

    async def _stored_texts(self, site_id: str, days: list[str]) -> list[tuple[str | None, str, str]]:
        """(archived_at or None, tickets, reservations as JSON arrays) of each date, by ``lua/day_records.lua``."""
        self.site(site_id)
        keys = SiteKeys(site_id)
        script = self._scripts["day_records"]
        args = [keys.ticket_prefix, keys.resv_prefix, _RESERVATION_FIELDS]

        async def once() -> list[Any]:
            pipe: Pipeline = self.redis.pipeline(transaction=False)
            for day in days:
                day_keys = [
                    keys.archive_meta(day), keys.archive_tickets(day), keys.archive_reservations(day), keys.day(day),
                    keys.resv_day(day),
                ]  # fmt: skip
                await script(keys=day_keys, args=args, client=pipe)
            return await pipe.execute() if days else []

        async def read() -> list[Any]:
            try:
                return await once()
            except NoScriptError:  # a Cluster node that has not seen the script yet (a pipeline does not load it)
                await script.load()
                return await once()

        return [
            (_text(at) or None, _text(tickets), _text(reservations))
            for at, tickets, reservations in await self._read(read)
        ]

    async def purge_past_retention(self) -> list[tuple[str, str]]:
        """Delete every archived date (with its tallies and live leftovers) and every incident report past the
        retention of config ``[retention]``; each deletion is audited as the system. Idempotent: several server
        processes may run it at once. Returns the (site, date) pairs deleted."""
        cutoff = retention_cutoff(self.business_date(), self.config.retention.archive_fiscal_years)
        deleted: list[tuple[str, str]] = []
        for site in self.config.sites:
            keys = SiteKeys(site.id)
            last = day_score(cutoff - timedelta(days=1))
            pipe: Pipeline = self.redis.pipeline(transaction=False)
            pipe.zrangebyscore(keys.archived_days, "-inf", last)
            pipe.zrangebyscore(keys.tally_days, "-inf", last)
            archived, tallied = await self._read(pipe.execute)
            for day in sorted({_text(d) for d in archived} | {_text(d) for d in tallied}):
                await self._purge_day(site.id, day)
                deleted.append((site.id, day))
            cutoff_ms = int(datetime.combine(cutoff, datetime.min.time(), self.clock.tz).timestamp() * 1000)
            entry = msgspec.json.encode(self.system_audit(site.id, "incident.purge")).decode()
            await self._run(
                "incident_purge",
                [keys.incidents, keys.audit(self.business_date().isoformat())],
                [cutoff_ms, keys.incident_prefix, entry],
            )
        return deleted

    async def _purge_day(self, site_id: str, day: str) -> None:
        keys = SiteKeys(site_id)
        prefixes = sorted({s.prefix for s in self.config.services})
        script_keys = [
            keys.archive_meta(day), keys.archive_tickets(day), keys.archive_reservations(day), keys.archived_days,
            keys.day(day), keys.numbers(day), keys.resv_day(day), keys.resv_all, keys.resv_due, keys.resv_purge,
            keys.tallies(day), keys.tally_days, keys.audit(self.business_date().isoformat()),
            *(keys.number(day, p) for p in prefixes),
        ]  # fmt: skip
        entry = msgspec.json.encode(self.system_audit(site_id, "archive.purge")).decode()
        args = [day, keys.ticket_prefix, keys.resv_prefix, keys.resv_slot_prefix, entry]
        _, _, codes = await self._run("archive_purge", script_keys, args)
        if codes:
            await self._read(lambda: self.redis.delete(*(resv_code_key(_text(c)) for c in codes)))

    async def _read(self, call: Callable[[], Awaitable[_T]]) -> _T:
        try:
            return await call()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise errors.StoreUnavailable("the queue store cannot be reached; try again in a moment") from exc

    # ---- other events ------------------------------------------------------------------------

    async def emit(
        self, site_id: str, event_type: str, payload: dict[str, Any], *, hash_key: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> int:  # fmt: skip
        """Append ``event_type`` to the site stream, setting ``fields`` on ``hash_key`` in the same step."""
        keys = SiteKeys(site_id)
        flat = [x for kv in (fields or {}).items() for x in kv]
        args = [STREAM_MAXLEN, event_type, iso(self.clock.now()), msgspec.json.encode(payload).decode(), *flat]
        return int(await self._run("emit", [keys.seq, keys.events, hash_key or keys.seq], args))

    async def set_notice(self, site_id: str, notice: dict[str, Any], audit: dict[str, Any] | None) -> list[Any]:
        """Post (or replace, same ``id``) a notice; every board and kiosk of the site shows it at once."""
        return await self._notice(site_id, "set", str(notice["id"]), msgspec.json.encode(notice).decode(), audit)

    async def clear_notice(self, site_id: str, notice_id: str, audit: dict[str, Any] | None) -> list[Any]:
        """Take a notice down; ``NotFound`` when there is no such notice."""
        return await self._notice(site_id, "clear", notice_id, "", audit)

    async def _notice(
        self, site_id: str, mode: str, notice_id: str, body: str, audit: dict[str, Any] | None
    ) -> list[Any]:
        keys = SiteKeys(site_id)
        now = self.clock.now()
        args = [STREAM_MAXLEN, iso(now), mode, notice_id, body, NOTICES_KEPT, audit_arg(audit)]
        out = await self._run("notice", [keys.seq, keys.events, keys.notices, keys.audit(now.date().isoformat())], args)
        return _as_list(msgspec.json.decode(out))

    async def pause_service(
        self, site_id: str, service_id: str, reason_ja: str, reason_en: str, *, by: str, audit: dict[str, Any] | None
    ) -> tuple[bool, dict[str, Any]]:
        """Stop issuing ``service_id`` at the site (an upstream outage), saying why; boards, kiosks and the visitor
        pages of its waiting tickets show the reasons (``service.changed``). Pausing it again changes the reasons.
        Returns (changed, the pause)."""
        site = self.site(site_id)
        service = self.service(service_id)
        if not service.queue or (service.id not in site.services and service.id not in self.opening(site.id).services):
            raise errors.ServiceUnavailable(f"{service.name} is not offered at {site.name}")
        changed, pause = await self._pause(site.id, "pause", service.id, reason_ja, reason_en, by, audit)
        return changed, pause or {}

    async def resume_service(self, site_id: str, service_id: str, *, by: str, audit: dict[str, Any] | None) -> bool:
        """Issue ``service_id`` again. Resuming a service that runs changes nothing; returns whether it was paused."""
        site = self.site(site_id)
        service = self.service(service_id)
        changed, _ = await self._pause(site.id, "resume", service.id, "", "", by, audit)
        return changed

    async def _pause(
        self, site_id: str, mode: str, service_id: str, reason_ja: str, reason_en: str, by: str,
        audit: dict[str, Any] | None,
    ) -> tuple[bool, dict[str, Any] | None]:  # fmt: skip
        keys = SiteKeys(site_id)
        now = self.clock.now()
        args = [STREAM_MAXLEN, iso(now), mode, service_id, reason_ja, reason_en, by, audit_arg(audit)]
        script_keys = [keys.seq, keys.events, keys.paused, keys.audit(now.date().isoformat())]
        out = msgspec.json.decode(await self._run("service_pause", script_keys, args))
        return bool(out["changed"]), out["pause"] or None

    async def paused_services(self, site_id: str) -> dict[str, dict[str, Any]]:
        """The site's paused services: service id -> {service, reason_ja, reason_en, since, by}."""
        raw: dict[Any, Any] = await self._read(lambda: self.redis.hgetall(SiteKeys(site_id).paused))
        return {_text(k): msgspec.json.decode(_text(v)) for k, v in raw.items()}

    # ---- reads -------------------------------------------------------------------------------

    async def raw_state(self, site_id: str, opening: Opening | None = None, *, staff: bool = False) -> RawSnapshot:
        """What the snapshot of a site is built from, read in one step; ``staff`` adds the totals, the tickets a
        console lists and who served how many, which cost a read per ticket of the day."""
        site = self.site(site_id)
        opening = opening or self.opening(site_id)
        keys = SiteKeys(site_id)
        bdate = opening.date.isoformat()
        services = [s for s in site.services if self.config.service(s) is not None]
        for s in opening.services:
            if s not in services:
                services.append(s)
        counters = [c.id for c in site.counters]
        args = [
            keys.ticket_prefix, keys.counter_prefix, msgspec.json.encode(services).decode(),
            msgspec.json.encode(counters).decode(), self.line_keys(site_id, bdate), keys.day(bdate) if staff else "",
        ]  # fmt: skip
        snapshot_keys = [keys.seq, keys.calls(bdate), keys.notices, keys.archive_meta(bdate)]
        return _snapshot.decode(await self._run("snapshot", snapshot_keys, args))

    async def ticket_status(self, ticket_id: str) -> RawTicketStatus:
        """A ticket of any site with its service's line, read in one step; ``NotFound`` when there is none."""
        site_id = self.site_of_ticket(ticket_id)
        keys = SiteKeys(site_id)
        found = await self._run("ticket_status", [keys.ticket(ticket_id)], [self.line_keys(site_id, "")])
        if not found:
            raise errors.NotFound("no such ticket")
        return _ticket_status.decode(found)

    async def ticket(self, ticket_id: str) -> tuple[dict[str, str], int]:
        """A ticket of any site with how many are ahead of it; ``NotFound`` when there is none."""
        found = await self.ticket_status(ticket_id)
        return cast(dict[str, str], msgspec.to_builtins(found.ticket)), self.ahead(
            found.line, found.ticket.id, found.streak
        )

    async def ticket_id_of(self, token: str) -> str:
        """The id of the ticket a visitor token names; ``NotFound`` when it names none."""
        try:
            ref = await self.redis.get(token_key(token))
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise errors.StoreUnavailable("the queue store cannot be reached; try again in a moment") from exc
        if ref is None:
            raise errors.NotFound("no such ticket")
        return (ref.decode() if isinstance(ref, bytes) else str(ref)).partition("\t")[2]

    async def status_by_token(self, token: str) -> RawTicketStatus:
        """The ticket a visitor token names, with its service's line; ``NotFound`` when there is none."""
        found = await self.ticket_status(await self.ticket_id_of(token))
        if found.ticket.token != token:
            raise errors.NotFound("no such ticket")
        return found

    async def ticket_by_token(self, token: str) -> tuple[dict[str, str], int]:
        found = await self.status_by_token(token)
        return cast(dict[str, str], msgspec.to_builtins(found.ticket)), self.ahead(
            found.line, found.ticket.id, found.streak
        )

    async def tickets(self, site_id: str, business_date: str, status: str | None = None) -> list[dict[str, str]]:
        """Tickets of a business date in issue order (staff view)."""
        keys = SiteKeys(site_id)
        try:
            ids: list[Any] = await self.redis.zrange(keys.day(business_date), 0, -1)
            pipe: Pipeline = self.redis.pipeline(transaction=False)
            for tid in ids:
                pipe.hgetall(keys.ticket(tid.decode() if isinstance(tid, bytes) else str(tid)))
            rows = await pipe.execute()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise errors.StoreUnavailable("the queue store cannot be reached; try again in a moment") from exc
        out = []
        for row in rows:
            t = {
                (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
                for k, v in row.items()
            }
            if t and (status is None or t.get("status") == status):
                out.append(t)
        return out

    async def seq(self, site_id: str) -> int:
        value = await self.redis.get(SiteKeys(site_id).seq)
        return int(value or 0)

    # ---- handover (server/handover/: madoguchi export and import) --------------------------------

    async def imported_staff_names(self) -> dict[str, str]:
        """Login -> display name of the staff named in imported handover archives: this installation has no
        account for them, and the reports of imported days name their operators as the source did."""
        found: dict[Any, Any] = await self._read(lambda: self.redis.hgetall(IMPORTED_STAFF_NAMES))
        return {_text(k): _text(v) for k, v in found.items()}
