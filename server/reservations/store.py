"""The reservations in Redis: the only code that changes them.

Every change is one Lua script (``server/queue/lua/resv_*.lua``) that changes the reservation and appends
``reservation.changed`` to the site's stream in the same step; check-in also issues the ticket there, with
issue.lua's own logic. Python checks requests against the configuration and the calendar (``rules``),
builds key names (``server/queue/keys.py``) and turns script errors into reservation errors.

A code is unique across sites: ``resv_code_key`` maps it to its site and is set (NX) before the booking
script runs, as the visitor-token index of tickets is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.calendar import Opening
from server.queue import errors as queue_errors
from server.queue.keys import SiteKeys, resv_code_key
from server.queue.models import Channel
from server.queue.store import IDEMPOTENCY_TTL_S, STREAM_MAXLEN, Issued, Store, audit_arg, iso
from server.reservations import codes, csvio, rules
from server.reservations.errors import CsvInvalid, Invalid, NotFound, NotReservable, SlotFull, refused

CODE_ATTEMPTS = 20
_T = TypeVar("_T")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _checked(normalize: Callable[[str], str], value: str, field: str) -> str:
    try:
        return normalize(value)
    except ValueError as exc:
        raise Invalid(f"{field}: {exc}", field=field) from None


def view(r: dict[str, str]) -> dict[str, Any]:
    """A reservation for staff (DESIGN §3): after the purge, name and phone are ''."""
    return {
        "code": r.get("code", ""),
        "site": r.get("site", ""),
        "service": r.get("service", ""),
        "date": r.get("date", ""),
        "start": r.get("start", ""),
        "end": r.get("end", ""),
        "name": r.get("name", ""),
        "phone": r.get("phone", ""),
        "status": r.get("status", ""),
        "ticket_number": r.get("ticket_number") or None,
        "created_at": r.get("created_at") or None,
        "created_by": r.get("created_by") or None,
        "checked_in_at": r.get("checked_in_at") or None,
        "purged": r.get("purged") == "1",
    }


@dataclass(frozen=True, slots=True)
class Place:
    """A checked slot: where a reservation may go, with the numbers its scripts need."""

    site: str
    service: str
    date: dt.date
    start: str
    end: str
    capacity: int
    slot_at: dt.datetime

    @property
    def slot_ms(self) -> int:
        return int(self.slot_at.timestamp() * 1000)


class ReservationStore:
    """Reservations of every site, next to the queue store whose Redis, clock and config it shares."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.redis = store.redis
        self.config = store.config
        self.clock = store.clock

    # ---- running scripts and commands ---------------------------------------------------------

    async def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        script = self.store.script(name)  # the queue store registered every script, resv_*.lua included
        return await self._io(lambda: script(keys=keys, args=args))

    async def _io(self, call: Callable[[], Awaitable[_T]]) -> _T:
        try:
            return await call()
        except ResponseError as exc:
            if (queue_refusal := queue_errors.of_script(str(exc))) is not None:
                raise queue_refusal from None  # day_closed: the date's archive is final
            code, _, detail = str(exc).partition(" ")
            if code in ("slot_full", "code_taken", "reservation_changed") or code.startswith(
                ("reservation_", "already_", "checkin_")
            ):
                raise refused(code, detail) from None
            raise
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise queue_errors.StoreUnavailable("the queue store cannot be reached; try again in a moment") from exc

    # ---- what can be booked -------------------------------------------------------------------

    def today(self) -> dt.date:
        return self.store.business_date()

    def opening(self, site: str, day: dt.date) -> Opening:
        self.store.site(site)
        return self.store.opening(site, day)

    async def availability(self, site: str, day: dt.date, service: str) -> list[dict[str, Any]]:
        """Every slot of the day with its capacity and the places taken and left ([] when none)."""
        self.store.service(service)
        opening = self.opening(site, day)
        slots = rules.slots(opening, self.config.queue.reservation_slot_min)
        if rules.capacity(self.config, opening, service) == 0 or not slots:
            return []
        keys = SiteKeys(site)
        day_text = day.isoformat()

        async def sizes() -> list[Any]:
            pipe = self.redis.pipeline(transaction=False)
            for slot in slots:
                pipe.scard(keys.resv_slot(day_text, service, slot.label))
            return await pipe.execute()

        counts = await self._io(sizes)
        booked = {slot.label: int(n) for slot, n in zip(slots, counts, strict=True)}
        return rules.availability(self.config, opening, service, booked, self.clock.now())

    def place(self, site: str, service: str, day: dt.date, start: str, *, imported: bool = False) -> Place:
        """The slot a reservation may take, or the error saying why not (imports may book any date)."""
        self.store.service(service)
        opening = self.opening(site, day)
        today = self.today()
        if not imported:
            if day < today:
                raise Invalid(f"{day} is in the past", field="date")
            horizon = self.config.reservations.horizon_days
            if day > today + dt.timedelta(days=horizon):
                raise Invalid(f"reservations are taken up to {horizon} days ahead", field="date")
        if not opening.is_open:
            raise queue_errors.SiteClosed(f"{site} is closed on {day} ({opening.reason or 'closed'})")
        if rules.reservable(self.config, opening, service) is None:
            raise NotReservable(f"{service} takes no reservations at {site} on {day}")
        slot = rules.slot_of(opening, self.config.queue.reservation_slot_min, start)
        if slot is None:
            starts = [s.label for s in rules.slots(opening, self.config.queue.reservation_slot_min)]
            span = f"{starts[0]}-{starts[-1]}" if starts else "none"
            raise Invalid(f"{start} is not the start of a slot on {day} (slots start {span})", field="start")
        slot_at = rules.slot_start(day, slot.start, self.clock.tz)
        if not imported and slot_at <= self.clock.now():
            raise Invalid(f"the slot {day} {start} has started already", field="start")
        capacity = rules.capacity(self.config, opening, service)
        return Place(site, service, day, start, rules.hhmm(slot.end), capacity, slot_at)

    def _timing(self, place: Place) -> tuple[str, str]:
        release = rules.release_at(place.slot_at, self.config)
        purge = rules.purge_at(place.date, self.config)
        return str(int(release.timestamp() * 1000)), str(int(purge.timestamp() * 1000))

    # ---- booking ------------------------------------------------------------------------------

    async def book(
        self, site: str, service: str, day: dt.date, start: str, name: str, phone: str, *, by: str,
        audit: dict[str, Any] | None = None, idempotency_key: str | None = None,
    ) -> tuple[dict[str, Any], bool]:  # fmt: skip
        """Book a place; ``SlotFull`` when the slot has none left (checked and taken in one script).

        Returns the reservation and whether this call created it: the same ``idempotency_key`` again (a
        phone console retrying after a lost answer) returns the first booking instead of a second one.
        """
        kana, number = _checked(rules.normalize_name, name, "name"), _checked(rules.normalize_phone, phone, "phone")
        place = self.place(site, service, day, start)
        keys = SiteKeys(site)
        release, purge = self._timing(place)
        for _ in range(CODE_ATTEMPTS):
            code = await self._claim_code(site)
            fields = {
                "code": code, "site": site, "service": service, "date": day.isoformat(), "start": start,
                "end": place.end, "slot_at": str(place.slot_ms), "name": kana, "phone": number,
                "created_at": iso(self.clock.now()), "created_by": by, "source": "phone",
            }  # fmt: skip
            try:
                raw = await self._run(
                    "resv_book",
                    [keys.seq, keys.events, keys.resv(code), keys.resv_slot(day.isoformat(), service, start),
                     keys.resv_day(day.isoformat()), keys.resv_all, keys.resv_due, keys.resv_purge,
                     keys.audit(self.today().isoformat()), keys.resv_idempotency(idempotency_key or "-"),
                     keys.archive_meta(day.isoformat())],
                    [STREAM_MAXLEN, iso(self.clock.now()), msgspec.json.encode(fields).decode(), place.capacity,
                     place.slot_ms, release, purge, audit_arg(audit),
                     IDEMPOTENCY_TTL_S if idempotency_key else 0, keys.resv_prefix],
                )  # fmt: skip
            except Exception as exc:
                await self._io(lambda code=code: self.redis.delete(resv_code_key(code)))  # type: ignore[misc]
                if getattr(exc, "code", "") == "code_taken":
                    continue
                if getattr(exc, "code", "") == "slot_full":
                    raise SlotFull(f"no place is left at {day} {start}") from None
                raise
            created, body = raw
            if not int(created):
                await self._io(lambda code=code: self.redis.delete(resv_code_key(code)))  # type: ignore[misc]
            return view(msgspec.json.decode(body)), bool(int(created))
        raise queue_errors.StoreUnavailable("no free reservation code was found; try again")

    async def _claim_code(self, site: str) -> str:
        """A new code, reserved for ``site`` in the global index."""
        for _ in range(CODE_ATTEMPTS):
            code = codes.new_code()
            if await self._io(lambda code=code: self.redis.set(resv_code_key(code), site, nx=True)):  # type: ignore[misc]
                return code
        raise queue_errors.StoreUnavailable("no free reservation code was found; try again")

    # ---- reading ------------------------------------------------------------------------------

    async def site_of(self, code: str) -> tuple[str, str]:
        """(normalized code, its site); ``NotFound`` for a code that is malformed or unknown."""
        normalized = codes.normalize(code)
        if not codes.is_valid(normalized):
            raise NotFound(f"{code!r} is not a reservation code; check it again")
        site = await self._io(lambda: self.redis.get(resv_code_key(normalized)))
        if site is None or self.config.site(_text(site)) is None:
            raise NotFound(f"no reservation {normalized}")
        return normalized, _text(site)

    async def raw(self, code: str) -> dict[str, str]:
        normalized, site = await self.site_of(code)
        found = await self._io(lambda: self.redis.hgetall(SiteKeys(site).resv(normalized)))
        r = {_text(k): _text(v) for k, v in found.items()}
        if not r:
            raise NotFound(f"no reservation {normalized}")
        return r

    async def get(self, code: str) -> dict[str, Any]:
        return view(await self.raw(code))

    async def _many(self, site: str, codes_: Iterable[Any]) -> list[dict[str, str]]:
        keys = SiteKeys(site)
        wanted = [_text(c) for c in codes_]

        async def fetch() -> list[Any]:
            pipe = self.redis.pipeline(transaction=False)
            for code in wanted:
                pipe.hgetall(keys.resv(code))
            return await pipe.execute()

        rows = await self._io(fetch) if wanted else []
        return [{_text(k): _text(v) for k, v in row.items()} for row in rows if row]

    async def of_day(self, site: str, day: dt.date) -> list[dict[str, str]]:
        """Every reservation of a site on a date (all statuses), by slot start, then code (as an export lists
        them, so an export of an imported day is the same file)."""
        self.store.site(site)
        found = await self._io(lambda: self.redis.zrange(SiteKeys(site).resv_day(day.isoformat()), 0, -1))
        return await self._many(site, found)

    async def of_days(self, site: str, first: dt.date, last: dt.date | None = None) -> list[dict[str, str]]:
        """Every reservation of a site (all statuses) with its slot on ``first`` .. ``last`` (no end without
        ``last``), by slot start, then code: one read of the site's index of every reservation by slot start."""
        self.store.site(site)

        def ms(day: dt.date) -> int:
            return int(rules.slot_start(day, dt.time(), self.clock.tz).timestamp() * 1000)

        below = "+inf" if last is None else f"({ms(last + dt.timedelta(days=1))}"
        found = await self._io(lambda: self.redis.zrangebyscore(SiteKeys(site).resv_all, ms(first), below))
        return await self._many(site, found)

    async def search(self, site: str, day: dt.date | None, query: str) -> list[dict[str, Any]]:
        """Reservations of a date, or from today on when no date is given, matching ``query``."""
        if day is not None or not query.strip():
            rows = await self.of_day(site, day or self.today())
        else:
            rows = await self.of_days(site, self.today())
        hits = [r for r in rows if rules.matches(query, r.get("code", ""), r.get("name", ""), r.get("phone", ""))]
        return [view(r) for r in hits]

    # ---- changing -----------------------------------------------------------------------------

    async def move(
        self, code: str, *, day: dt.date | None, start: str | None, service: str | None,
        audit: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Move a booked reservation; the old place is freed and the new one taken in one script."""
        r = await self.raw(code)
        site = r["site"]
        if r.get("status") != "booked":
            await self._refuse_unless_booked(r)
        new_day = day or dt.date.fromisoformat(r["date"])
        place = self.place(site, service or r["service"], new_day, start or r["start"])
        keys = SiteKeys(site)
        release, purge = self._timing(place)
        day_text = new_day.isoformat()
        changed = {
            "date": day_text, "service": place.service, "start": place.start, "end": place.end,
            "slot_at": str(place.slot_ms),
        }  # fmt: skip
        try:
            raw = await self._run(
                "resv_move",
                [keys.seq, keys.events, keys.resv(r["code"]), keys.resv_slot(day_text, place.service, place.start),
                 keys.resv_day(day_text), keys.resv_all, keys.resv_due, keys.resv_purge,
                 keys.audit(self.today().isoformat()), keys.archive_meta(day_text)],
                [STREAM_MAXLEN, iso(self.clock.now()), msgspec.json.encode(changed).decode(), place.capacity,
                 release, purge, keys.resv_slot_prefix, keys.resv_day_prefix, audit_arg(audit)],
            )  # fmt: skip
        except Exception as exc:
            if getattr(exc, "code", "") == "slot_full":
                raise SlotFull(f"no place is left at {day_text} {place.start}; the reservation is unchanged") from None
            raise
        return view(msgspec.json.decode(raw))

    async def _refuse_unless_booked(self, r: dict[str, str]) -> None:
        code = rules.checkin_refusal(r.get("status", ""), r.get("date", ""), r["site"], r["site"], self.today())
        if code is not None and code != "reservation_not_today":
            raise refused(code, f"{r['code']} is {r.get('status')}; it cannot be changed")

    async def cancel(self, code: str, audit: dict[str, Any] | None = None) -> dict[str, Any]:
        """Cancel a booked reservation and free its place."""
        r = await self.raw(code)
        keys = SiteKeys(r["site"])
        raw = await self._run(
            "resv_cancel",
            [keys.seq, keys.events, keys.resv(r["code"]), keys.resv_due, keys.audit(self.today().isoformat())],
            [STREAM_MAXLEN, iso(self.clock.now()), keys.resv_slot_prefix, audit_arg(audit)],
        )
        return view(msgspec.json.decode(raw))

    # ---- check-in -----------------------------------------------------------------------------

    async def check_in(
        self, site: str, code: str, audit: dict[str, Any] | None = None
    ) -> tuple[Issued, dict[str, Any]]:
        """Check a reservation in at ``site`` now: the reservation is checked_in and its ticket issued in one
        script. Raises the refusal of DESIGN §4 (not found, wrong site, not today, too early, too late, ...)."""
        self.store.site(site)
        for _ in range(3):
            r = await self.raw(code)
            try:
                return await self._check_in(site, r, audit), view(r)
            except Exception as exc:
                if getattr(exc, "code", "") != "reservation_changed":
                    raise
        raise refused("reservation_changed", "the reservation keeps changing; try again")

    async def _check_in(self, site: str, r: dict[str, str], audit: dict[str, Any] | None) -> Issued:
        now = self.clock.now()
        problem = rules.checkin_refusal(r.get("status", ""), r["date"], r["site"], site, now.date())
        if problem is not None:
            raise refused(problem, self._refusal_detail(problem, r), reservation=self._brief(r))
        day = dt.date.fromisoformat(r["date"])
        opening = self.store.opening(site, day)
        start = rules.slot_start(day, dt.time.fromisoformat(r["start"]), self.clock.tz)
        window = rules.checkin_window(self.config, opening, start)
        if now < window.opens:
            raise refused("checkin_too_early", f"check-in for {r['start']} opens at {window.opens:%H:%M}",
                          opens_at=f"{window.opens:%H:%M}", reservation=self._brief(r))  # fmt: skip
        if now > window.closes:
            raise refused(
                "checkin_too_late",
                f"check-in for {r['start']} closed at {window.closes:%H:%M}; please take a walk-in ticket",
                walk_in=True, reservation=self._brief(r),
            )  # fmt: skip
        keys = SiteKeys(site)
        extra = (
            [keys.resv(r["code"]), keys.resv_due],
            [int(window.opens.timestamp() * 1000), int(window.closes.timestamp() * 1000)],
        )
        try:
            return await self.store.issue(
                site, r["service"], channel=Channel.RESERVATION, slot_at_ms=int(r["slot_at"]), reservation=r["code"],
                audit=audit, script="resv_checkin", extra=extra,
            )  # fmt: skip
        except ResponseError as exc:
            code, _, detail = str(exc).partition(" ")
            extra_fields: dict[str, Any] = {"reservation": self._brief(r)}
            if code == "checkin_too_late":
                extra_fields["walk_in"] = True
            raise refused(code, detail, **extra_fields) from None

    @staticmethod
    def _brief(r: dict[str, str]) -> dict[str, str]:
        return {"code": r["code"], "service": r["service"], "date": r["date"], "start": r["start"], "end": r["end"]}

    def _refusal_detail(self, problem: str, r: dict[str, str]) -> str:
        site = self.config.site(r["site"])
        return {
            "reservation_wrong_site": f"{r['code']} is a reservation at {site.name if site else r['site']}",
            "already_checked_in": f"{r['code']} was checked in already (ticket {r.get('ticket_number', '')})",
            "reservation_cancelled": f"{r['code']} was cancelled",
            "reservation_no_show": f"{r['code']} was not checked in in time and is a no-show",
            "reservation_not_today": f"{r['code']} is for {r['date']} {r['start']}, not today",
        }.get(problem, problem)

    # ---- background jobs ----------------------------------------------------------------------

    async def release_due(self) -> list[str]:
        """Booked reservations past start + release time become no-shows (every site); their codes."""
        now = self.clock.now()
        released: list[str] = []
        for site in self.config.sites:
            keys = SiteKeys(site.id)
            out = await self._run(
                "resv_release",
                [keys.seq, keys.events, keys.resv_due],
                [STREAM_MAXLEN, int(now.timestamp() * 1000), iso(now), keys.resv_prefix, keys.resv_slot_prefix],
            )
            released += [_text(c) for c in out or []]
        return released

    async def purge_due(self, *, by: str = "system") -> int:
        """Delete name and phone of reservations past their retention (every site); how many."""
        now = self.clock.now()
        total = 0
        for site in self.config.sites:
            keys = SiteKeys(site.id)
            entry = {"at": now.isoformat(timespec="seconds"), "action": "reservation.purge", "login": by,
                     "role": "", "site": site.id, "address": ""}  # fmt: skip
            total += int(
                await self._run(
                    "resv_purge",
                    [keys.resv_purge, keys.audit(now.date().isoformat())],
                    [int(now.timestamp() * 1000), iso(now), keys.resv_prefix, msgspec.json.encode(entry).decode()],
                )
            )
        return total

    # ---- CSV ----------------------------------------------------------------------------------

    def service_names(self) -> dict[str, str]:
        """What a CSV may say in the service column: the id or the Japanese name."""
        out = {s.id: s.id for s in self.config.services}
        out.update({s.name: s.id for s in self.config.services})
        return out

    async def export(self, site: str, day: dt.date) -> list[dict[str, Any]]:
        return [view(r) for r in await self.of_day(site, day)]

    async def import_csv(self, site: str, data: bytes, *, by: str, audit: dict[str, Any] | None = None) -> int:
        """Import a CSV: every row or none. ``CsvInvalid`` lists the problem of each bad row."""
        self.store.site(site)
        try:
            text = csvio.decode(data)
        except UnicodeDecodeError:
            raise CsvInvalid("the file is neither UTF-8 nor Shift_JIS text", errors=[]) from None
        rows, problems = csvio.parse(text, self.service_names())
        prepared = self._prepare(site, rows, problems, by)
        if problems:
            raise self._invalid(problems)
        claimed = await self._claim_codes(site, prepared, problems)
        if problems:
            await self._unclaim(claimed)
            raise self._invalid(problems)
        keys = SiteKeys(site)
        # closed dates are checked in the script, in the same step as the import: a close just before adds nothing
        archive_metas = {day: keys.archive_meta(day) for day in sorted({item["fields"]["date"] for item in prepared})}
        try:
            count, found = await self._run(
                "resv_import",
                [keys.seq, keys.events, keys.resv_all, keys.resv_due, keys.resv_purge,
                 keys.audit(self.today().isoformat())],
                [STREAM_MAXLEN, iso(self.clock.now()), msgspec.json.encode(prepared).decode(), keys.resv_prefix,
                 keys.resv_slot_prefix, keys.resv_day_prefix, audit_arg(audit),
                 msgspec.json.encode(archive_metas).decode()],
            )  # fmt: skip
        except BaseException:
            await self._unclaim(claimed)
            raise
        script_problems = msgspec.json.decode(found) if isinstance(found, str | bytes) else []
        if script_problems:
            await self._unclaim(claimed)
            raise self._invalid([csvio.Problem(p["row"], p["column"], p["message"]) for p in script_problems])
        return int(count)

    @staticmethod
    def _invalid(problems: list[csvio.Problem]) -> CsvInvalid:
        ordered = sorted(problems, key=lambda p: (p.row, p.column))
        return CsvInvalid(
            f"{len({p.row for p in ordered})} row(s) have problems; nothing was imported",
            errors=[p.as_dict() for p in ordered],
        )

    def _prepare(
        self, site: str, rows: list[csvio.Row], problems: list[csvio.Problem], by: str
    ) -> list[dict[str, Any]]:
        """Rows checked against the calendar and the slots, as the import script takes them."""
        prepared: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        now = iso(self.clock.now())
        for row in rows:
            if row.code and row.code in seen:
                problems.append(csvio.Problem(row.row, "code", f"{row.code} is also in row {seen[row.code]}"))
                continue
            seen[row.code] = row.row
            try:
                place = self.place(site, row.service, row.date, row.start, imported=True)
            except queue_errors.DomainError as exc:
                column = {"site_closed": "date", "service_unavailable": "service"}.get(exc.code, "start")
                problems.append(csvio.Problem(row.row, column, exc.detail))
                continue
            if row.end and row.end != place.end:
                problems.append(
                    csvio.Problem(row.row, "end", f"the slot {row.start} ends at {place.end}, not {row.end}")
                )
                continue
            release, purge = self._timing(place)
            fields = {
                "code": row.code, "site": site, "service": row.service, "date": row.date.isoformat(),
                "start": row.start, "end": place.end, "slot_at": str(place.slot_ms), "name": row.name,
                "phone": row.phone, "status": row.status, "created_at": now, "created_by": by, "source": "import",
            }  # fmt: skip
            prepared.append({"row": row.row, "fields": fields, "capacity": place.capacity,
                             "slot_at": str(place.slot_ms), "release_at": release, "purge_at": purge})  # fmt: skip
        return prepared

    async def _claim_codes(self, site: str, prepared: list[dict[str, Any]], problems: list[csvio.Problem]) -> list[str]:
        """Reserve each row's code in the global index (a new one for rows without); codes in use are problems."""
        claimed: list[str] = []
        for item in prepared:
            fields = item["fields"]
            if fields["code"]:
                if await self._io(lambda c=fields["code"]: self.redis.set(resv_code_key(c), site, nx=True)):  # type: ignore[misc]
                    claimed.append(fields["code"])
                else:
                    problems.append(csvio.Problem(item["row"], "code", f"{fields['code']} already exists"))
            else:
                fields["code"] = await self._claim_code(site)
                claimed.append(fields["code"])
        return claimed

    async def _unclaim(self, claimed: list[str]) -> None:
        if claimed:
            await self._io(lambda: self.redis.delete(*(resv_code_key(c) for c in claimed)))
