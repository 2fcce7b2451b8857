"""The report as typed structs: they encode to exactly the JSON of DESIGN §10, with more fields where the
statistics need them (median, 90th percentile, open tickets, longest waits, rows per site).

Times are minutes with one decimal; ``None`` where nothing was measured (no ticket called, none served).
Every table row has the same timing fields (``Timing``) so the CSV, XLSX and HTML write them alike.
"""

from __future__ import annotations

import msgspec

KINDS = ("daily", "monthly", "annual")
OUTCOMES = ("completed", "missing_documents", "referred_to_city", "guidance_only", "other")
CHANNELS = ("walk_in", "guide", "reservation")


class Timing(msgspec.Struct, kw_only=True):
    """Waits (issue or check-in to the first call) and service times (start to finish) of a group of tickets."""

    wait_avg_min: float | None = None
    wait_median_min: float | None = None
    wait_p90_min: float | None = None
    wait_max_min: float | None = None
    service_avg_min: float | None = None
    service_median_min: float | None = None
    service_p90_min: float | None = None
    service_max_min: float | None = None


class Counts(Timing, kw_only=True):
    """How the tickets of a group ended. For a closed day issued = served + no_show + cancelled + unserved;
    ``open`` counts the tickets still waiting, called or being served on a day not closed yet (today)."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    unserved: int = 0
    open: int = 0


class Outcomes(msgspec.Struct, kw_only=True):
    completed: int = 0
    missing_documents: int = 0
    referred_to_city: int = 0
    guidance_only: int = 0
    other: int = 0


class Totals(Counts, kw_only=True):
    priority: int = 0
    """Tickets issued with priority (優先: the guide's judgement)."""
    recalls: int = 0
    """Recalls (呼び直し) of all tickets."""
    transferred: int = 0
    """Tickets moved to another service at least once (each counted once)."""
    outcomes: Outcomes = msgspec.field(default_factory=Outcomes)


class ServiceRow(Counts, kw_only=True):
    service: str
    name: str
    outcomes: Outcomes = msgspec.field(default_factory=Outcomes)
    transferred_in: int = 0
    """Tickets that ended in this service after a transfer from another (counted here, not there)."""
    transferred_out: int = 0
    """Tickets issued for this service that another service finished."""


class Channels(msgspec.Struct, kw_only=True):
    walk_in: int = 0
    guide: int = 0
    reservation: int = 0


class HourRow(Timing, kw_only=True):
    hour: int
    """Hour of the day (local time): tickets issued from hour:00 to hour:59; waits by the hour of issue."""
    issued: int = 0
    called: int = 0
    """First calls in that hour."""
    served: int = 0
    """Tickets finished in that hour."""


class CounterRow(Timing, kw_only=True):
    counter: str
    label: str
    site: str
    served: int = 0


class OperatorRow(Timing, kw_only=True):
    login: str
    name: str
    served: int = 0


class SiteRow(Counts, kw_only=True):
    """One site of a ``site=all`` report; an outreach venue is a row of its own under its name."""

    site: str
    name: str
    kind: str
    """``office`` or ``outreach``."""
    days_open: int = 0


class DayRow(Counts, kw_only=True):
    date: str
    weekday: str
    """月 火 水 木 金 土 日."""
    openings: list[str] = msgspec.field(default_factory=list)
    """What opened that day (calendar kinds: weekday, sunday, outreach; closed when it had tickets anyway)."""
    phone: int = 0
    guide: int = 0


class MonthRow(Counts, kw_only=True):
    month: str
    """YYYY-MM; April first (the fiscal year)."""
    label: str
    """和暦, e.g. 令和8年4月."""
    days_open: int = 0
    phone: int = 0
    guide: int = 0


class Reservations(msgspec.Struct, kw_only=True):
    booked: int = 0
    """Reservations made for the dates of the period, whatever became of them (cancelled ones too)."""
    checked_in: int = 0
    no_show: int = 0
    cancelled: int = 0
    pending: int = 0
    """Still booked: the slot has not come yet, or the day is not closed."""


class Tallies(msgspec.Struct, kw_only=True):
    total: int = 0
    by_topic: dict[str, int] = msgspec.field(default_factory=dict)


class Topic(msgspec.Struct, kw_only=True):
    id: str
    name: str


class IncidentRow(msgspec.Struct, kw_only=True):
    id: str
    site: str
    at: str
    """ISO time it occurred."""
    category: str
    title: str
    status: str


class LongWait(msgspec.Struct, kw_only=True):
    date: str
    site: str
    number: str
    service: str
    name: str
    channel: str
    issued_at: str
    """HH:MM (local time)."""
    called_at: str
    wait_min: float
    counter: str
    """Label of the counter that called it first (or finished it)."""


class Report(msgspec.Struct, kw_only=True):
    kind: str
    site: str
    """A site id, or ``all``."""
    from_: str = msgspec.field(name="from")
    to: str
    title: str
    """和暦: 令和8年11月24日 日報, 令和8年11月分 月報, 令和8年度 年報."""
    city: str
    """The operator's name from the config (``name``), printed on top."""
    site_name: str
    sites: list[str]
    """The site ids the report covers."""
    data_until: str
    """The last date whose records are included (today for a period not over yet)."""
    fiscal_year: int
    generated_at: str
    totals: Totals
    by_service: list[ServiceRow]
    by_channel: Channels
    by_hour: list[HourRow]
    by_counter: list[CounterRow]
    by_operator: list[OperatorRow]
    by_site: list[SiteRow]
    reservations: Reservations
    phone_inquiries: Tallies
    guide_tallies: Tallies
    """Visitors the general guide only directed (案内のみ), by topic."""
    tally_topics: list[Topic]
    incidents: list[IncidentRow]
    longest_waits: list[LongWait]
    days: list[DayRow]
    months: list[MonthRow]
