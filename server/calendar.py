"""The calendar: whether a site is open on a date, when, with which services and counters.

Pure functions of a `Config`, the calendar overrides and plain dates (no I/O, no Redis, no Litestar),
so the kiosk, the phone reservations, the reports and the tests all agree on one answer.

Precedence for one (site, date), first match wins:

0. a calendar override of the site covering the date (`CalendarOverride`: what an admin added
   through `/api/v1/calendar/overrides`, kept in the store). It replaces whatever the config file
   says for that site and date: a closure closes the day ("closure"), a Sunday opening, an outreach
   event or an extra opening (kind "extra", e.g. a Saturday) opens it with its own hours, services
   and counters. Removing the override brings the config's day back;
1. a `[[closures]]` entry for the site and date: closed ("closure"). Closures are how the city
   cancels a day at short notice, so they win over Sunday openings and outreach events too;
2. an outreach site: open only while one of its events runs ("outreach"), else closed
   ("no_event");
3. a Sunday opening of the site on that date ("sunday"). It wins over a national holiday or the
   year-end closure falling on the same day: the city designated that day expressly (contract
   §8: "5.6.の規定にかかわらず");
4. the year-end closure 12/29-1/3 ("year_end"), a national holiday ("holiday"), Saturday or
   Sunday ("weekend"): closed; checked in that order so the most specific reason is shown;
5. otherwise a normal business day ("weekday") with the site's hours and services.
"""

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable
from typing import Literal

import holidays
import msgspec

from server.config import (
    CalendarEntry,
    Closure,
    Config,
    Hours,
    OutreachEvent,
    Site,
    SundayOpening,
    check_calendar_entry,
    offered_at,
    parse_hhmm,
)

OpeningKind = Literal["weekday", "sunday", "outreach", "extra", "closed"]
ClosedReason = Literal["weekend", "holiday", "year_end", "closure", "no_event"]
OverrideKind = Literal["sunday", "outreach", "extra", "closure"]
OVERRIDE_KINDS: tuple[OverrideKind, ...] = ("sunday", "outreach", "extra", "closure")

LOOKAHEAD_DAYS = 400
"""How far `next_opening` searches: over a year, so a yearly outreach venue is still found."""


class Opening(msgspec.Struct, frozen=True, kw_only=True):
    """What a site offers on one business date (開庁): closed, or hours, services and counters."""

    site: str
    date: dt.date
    kind: OpeningKind
    opens_at: dt.time | None
    closes_at: dt.time | None
    last_ticket_at: dt.time | None
    services: tuple[str, ...]  # service ids offered (empty when closed)
    counters: tuple[str, ...]  # counter ids set up that day (empty when closed)
    reason: ClosedReason | None = None  # why it is closed; None when open
    # For people: the holiday's name ("勤労感謝の日"), the closure's reason, the note of the
    # Sunday opening or outreach event.
    note: str | None = None
    venue: str | None = None  # an outreach event's venue ("イオンモール福津"), else None
    address: str | None = None  # ... and its address
    override: str | None = None  # the id of the calendar override this day comes from; None: the config file

    @property
    def is_open(self) -> bool:
        """Whether the site opens at all that day."""
        return self.kind != "closed"


class CalendarOverride(msgspec.Struct, frozen=True, kw_only=True):
    """One change an admin made to the calendar of a site (server/calendar_store.py keeps them).

    It covers `date` (and, for an outreach event, the `days` - 1 days after it) and replaces what the
    config file says for the site on those dates. Times are "HH:MM" as in the config file.
    """

    id: str  # "<site>.<hex>": the site is part of the id, so a change finds the site's keys
    kind: OverrideKind
    site: str
    date: dt.date
    days: int = 1  # outreach events only: consecutive days from `date`
    opens_at: str | None = None  # None for a closure
    closes_at: str | None = None
    last_ticket_at: str | None = None  # None = as long before closing as on weekdays
    services: tuple[str, ...] = ()  # outreach: empty = the site's services
    counters: tuple[str, ...] = ()  # empty = the site's counters set up that day
    venue: str = ""  # outreach: where the event is held
    address: str = ""
    note: str = ""  # a closure's reason; a note for the other kinds
    created_at: str = ""
    created_by: str = ""
    updated_at: str = ""
    updated_by: str = ""

    def dates(self) -> tuple[dt.date, ...]:
        """Every date the override covers."""
        return tuple(self.date + dt.timedelta(days=n) for n in range(max(self.days, 1)))

    def entry(self) -> CalendarEntry:
        """The config file entry this override stands for (checked and resolved as the file's are)."""
        if self.kind == "closure":
            return Closure(date=self.date, sites=(self.site,), reason=self.note)
        if self.kind == "outreach":
            return OutreachEvent(
                id="override", site=self.site, start=self.date, days=self.days, opens_at=self.opens_at or "",
                closes_at=self.closes_at or "", last_ticket_at=self.last_ticket_at, services=self.services,
                counters=self.counters, note=self.note, venue=self.venue, address=self.address,
            )  # fmt: skip
        return SundayOpening(
            site=self.site, date=self.date, opens_at=self.opens_at or "", closes_at=self.closes_at or "",
            last_ticket_at=self.last_ticket_at, services=self.services, counters=self.counters, note=self.note,
        )  # fmt: skip


class Overrides:
    """The calendar overrides in force, indexed by (site, date). A value: `with_site` makes a new one."""

    __slots__ = ("_by_day", "items")

    def __init__(self, items: Iterable[CalendarOverride] = ()) -> None:
        self.items: tuple[CalendarOverride, ...] = tuple(sorted(items, key=lambda o: (o.date, o.site, o.id)))
        self._by_day = {(o.site, day): o for o in self.items for day in o.dates()}

    def on(self, site_id: str, day: dt.date) -> CalendarOverride | None:
        """The override of `site_id` covering `day`, or None."""
        return self._by_day.get((site_id, day))

    def with_site(self, site_id: str, items: Iterable[CalendarOverride]) -> "Overrides":
        """These overrides with those of `site_id` replaced by `items`."""
        return Overrides([*(o for o in self.items if o.site != site_id), *items])


NO_OVERRIDES = Overrides()

OVERRIDE_HORIZON_DAYS = 731
"""How far ahead an override may be set: two years covers the city's next fiscal year whenever it plans it."""
MAX_NOTE = 200
_HOURS_FIELDS = ("opens_at", "closes_at", "last_ticket_at", "services", "counters")
_NOT_FOR: dict[OverrideKind, tuple[str, ...]] = {
    "closure": (*_HOURS_FIELDS, "venue", "address"),
    "sunday": ("venue", "address"),
    "extra": ("venue", "address"),
    "outreach": (),
}
"""Fields an override of each kind has no use for: given anyway, they are a mistake to point out, not ignore."""


def check_override(config: Config, override: CalendarOverride, today: dt.date) -> list[str]:
    """Every problem of an override as "key: message", [] when it may be stored.

    The checks `madoguchi config check` applies to the same entry in the file (site of the right kind, times
    in order, services and counters that exist, counters of the site), plus what only an override can get
    wrong: a service the site never offers, a field its kind has no use for, a date in the past or too far.
    """
    site = config.site(override.site)
    if site is None:
        return [f"site: unknown site {override.site!r}"]
    found = check_calendar_entry(config, override.entry(), "override", sunday=override.kind == "sunday")
    problems = [error.removeprefix("override.") for error in found]
    if override.kind == "extra":  # checked as a Sunday opening on any day
        problems = [error.replace("a Sunday opening", "an extra opening") for error in problems]
    problems += [
        f"{key}: {_a(override.kind)} override has no {key}" for key in _NOT_FOR[override.kind] if getattr(override, key)
    ]
    if override.kind != "outreach" and override.days != 1:
        problems.append(f"days: {_a(override.kind)} override is one day; only an outreach event runs several")
    if override.kind == "outreach" and not override.venue.strip():
        problems.append("venue: an outreach event needs the venue's name (e.g. イオンモール福津)")
    offered = offered_at(config, site)
    problems += [
        f"services[{i}]: {sid!r} is not offered at {site.id}"
        for i, sid in enumerate(override.services)
        if sid not in offered
    ]
    problems += _text_problems(override)
    if override.date < today:
        problems.append(f"date: {override.date} is in the past (today is {today})")
    if override.dates()[-1] > today + dt.timedelta(days=OVERRIDE_HORIZON_DAYS):
        problems.append(f"date: more than {OVERRIDE_HORIZON_DAYS} days ahead")
    return problems


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _text_problems(override: CalendarOverride) -> list[str]:
    """Venue, address and note are shown on one line (kiosk, board, ticket); the file's checks bound venue and
    address already."""
    problems = [
        f"{key}: one line of text, without control characters"
        for key in ("venue", "address", "note")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in getattr(override, key))
    ]
    if len(override.note) > MAX_NOTE:
        problems.append(f"note: at most {MAX_NOTE} characters, got {len(override.note)}")
    return problems


def resolve_opening(config: Config, site_id: str, day: dt.date, overrides: Overrides = NO_OVERRIDES) -> Opening:
    """The opening of `site_id` on `day`, by the precedence in the module docstring.

    Raises KeyError for a site id the config does not have.
    """
    site = _site(config, site_id)
    override = overrides.on(site_id, day)
    if override is not None:
        return msgspec.structs.replace(_override_day(config, site, override, day), override=override.id)
    closure = _closure_reason(config, site_id, day)
    if closure is not None:
        return _closed(site_id, day, "closure", closure or None)
    if site.kind == "outreach":
        return _outreach_day(config, site, day)
    sunday = _sunday_opening(config, site_id, day)
    if sunday is not None:
        return _sunday_day(config, site, sunday, day)
    reason, note = _closed_reason(config, day)
    if reason is not None:
        return _closed(site_id, day, reason, note)
    return _weekday(config, site, day)


def openings(
    config: Config, site_id: str, start: dt.date, end: dt.date, overrides: Overrides = NO_OVERRIDES
) -> list[Opening]:
    """One opening per date from `start` to `end`, both included; [] when `end` < `start`."""
    return [resolve_opening(config, site_id, day, overrides) for day in _dates(start, end)]


def next_opening(
    config: Config, site_id: str, after: dt.datetime, overrides: Overrides = NO_OVERRIDES
) -> Opening | None:
    """The first opening that still has time left after `after`: later the same day, or a future day.

    An aware `after` is converted to the config's time zone; a naive one is read as local time
    there. Returns None when nothing opens within `LOOKAHEAD_DAYS` days.
    """
    local = after.astimezone(zoneinfo.ZoneInfo(config.timezone)) if after.tzinfo else after
    for offset in range(LOOKAHEAD_DAYS + 1):
        opening = resolve_opening(config, site_id, local.date() + dt.timedelta(days=offset), overrides)
        if opening.closes_at is not None and (offset > 0 or opening.closes_at > local.time()):
            return opening
    return None


def place_name(site: Site, venue: str | None) -> str:
    """What the printed ticket and the reports call the place: the site's name, or for an outreach event with a
    venue 「出張申請会場：イオンモール福津」 (pages say it in the visitor's language, catalog key `kiosk.venue`)."""
    return f"出張申請会場：{venue}" if venue else site.name


def is_open_at(opening: Opening, at: dt.time) -> bool:
    """Whether the doors are open at `at`: from opening time until (not including) closing time."""
    if opening.opens_at is None or opening.closes_at is None:
        return False
    return opening.opens_at <= _naive(at) < opening.closes_at


def can_issue_at(opening: Opening, at: dt.time) -> bool:
    """Whether a ticket may be issued at `at`.

    From opening time up to and including the last-ticket minute: "最終受付16:30" means a visitor
    who arrives at 16:30 is still served, so 16:30:59 is accepted and 16:31 is not.
    """
    if opening.opens_at is None or opening.last_ticket_at is None:
        return False
    minute = _naive(at).replace(second=0, microsecond=0)
    return opening.opens_at <= _naive(at) and minute <= opening.last_ticket_at


def business_date(now: dt.datetime, tz: str = "Asia/Tokyo") -> dt.date:
    """The date at the counters: a server running in UTC must not switch days at 09:00 JST.

    A naive `now` is taken to be local time in `tz` already.
    """
    if now.tzinfo is None:
        return now.date()
    return now.astimezone(zoneinfo.ZoneInfo(tz)).date()


def fiscal_year(day: dt.date) -> int:
    """The Japanese fiscal year (年度, April to March) `day` belongs to: 2027-03-31 -> 2026."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """First and last day of fiscal year `year`: 2026 -> (2026-04-01, 2027-03-31)."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def holiday_name(day: dt.date, country: str = "JP") -> str | None:
    """The national holiday's name on `day` ("勤労感謝の日", "振替休日"), or None."""
    return _holidays(country, day.year).get(day)


def active_counters(site: Site, day: dt.date) -> tuple[str, ...]:
    """Ids of the site's counters set up on `day` (City Hall: 3 in Apr–Oct, 6 in Nov–Mar)."""
    return tuple(counter.id for counter in site.counters if counter.active_on(day))


# --- helpers ------------------------------------------------------------------------------------


def _site(config: Config, site_id: str) -> Site:
    site = config.site(site_id)
    if site is None:
        raise KeyError(site_id)
    return site


def _dates(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]


def _naive(at: dt.time) -> dt.time:
    return at.replace(tzinfo=None)


@functools.lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> "holidays.HolidayBase":
    """One year's holidays, built once: the package computes them on construction."""
    return holidays.country_holidays(country, years=year, language="ja" if country == "JP" else None)


def _closure_reason(config: Config, site_id: str, day: dt.date) -> str | None:
    """The closure's reason ("" when it gives none) if the site is closed that day, else None."""
    for closure in config.closures:
        if closure.date == day and (not closure.sites or site_id in closure.sites):
            return closure.reason
    return None


def _closed_reason(config: Config, day: dt.date) -> tuple[ClosedReason | None, str | None]:
    if config.year_end.contains(day):
        return "year_end", "年末年始"
    name = holiday_name(day, config.holiday_country)
    if name is not None:
        return "holiday", name
    if day.weekday() >= 5:
        return "weekend", None
    return None, None


def _sunday_opening(config: Config, site_id: str, day: dt.date) -> SundayOpening | None:
    return next((o for o in config.sunday_openings if o.site == site_id and o.date == day), None)


def _outreach_event(config: Config, site_id: str, day: dt.date) -> OutreachEvent | None:
    return next((e for e in config.outreach_events if e.site == site_id and e.covers(day)), None)


def _closed(site_id: str, day: dt.date, reason: ClosedReason, note: str | None = None) -> Opening:
    return Opening(
        site=site_id,
        date=day,
        kind="closed",
        opens_at=None,
        closes_at=None,
        last_ticket_at=None,
        services=(),
        counters=(),
        reason=reason,
        note=note,
    )


def _last_ticket(config: Config, closes_at: dt.time, last_ticket_at: str | None) -> dt.time:
    """The configured last-ticket time, or as long before closing as on a weekday."""
    if last_ticket_at is not None:
        return parse_hhmm(last_ticket_at)
    closing = dt.datetime.combine(dt.date.min, closes_at)
    return (closing - config.hours.last_ticket_margin()).time()


def _weekday(config: Config, site: Site, day: dt.date) -> Opening:
    hours: Hours = config.site_hours(site)
    return Opening(
        site=site.id,
        date=day,
        kind="weekday",
        opens_at=parse_hhmm(hours.opens_at),
        closes_at=parse_hhmm(hours.closes_at),
        last_ticket_at=parse_hhmm(hours.last_ticket_at),
        services=site.services,
        counters=active_counters(site, day),
    )


def _sunday_day(config: Config, site: Site, sunday: SundayOpening, day: dt.date) -> Opening:
    """A Sunday opening; its counters default to those set up that day (§8: staffed as a weekday)."""
    closes_at = parse_hhmm(sunday.closes_at)
    return Opening(
        site=site.id,
        date=day,
        kind="sunday",
        opens_at=parse_hhmm(sunday.opens_at),
        closes_at=closes_at,
        last_ticket_at=_last_ticket(config, closes_at, sunday.last_ticket_at),
        services=sunday.services,
        counters=sunday.counters or active_counters(site, day),
        note=sunday.note or None,
    )


def _outreach_day(config: Config, site: Site, day: dt.date) -> Opening:
    event = _outreach_event(config, site.id, day)
    if event is None:
        return _closed(site.id, day, "no_event")
    return _event_day(config, site, event, day)


def _event_day(config: Config, site: Site, event: OutreachEvent, day: dt.date) -> Opening:
    closes_at = parse_hhmm(event.closes_at)
    return Opening(
        site=site.id,
        date=day,
        kind="outreach",
        opens_at=parse_hhmm(event.opens_at),
        closes_at=closes_at,
        last_ticket_at=_last_ticket(config, closes_at, event.last_ticket_at),
        services=event.services or site.services,
        counters=event.counters or active_counters(site, day),
        note=event.note or None,
        venue=event.venue or None,
        address=event.address or None,
    )


def _override_day(config: Config, site: Site, override: CalendarOverride, day: dt.date) -> Opening:
    """The day an override makes: closed, or open with the override's own hours, services and counters."""
    entry = override.entry()
    if isinstance(entry, Closure):
        return _closed(site.id, day, "closure", entry.reason or None)
    if isinstance(entry, OutreachEvent):
        return _event_day(config, site, entry, day)
    opening = _sunday_day(config, site, entry, day)
    return opening if override.kind == "sunday" else msgspec.structs.replace(opening, kind="extra")
