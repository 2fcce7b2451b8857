"""From the records of business days to the report: pure (no I/O), one pass over the tickets.

What is counted (docs/REPORTS.md explains it for the people who read the reports):

- ``issued``: every ticket of the period, under the service it ended in. ``served``: reached ``done``, with
  any outcome. A transferred ticket is one ticket: counted once, under the service that finished it
  (``transferred_in`` there, ``transferred_out`` under the service it was issued for).
- A closed day's tickets all ended: issued = served + no_show + cancelled + unserved. Today's tickets still
  waiting, called or being served are ``open``.
- Wait: from ``issued_at`` (a reservation's ticket is issued at check-in) to the first call; a recall or a
  second call after "back to the queue" does not lengthen it. Tickets never called have no wait.
- Service time: from the start of service (``serving_at``) to its end (``finished_at``) of tickets that were
  served; for a transferred ticket, the service that finished it.
- Hours are local hours of the business date: ``issued`` and waits by the hour of issue, ``called`` by the
  hour of the first call, ``served`` by the hour of the finish, service times by the hour service started.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from server.calendar import NO_OVERRIDES, Overrides, place_name, resolve_opening
from server.config import Config, Counter, Site
from server.queue.archive import DayArchive, TicketRecord
from server.reports import model
from server.reports.periods import Period
from server.reports.stats import summary
from server.reports.wareki import wareki_month

LONGEST_WAITS = 10
"""How many of the longest waits a report lists."""
WEEKDAYS_JA = "月火水木金土日"
MS_PER_MIN = 60_000
MS_PER_HOUR = 3_600_000
BUCKET_OF_STATUS = {"done": "served", "no_show": "no_show", "cancelled": "cancelled", "unserved": "unserved"}
"""Where a ticket's final status is counted; waiting, called and serving count as ``open``."""
ALL_SITES = "all"
_K = TypeVar("_K", str, int)


class Incident(Protocol):
    """What a report shows of an incident report (``server.office.models.IncidentRecord`` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def site(self) -> str: ...
    @property
    def occurred_at(self) -> dt.datetime: ...
    @property
    def category(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DayData:
    """One site's business date: its tickets and reservations, and its tallies ({kind: {topic: n}})."""

    archive: DayArchive
    tallies: Mapping[str, Mapping[str, int]]


class _Group:
    """Counts and the measured minutes of one row while the tickets stream by."""

    __slots__ = ("buckets", "called", "issued", "outcomes", "served_at", "services", "waits", "xfer_in", "xfer_out")

    def __init__(self) -> None:
        self.issued = 0
        self.called = 0
        self.served_at = 0
        self.xfer_in = 0
        self.xfer_out = 0
        self.buckets: dict[str, int] = {}
        self.outcomes: dict[str, int] = {}
        self.waits: array[float] = array("d")
        self.services: array[float] = array("d")

    def add(self, bucket: str, outcome: str | None, wait: float | None, service: float | None) -> None:
        """One ticket: how it ended, its wait and its service time (None: not measured)."""
        self.issued += 1
        buckets = self.buckets
        buckets[bucket] = buckets.get(bucket, 0) + 1
        if outcome is not None:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if wait is not None:
            self.waits.append(wait)
        if service is not None:
            self.services.append(service)

    @classmethod
    def merged(cls, groups: Iterable[_Group]) -> _Group:
        """One group of several (a month of days, a site's days, the whole period)."""
        out = cls()
        for g in groups:
            out.issued += g.issued
            for key, n in g.buckets.items():
                out.buckets[key] = out.buckets.get(key, 0) + n
            for key, n in g.outcomes.items():
                out.outcomes[key] = out.outcomes.get(key, 0) + n
            out.waits.extend(g.waits)
            out.services.extend(g.services)
        return out

    def timing(self, *, waits: bool = True) -> dict[str, Any]:
        w = summary(self.waits) if waits else (None, None, None, None)
        s = summary(self.services)
        return {
            "wait_avg_min": w[0],
            "wait_median_min": w[1],
            "wait_p90_min": w[2],
            "wait_max_min": w[3],
            "service_avg_min": s[0],
            "service_median_min": s[1],
            "service_p90_min": s[2],
            "service_max_min": s[3],
        }

    def counts(self) -> dict[str, Any]:
        b = self.buckets
        return {
            "issued": self.issued,
            "served": b.get("served", 0),
            "no_show": b.get("no_show", 0),
            "cancelled": b.get("cancelled", 0),
            "unserved": b.get("unserved", 0),
            "open": b.get("open", 0),
            **self.timing(),
        }

    def outcome_counts(self) -> model.Outcomes:
        known = {k: self.outcomes.get(k, 0) for k in model.OUTCOMES}
        known["other"] += sum(n for k, n in self.outcomes.items() if k not in model.OUTCOMES)
        return model.Outcomes(**known)


class _Groups(dict[_K, _Group]):
    """Groups by key (a service, a counter, an hour...), each made when first looked up."""

    def __missing__(self, key: _K) -> _Group:
        group = self[key] = _Group()
        return group


def _hhmm(ms: int | None, midnight_ms: int) -> str:
    if not ms:
        return ""
    minutes = (ms - midnight_ms) // MS_PER_MIN
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ReportBuilder:
    """Accumulates the rows of one report: ``add_day`` once per site and date (in any order), then ``report``.
    The source layer feeds it a batch of days at a time, so a fiscal year of tickets is never held at once."""

    def __init__(
        self, period: Period, sites: Sequence[str], config: Config, today: dt.date, overrides: Overrides = NO_OVERRIDES
    ) -> None:
        self.period = period
        self.sites = list(sites)
        self.config = config
        self.overrides = overrides
        """The calendar overrides in force: the days they open or close count as the calendar says them."""
        self.venues: dict[str, list[str]] = {}
        """Each outreach site's venues in the period (outreach events with a venue): its row is named by them."""
        self.tz = ZoneInfo(config.timezone)
        self.until = min(period.last, today)
        self.totals = _Group()
        self.by_day = _Groups()
        self.by_month = _Groups()
        self.by_site = _Groups()
        self.by_site_day = _Groups()
        """One group per site and date (``site/date``): the day, month, site and total rows are merged from them."""
        self.priority = self.recalls = self.transferred = 0
        self.channels = dict.fromkeys(model.CHANNELS, 0)
        self.by_service = _Groups()
        self.by_hour: _Groups[int] = _Groups()
        self.by_counter = _Groups()
        self.counter_labels: dict[str, str] = {}
        self.counter_sites: dict[str, str] = {}
        self.by_operator = _Groups()
        self.reservations = model.Reservations()
        self.tallies: dict[str, dict[str, int]] = {"phone": {}, "guide": {}}
        self.day_tallies: dict[str, dict[str, int]] = {}
        self.days_with_data: dict[str, set[str]] = {}
        self.open_hours: set[int] = set()
        self.longest: list[tuple[float, int, model.LongWait]] = []
        self._seq = itertools.count()

    def add_day(self, day: DayData) -> None:
        a = day.archive
        if a.site not in self.sites or not self.period.first.isoformat() <= a.business_date <= self.until.isoformat():
            return
        date = dt.date.fromisoformat(a.business_date)
        midnight = int(dt.datetime.combine(date, dt.time(), self.tz).timestamp() * 1000)
        self._tickets(a, self.by_site_day[f"{a.site}/{a.business_date}"], midnight)
        self._reservations(a)
        self._tallies(a.business_date, day.tallies)
        if a.tickets or any(day.tallies.values()):
            self.days_with_data.setdefault(a.business_date, set()).add(a.site)

    def _tickets(self, a: DayArchive, day_group: _Group, midnight: int) -> None:
        # the hot loop of a fiscal year's report (~150,000 tickets with every site): flat on purpose, every
        # lookup bound to a local, no call for what a line can do
        bucket_of = BUCKET_OF_STATUS.get
        by_service, by_hour, by_counter, by_operator = self.by_service, self.by_hour, self.by_counter, self.by_operator
        channels, longest = self.channels, self.longest
        for t in a.tickets:
            bucket = bucket_of(t.status, "open")
            issued, first = t.issued_at_ms, t.first_called_at_ms
            wait = (first - issued) / MS_PER_MIN if issued and first and first >= issued else None
            svc = by_service[t.service]
            hour = by_hour[(issued - midnight) // MS_PER_HOUR]
            hour.issued += 1
            if wait is not None:
                hour.waits.append(wait)
            if first:
                by_hour[(first - midnight) // MS_PER_HOUR].called += 1
            outcome: str | None = None
            service: float | None = None
            if bucket == "served":
                outcome = t.outcome or "other"
                begun, finished = t.serving_at_ms, t.finished_at_ms
                if begun and finished and finished >= begun:
                    service = (finished - begun) / MS_PER_MIN
                    by_hour[(begun - midnight) // MS_PER_HOUR].services.append(service)
                if finished:
                    by_hour[(finished - midnight) // MS_PER_HOUR].served_at += 1
                if t.operator:
                    by_operator[t.operator].add(bucket, None, None, service)
            day_group.add(bucket, outcome, wait, service)
            svc.add(bucket, outcome, wait, service)
            if t.priority:
                self.priority += 1
            if t.recall_count:
                self.recalls += t.recall_count
            if t.channel in channels:
                channels[t.channel] += 1
            if t.transfers:
                self.transferred += 1
                moved_from = t.transfers[0].from_service
                if moved_from != t.service:
                    svc.xfer_in += 1
                    by_service[moved_from].xfer_out += 1
            if t.counter:
                counter = by_counter[t.counter]
                if not counter.issued:
                    self.counter_sites[t.counter] = a.site
                    self.counter_labels[t.counter] = t.counter_label
                counter.add(bucket, None, wait, service)
            if wait is not None and (len(longest) < LONGEST_WAITS or wait > longest[0][0]):
                self._longest(t, a, wait, midnight)

    def _longest(self, t: TicketRecord, a: DayArchive, wait: float, midnight: int) -> None:
        entry = model.LongWait(
            date=a.business_date,
            site=a.site,
            number=t.number,
            service=t.service,
            name=self._service_name(t.service),
            channel=t.channel,
            issued_at=_hhmm(t.issued_at_ms, midnight),
            called_at=_hhmm(t.first_called_at_ms, midnight),
            wait_min=round(wait, 1),
            counter=self._counter_label(t),
        )
        item = (wait, -next(self._seq), entry)  # equal waits: the earlier ticket stays
        if len(self.longest) < LONGEST_WAITS:
            heapq.heappush(self.longest, item)
        elif item > self.longest[0]:
            heapq.heapreplace(self.longest, item)

    def _counter_label(self, t: TicketRecord) -> str:
        found = self.config.counter(t.counter) if t.counter else None
        return found[1].label if found else t.counter_label or t.counter

    def _reservations(self, a: DayArchive) -> None:
        r = self.reservations
        for resv in a.reservations:
            r.booked += 1
            if resv.status == "checked_in":
                r.checked_in += 1
            elif resv.status == "no_show":
                r.no_show += 1
            elif resv.status == "cancelled":
                r.cancelled += 1
            else:
                r.pending += 1

    def _tallies(self, business_date: str, tallies: Mapping[str, Mapping[str, int]]) -> None:
        per_day = self.day_tallies.setdefault(business_date, {"phone": 0, "guide": 0})
        for kind in ("phone", "guide"):
            for topic, n in (tallies.get(kind) or {}).items():
                self.tallies[kind][topic] = self.tallies[kind].get(topic, 0) + int(n)
                per_day[kind] += int(n)

    # ---- the report ----------------------------------------------------------------------------

    def _service_name(self, service_id: str) -> str:
        service = self.config.service(service_id)
        return service.name if service else service_id

    def _openings(self, day: dt.date) -> dict[str, str]:
        """The opening kind of each site in scope that opened on ``day`` (its hours kept for ``by_hour``)."""
        out: dict[str, str] = {}
        for site in self.sites:
            opening = resolve_opening(self.config, site, day, self.overrides)
            if opening.is_open:
                out[site] = opening.kind
                if opening.venue and opening.venue not in self.venues.setdefault(site, []):
                    self.venues[site].append(opening.venue)
                if opening.opens_at and opening.closes_at:
                    last = (dt.datetime.combine(dt.date.min, opening.closes_at) - dt.timedelta(minutes=1)).hour
                    self.open_hours.update(range(opening.opens_at.hour, last + 1))
        return out

    def report(
        self, incidents: Iterable[Incident], names: Mapping[str, str], generated_at: dt.datetime
    ) -> model.Report:
        period = self.period
        openings = {d.isoformat(): self._openings(d) for d in period.dates(self.until)}
        for day, sites in self.days_with_data.items():
            for site in sites:
                openings.setdefault(day, {}).setdefault(site, "closed")
        self._merge()
        site_id = self.sites[0] if len(self.sites) == 1 else ALL_SITES
        one = self.config.site(site_id)
        return model.Report(
            kind=period.kind,
            site=site_id,
            from_=period.first.isoformat(),
            to=period.last.isoformat(),
            title=period.title,
            city=self.config.name,
            site_name=self._place(one) if one else "全拠点",
            sites=self.sites,
            data_until=self.until.isoformat(),
            fiscal_year=period.fiscal_year,
            generated_at=generated_at.isoformat(timespec="seconds"),
            totals=self._totals(),
            by_service=self._service_rows(),
            by_channel=model.Channels(**self.channels),
            by_hour=self._hour_rows(),
            by_counter=self._counter_rows(),
            by_operator=self._operator_rows(names),
            by_site=self._site_rows(openings),
            reservations=self.reservations,
            phone_inquiries=self._tally("phone"),
            guide_tallies=self._tally("guide"),
            tally_topics=[model.Topic(id=t.id, name=t.name) for t in self.config.office.tally_topics],
            incidents=self._incident_rows(incidents),
            longest_waits=[entry for *_, entry in sorted(self.longest, reverse=True)],
            days=self._day_rows(openings) if period.kind == "monthly" else [],
            months=self._month_rows(openings) if period.kind == "annual" else [],
        )

    def _merge(self) -> None:
        """The day, month, site and total groups from the groups of each site and date."""
        by: dict[str, dict[str, list[_Group]]] = {"day": {}, "month": {}, "site": {}}
        for key, group in self.by_site_day.items():
            site, _, day = key.partition("/")
            by["day"].setdefault(day, []).append(group)
            by["month"].setdefault(day[:7], []).append(group)
            by["site"].setdefault(site, []).append(group)
        self.totals = _Group.merged(self.by_site_day.values())
        self.by_day = _Groups({k: _Group.merged(v) for k, v in by["day"].items()})
        self.by_month = _Groups({k: _Group.merged(v) for k, v in by["month"].items()})
        self.by_site = _Groups({k: _Group.merged(v) for k, v in by["site"].items()})

    def _totals(self) -> model.Totals:
        return model.Totals(
            **self.totals.counts(),
            priority=self.priority,
            recalls=self.recalls,
            transferred=self.transferred,
            outcomes=self.totals.outcome_counts(),
        )

    def _service_rows(self) -> list[model.ServiceRow]:
        offered = [s for site in self.sites for s in self._site_services(site)]
        order = [s.id for s in self.config.services if s.id in offered or s.id in self.by_service]
        order += sorted(set(self.by_service) - set(order))
        return [
            model.ServiceRow(
                service=sid,
                name=self._service_name(sid),
                **self.by_service[sid].counts(),
                outcomes=self.by_service[sid].outcome_counts(),
                transferred_in=self.by_service[sid].xfer_in,
                transferred_out=self.by_service[sid].xfer_out,
            )
            for sid in order
        ]

    def _site_services(self, site_id: str) -> tuple[str, ...]:
        site = self.config.site(site_id)
        return site.services if site else ()

    def _hour_rows(self) -> list[model.HourRow]:
        """Every hour the sites were open, and any other hour something happened."""
        hours = set(self.by_hour) | self.open_hours
        if not hours:
            return []
        empty = _Group()
        rows = []
        for hour in range(min(hours), max(hours) + 1):
            g = self.by_hour.get(hour, empty)
            rows.append(model.HourRow(hour=hour, issued=g.issued, called=g.called, served=g.served_at, **g.timing()))
        return rows

    def _counter_rows(self) -> list[model.CounterRow]:
        order = [c.id for s in self.sites for c in self._counters(s) if c.id in self.by_counter]
        order += sorted(set(self.by_counter) - set(order))
        rows = []
        for cid in order:
            found = self.config.counter(cid)
            label = found[1].label if found else self.counter_labels.get(cid) or cid
            site = found[0].id if found else self.counter_sites.get(cid, "")
            g = self.by_counter[cid]
            rows.append(
                model.CounterRow(counter=cid, label=label, site=site, served=g.buckets.get("served", 0), **g.timing())
            )
        return rows

    def _counters(self, site_id: str) -> tuple[Counter, ...]:
        site = self.config.site(site_id)
        return site.counters if site else ()

    def _operator_rows(self, names: Mapping[str, str]) -> list[model.OperatorRow]:
        return [
            model.OperatorRow(login=login, name=names.get(login, login), served=g.issued, **g.timing(waits=False))
            for login, g in sorted(self.by_operator.items())
        ]

    def _site_rows(self, openings: Mapping[str, Mapping[str, str]]) -> list[model.SiteRow]:
        if len(self.sites) < 2:
            return []
        rows = []
        for site_id in self.sites:
            site = self.config.site(site_id)
            days_open = sum(1 for sites in openings.values() if site_id in sites)
            if site is None or (site.kind == "outreach" and not days_open and site_id not in self.by_site):
                continue
            rows.append(
                model.SiteRow(
                    site=site_id,
                    name=self._place(site),
                    kind=site.kind,
                    days_open=days_open,
                    **self.by_site[site_id].counts(),
                )
            )
        return rows

    def _place(self, site: Site) -> str:
        """An outreach site by its venues of the period (「出張申請会場：イオンモール福津」), else by its name."""
        return place_name(site, "、".join(self.venues.get(site.id, ())))

    def _tally(self, kind: str) -> model.Tallies:
        topics = [t.id for t in self.config.office.tally_topics]
        counted = self.tallies[kind]
        by_topic = {t: counted.get(t, 0) for t in topics} | {t: n for t, n in counted.items() if t not in topics}
        return model.Tallies(total=sum(by_topic.values()), by_topic=by_topic)

    def _incident_rows(self, incidents: Iterable[Incident]) -> list[model.IncidentRow]:
        first, last = self.period.first, self.period.last
        rows = []
        for inc in incidents:
            at = inc.occurred_at.astimezone(self.tz) if inc.occurred_at.tzinfo else inc.occurred_at
            if inc.site in self.sites and first <= at.date() <= last:
                rows.append(
                    model.IncidentRow(
                        id=inc.id,
                        site=inc.site,
                        at=at.isoformat(timespec="minutes"),
                        category=inc.category,
                        title=inc.title,
                        status=inc.status,
                    )
                )
        return sorted(rows, key=lambda r: (r.at, r.id))

    def _day_rows(self, openings: Mapping[str, Mapping[str, str]]) -> list[model.DayRow]:
        rows = []
        for day, sites in sorted(openings.items()):
            if not sites:
                continue
            tallies = self.day_tallies.get(day, {})
            rows.append(
                model.DayRow(
                    date=day,
                    weekday=WEEKDAYS_JA[dt.date.fromisoformat(day).weekday()],
                    openings=sorted(set(sites.values())),
                    **self.by_day[day].counts(),
                    phone=tallies.get("phone", 0),
                    guide=tallies.get("guide", 0),
                )
            )
        return rows

    def _month_rows(self, openings: Mapping[str, Mapping[str, str]]) -> list[model.MonthRow]:
        rows = []
        first = self.period.first
        for n in range(12):
            year, month = first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1
            ym = f"{year:04d}-{month:02d}"
            days = [d for d, sites in openings.items() if d.startswith(ym) and sites]
            rows.append(
                model.MonthRow(
                    month=ym,
                    label=wareki_month(year, month),
                    days_open=len(days),
                    **self.by_month[ym].counts(),
                    phone=sum(self.day_tallies.get(d, {}).get("phone", 0) for d in days),
                    guide=sum(self.day_tallies.get(d, {}).get("guide", 0) for d in days),
                )
            )
        return rows


def build_report(
    period: Period,
    sites: Sequence[str],
    days: Iterable[DayData],
    *,
    config: Config,
    today: dt.date,
    generated_at: dt.datetime,
    incidents: Iterable[Incident] = (),
    names: Mapping[str, str] | None = None,
) -> model.Report:
    """The report of ``period`` over ``sites`` (one site, or every site of ``site=all``) from the days' records.

    ``days`` may be a generator: each day is folded in and dropped, so a fiscal year of tickets is never held
    at once. Days outside the period, after ``today`` or of other sites are skipped. ``names`` maps staff
    logins to display names for ``by_operator``."""
    builder = ReportBuilder(period, sites, config, today)
    for day in days:
        builder.add_day(day)
    return builder.report(incidents, names or {}, generated_at)
