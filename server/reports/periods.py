"""The period a report covers, its 和暦 title, and when it is due (contract §16).

- 日報 (daily): one business date; due by the next business day.
- 月報 (monthly): a calendar month; due by the 10th of the next month, March's by March 31 (the fiscal
  year's books close with it).
- 年報 (annual): a fiscal year, April to March; due by April 20 after it.

A business day here is a day the city's offices open as on any weekday (no weekend, national holiday,
year-end closure or closure of every office): the day someone at the city receives a report. Pure.
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import msgspec

from server.calendar import NO_OVERRIDES, Overrides, fiscal_year, fiscal_year_bounds, resolve_opening
from server.config import Config
from server.queue.errors import DomainError
from server.reports.wareki import wareki_date, wareki_fiscal_year, wareki_month

Kind = Literal["daily", "monthly", "annual"]
KIND_JA: dict[str, str] = {"daily": "日報", "monthly": "月報", "annual": "年報"}
MONTHLY_DUE_DAY = 10
ANNUAL_DUE = (4, 20)
FIRST_YEAR, LAST_YEAR = 2000, 2200
"""Years a report may cover (the era table and the calendar are sure there)."""
BUSINESS_DAY_LOOKAHEAD = 40
"""The longest run of days without a business day (the year-end closure with a long weekend) is far shorter."""


@dataclass(frozen=True, slots=True)
class Period:
    kind: Kind
    first: dt.date
    last: dt.date

    @classmethod
    def daily(cls, day: dt.date) -> Period:
        return cls("daily", day, day)

    @classmethod
    def monthly(cls, year: int, month: int) -> Period:
        return cls("monthly", dt.date(year, month, 1), dt.date(year, month, pycal.monthrange(year, month)[1]))

    @classmethod
    def annual(cls, year: int) -> Period:
        first, last = fiscal_year_bounds(year)
        return cls("annual", first, last)

    @property
    def fiscal_year(self) -> int:
        return fiscal_year(self.first)

    @property
    def title(self) -> str:
        """令和8年11月24日 日報, 令和8年11月分 月報, 令和8年度 年報."""
        if self.kind == "daily":
            return f"{wareki_date(self.first)} 日報"
        if self.kind == "monthly":
            return f"{wareki_month(self.first.year, self.first.month)}分 月報"
        return f"{wareki_fiscal_year(self.fiscal_year)} 年報"

    @property
    def label(self) -> str:
        """How the API names the period: 2026-11-24, 2026-11, 2026."""
        if self.kind == "daily":
            return self.first.isoformat()
        if self.kind == "monthly":
            return self.first.isoformat()[:7]
        return str(self.fiscal_year)

    def dates(self, until: dt.date | None = None) -> list[dt.date]:
        """Every date of the period up to ``until`` (included) when given."""
        last = min(self.last, until) if until is not None else self.last
        return [self.first + dt.timedelta(days=n) for n in range((last - self.first).days + 1)]


class BadPeriod(DomainError):
    code = "validation_error"
    status_code = 400


MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def month_period(text: str) -> Period:
    """``YYYY-MM`` as a monthly period; 400 for another text or a year out of range (year 0 has no date)."""
    if not re.fullmatch(MONTH_PATTERN, text) or not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
        raise BadPeriod(f"month must be YYYY-MM between {FIRST_YEAR} and {LAST_YEAR}, not {text!r}")
    return Period.monthly(int(text[:4]), int(text[5:]))


def check_period(period: Period, today: dt.date) -> None:
    """400 ``validation_error`` for a period out of range or not begun yet (a future day has nothing to say)."""
    if not FIRST_YEAR <= period.first.year <= LAST_YEAR:
        raise BadPeriod(f"reports cover {FIRST_YEAR} to {LAST_YEAR}")
    if period.first > today:
        raise BadPeriod(f"the period {period.label} has not begun yet (today is {today.isoformat()})")


def is_business_day(config: Config, day: dt.date, overrides: Overrides = NO_OVERRIDES) -> bool:
    """Whether some office (a site of kind ``office``) opens on ``day`` as on a weekday (a closure override makes
    it no business day; an extra opening does not make one, as a Sunday opening does not)."""
    return any(
        resolve_opening(config, s.id, day, overrides).kind == "weekday" for s in config.sites if s.kind == "office"
    )


def next_business_day(config: Config, day: dt.date, overrides: Overrides = NO_OVERRIDES) -> dt.date:
    """The first business day after ``day``."""
    for n in range(1, BUSINESS_DAY_LOOKAHEAD + 1):
        later = day + dt.timedelta(days=n)
        if is_business_day(config, later, overrides):
            return later
    return day + dt.timedelta(days=1)  # a config closing every office for weeks: the next day, not nothing


def due_date(config: Config, period: Period, overrides: Overrides = NO_OVERRIDES) -> dt.date:
    """When the report of ``period`` must be handed in."""
    if period.kind == "daily":
        return next_business_day(config, period.first, overrides)
    if period.kind == "monthly":
        if period.first.month == 3:
            return period.last
        nxt = period.last + dt.timedelta(days=1)
        return nxt.replace(day=MONTHLY_DUE_DAY)
    return dt.date(period.fiscal_year + 1, *ANNUAL_DUE)


class DueReport(msgspec.Struct, kw_only=True):
    kind: str
    kind_ja: str
    site: str
    site_name: str
    period: str
    """The API's parameter: the date, YYYY-MM or the fiscal year."""
    title: str
    due: str
    state: Literal["in_progress", "due", "due_today"]
    """``in_progress``: the period is not over yet; ``due``: over, the deadline ahead; ``due_today``."""
    days_left: int
    url: str
    """The report (JSON; add ``format=html`` for the printable one)."""


def _open_dates(config: Config, site: str, first: dt.date, last: dt.date, overrides: Overrides) -> list[dt.date]:
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if resolve_opening(config, site, d, overrides).is_open]


def _daily_candidates(config: Config, today: dt.date, overrides: Overrides) -> list[dt.date]:
    """Dates whose 日報 may still be due: back to the business day before the last business day before today."""
    start = today
    for _ in range(2):
        start -= dt.timedelta(days=1)
        while not is_business_day(config, start, overrides) and (today - start).days < BUSINESS_DAY_LOOKAHEAD:
            start -= dt.timedelta(days=1)
    return [start + dt.timedelta(days=n) for n in range((today - start).days + 1)]


def due_reports(
    config: Config, sites: list[str], today: dt.date, overrides: Overrides = NO_OVERRIDES
) -> list[DueReport]:
    """The reports of ``sites`` due now or soon: each whose period has begun and whose deadline is today or
    later, by deadline. A daily report is listed for a site that opened that day (an outreach venue on its
    event days only); monthly and annual reports for every office and for a venue open in the period. The
    calendar overrides count: an outreach event added in the store has its 日報, a closed weekday is no
    business day for the deadlines."""
    periods: list[Period] = [Period.daily(d) for d in _daily_candidates(config, today, overrides)]
    prev_month = today.replace(day=1) - dt.timedelta(days=1)
    periods += [Period.monthly(prev_month.year, prev_month.month), Period.monthly(today.year, today.month)]
    periods += [Period.annual(fiscal_year(today) - 1), Period.annual(fiscal_year(today))]
    out: list[DueReport] = []
    for period in periods:
        due = due_date(config, period, overrides)
        if due < today or period.first > today:
            continue
        for site_id in sites:
            site = config.site(site_id)
            if site is None:
                continue
            needs_opening = period.kind == "daily" or site.kind == "outreach"
            if needs_opening and not _open_dates(config, site_id, period.first, min(period.last, today), overrides):
                continue
            state: Literal["in_progress", "due", "due_today"] = (
                "due_today" if due == today else "in_progress" if period.last >= today else "due"
            )
            param = {"daily": "date", "monthly": "month", "annual": "fiscal_year"}[period.kind]
            out.append(
                DueReport(
                    kind=period.kind,
                    kind_ja=KIND_JA[period.kind],
                    site=site_id,
                    site_name=site.name,
                    period=period.label,
                    title=period.title,
                    due=due.isoformat(),
                    state=state,
                    days_left=(due - today).days,
                    url=f"/api/v1/reports/{period.kind}?site={site_id}&{param}={period.label}",
                )
            )
    out.sort(key=lambda r: (r.due, ("daily", "monthly", "annual").index(r.kind), r.site, r.period))
    return out
