"""The reports page (``/reports``): 日報・月報・年報 on screen for managers and admins.

Pick the kind, the site (or all of the caller's sites: a manager limited to Tsuyazaki sees Tsuyazaki only) and
the date, month or fiscal year; the page shows the report's figures, its charts and its tables, links to the
CSV, the XLSX and the printable HTML of the same report (the API's routes), and what is due when (its script
reads ``/api/v1/reports/due``).

The page is rendered here, from the same ``Report`` and the same tables and SVG charts as the printed report
(``tables.py``, ``formats.report_charts``): one code for each figure, nothing recomputed in the browser. Its
choices are the query (``kind``, ``site``, ``date`` | ``month`` | ``fiscal_year``, as the API's), so a report
on screen has an address to bookmark or send. A choice that is not valid (a future date, a site not theirs)
answers the page with the reason and a 4xx status, and no report.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Template
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from server.api.reports import report_sites
from server.auth.guards import MANAGERS, principal
from server.auth.principals import Staff
from server.calendar import fiscal_year
from server.queue.errors import DomainError
from server.reports import model
from server.reports.compute import ALL_SITES
from server.reports.formats import report_charts
from server.reports.periods import (
    FIRST_YEAR,
    KIND_JA,
    LAST_YEAR,
    BadPeriod,
    Kind,
    Period,
    check_period,
    month_period,
)
from server.reports.source import make_report
from server.reports.tables import Table, cell_text, tables
from server.reports.wareki import wareki_date, wareki_fiscal_year, wareki_month
from server.runtime import Runtime
from server.web.pages import PageRefused, page, page_guard, refused, runtime, static_router

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

reporters = page_guard(*MANAGERS, refusals={401: "reports/login.html", 403: "reports/login.html"}, site_from=None)
REFUSED: ExceptionHandlersMap = {PageRefused: refused}

KINDS: tuple[Kind, ...] = ("daily", "monthly", "annual")
PARAMS: dict[str, str] = {"daily": "date", "monthly": "month", "annual": "fiscal_year"}
"""The query parameter of each kind's period, as the API names it."""
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
YEAR_PATTERN = re.compile(r"[0-9]{4}")
SUMMARY_HEAD = 5
"""Rows of the summary table the page's heading already says (title, city, site, period, data until)."""


@dataclass(frozen=True, slots=True)
class Choice:
    """What the page shows: a kind, a site id or ``all``, and a period of each kind (the form keeps all three,
    the kind says which one counts)."""

    kind: Kind
    site: str
    day: dt.date
    month: dt.date
    """The first day of the month."""
    fiscal_year: int

    @property
    def period(self) -> Period:
        if self.kind == "daily":
            return Period.daily(self.day)
        if self.kind == "monthly":
            return Period.monthly(self.month.year, self.month.month)
        return Period.annual(self.fiscal_year)

    def query(self, fmt: str | None = None) -> str:
        """``kind=…&site=…&date=…``: the page's own query, or the API's (``format``) for this report."""
        params = {"site": self.site, PARAMS[self.kind]: self.period.label}
        if fmt is None:
            return urlencode({"kind": self.kind, **params})
        return urlencode({**params, "format": fmt})

    def step(self, by: int) -> Choice:
        """The previous (-1) or next (+1) day, month or fiscal year."""
        if self.kind == "daily":
            return replace(self, day=self.day + dt.timedelta(days=by))
        if self.kind == "monthly":
            index = self.month.year * 12 + self.month.month - 1 + by
            return replace(self, month=dt.date(index // 12, index % 12 + 1, 1))
        return replace(self, fiscal_year=self.fiscal_year + by)


def _within(year: int, what: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadPeriod(f"{what} must be between {FIRST_YEAR} and {LAST_YEAR}")


def _day(text: str) -> dt.date:
    if not DATE_PATTERN.fullmatch(text):
        raise BadPeriod(f"date must be YYYY-MM-DD, not {text[:40]!r}")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadPeriod(f"there is no date {text!r}") from None
    _within(day.year, "the date")
    return day


def _fiscal_year(text: str) -> int:
    if not YEAR_PATTERN.fullmatch(text):
        raise BadPeriod(f"fiscal_year must be a year such as 2026, not {text[:40]!r}")
    _within(int(text), "the fiscal year")
    return int(text)


def _month(text: str) -> dt.date:
    return month_period(text).first


def _parsed(query: Mapping[str, str], param: str, parse: Callable[[str], T], default: T, problems: list[str]) -> T:
    """``query[param]`` parsed; ``default`` when it is not there, or not valid (the reason added to ``problems``)."""
    text = query.get(param)
    if text is None:
        return default
    try:
        return parse(text)
    except BadPeriod as exc:
        problems.append(exc.detail)
        return default


def choose(query: Mapping[str, str], today: dt.date) -> tuple[Choice, list[str]]:
    """The page's choice from its query; every part not given (or not valid: its reason in the list) is today's."""
    problems: list[str] = []
    kind_text = query.get("kind", "daily")
    kind: Kind = next((k for k in KINDS if k == kind_text), "daily")
    if kind != kind_text:
        problems.append(f"kind must be daily, monthly or annual, not {kind_text[:40]!r}")
    choice = Choice(
        kind=kind,
        site=query.get("site") or ALL_SITES,
        day=_parsed(query, "date", _day, today, problems),
        month=_parsed(query, "month", _month, today.replace(day=1), problems),
        fiscal_year=_parsed(query, "fiscal_year", _fiscal_year, fiscal_year(today), problems),
    )
    return choice, problems


# ---- the form's options ----------------------------------------------------------------------------------


def site_options(rt: Runtime, who: Staff) -> list[dict[str, str]]:
    """``all`` (the caller's sites) first, then each site the caller may report on."""
    mine = [s for s in rt.config.sites if who.may_use_site(s.id)]
    return [{"id": ALL_SITES, "name": "", "name_en": ""}] + [
        {"id": s.id, "name": s.name, "name_en": s.name_en} for s in mine
    ]


def first_kept_day(rt: Runtime, today: dt.date) -> dt.date:
    """The first day the archive still keeps (``[retention] archive_fiscal_years``): where the pickers start."""
    year = max(fiscal_year(today) - rt.config.retention.archive_fiscal_years, FIRST_YEAR)
    return dt.date(year, 4, 1)


def month_options(first: dt.date, today: dt.date, chosen: dt.date) -> list[dict[str, str]]:
    """Every month from ``first`` to this one, newest first, each with its 和暦; the chosen one even if older."""
    months: list[dt.date] = []
    month = today.replace(day=1)
    while month >= first.replace(day=1):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    if chosen not in months:
        months.append(chosen)
    return [
        {"value": m.isoformat()[:7], "label": f"{m.year}年{m.month}月", "wareki": wareki_month(m.year, m.month)}
        for m in months
    ]


def year_options(first: dt.date, today: dt.date, chosen: int) -> list[dict[str, str]]:
    years = list(range(fiscal_year(today), fiscal_year(first) - 1, -1))
    if chosen not in years:
        years.append(chosen)
    return [{"value": str(y), "label": f"{y}年度", "wareki": wareki_fiscal_year(y)} for y in years]


# ---- the page ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shown:
    """A report as the page shows it."""

    report: model.Report
    details: list[list[Any]]
    """The summary table's rows after the heading's (the figures' labels and values)."""
    figures: list[tuple[str, str, str, str]]
    """The figures on top: (key, Japanese label, value, unit)."""
    tables: list[Table]
    charts: list[tuple[str, Any]]
    downloads: dict[str, str]
    """Format → the API's address of this report."""


def figures(r: model.Report) -> list[tuple[str, str, str, str]]:
    """What a manager looks at first; the whole summary follows in the table below them."""
    t = r.totals

    def minutes(value: float | None) -> str:
        return cell_text(value, "min")

    return [
        ("issued", "発券数", str(t.issued), "件"),
        ("served", "対応済", str(t.served), "件"),
        ("no_show", "不在", str(t.no_show), "件"),
        ("cancelled", "取消", str(t.cancelled), "件"),
        ("unserved", "未対応・対応中", f"{t.unserved}・{t.open}", "件"),
        ("priority", "優先発券", str(t.priority), "件"),
        ("wait_avg", "待ち時間 平均", minutes(t.wait_avg_min), "分"),
        ("wait_median", "待ち時間 中央値", minutes(t.wait_median_min), "分"),
        ("wait_p90", "待ち時間 90%", minutes(t.wait_p90_min), "分"),
        ("wait_max", "待ち時間 最大", minutes(t.wait_max_min), "分"),
        ("service_avg", "対応時間 平均", minutes(t.service_avg_min), "分"),
        ("tallies", "電話・案内のみ", f"{r.phone_inquiries.total}・{r.guide_tallies.total}", "件"),
    ]


def shown(report: model.Report, choice: Choice, site_names: dict[str, str]) -> Shown:
    summary, *rest = tables(report, site_names)
    api = f"/api/v1/reports/{choice.kind}?"
    return Shown(
        report=report,
        details=summary.rows[SUMMARY_HEAD:],
        figures=figures(report),
        tables=rest,
        charts=report_charts(report),
        downloads={fmt: api + choice.query(fmt) for fmt in ("csv", "xlsx", "html")},
    )


def steps(choice: Choice, first: dt.date, today: dt.date) -> dict[str, str | None]:
    """The addresses of the previous and next period (None past today or before the archive's first day)."""
    out: dict[str, str | None] = {}
    for name, by in (("previous", -1), ("next", 1)):
        other = choice.step(by)
        period = other.period
        out[name] = f"/reports?{other.query()}" if period.first <= today and period.last >= first else None
    return out


def boot_data(rt: Runtime, who: Staff, choice: Choice) -> str:
    """What the page's script needs: the sites' names in both languages and which report is on screen."""
    sites = {s.id: {"ja": s.name, "en": s.name_en} for s in rt.config.sites if who.may_use_site(s.id)}
    return json.dumps(
        {"sites": sites, "kind": choice.kind, "site": choice.site, "period": choice.period.label},
        ensure_ascii=False,
    )


@get("/reports", guards=[reporters], exception_handlers=REFUSED, include_in_schema=False)
async def reports_page(request: Request[Any, Any, Any]) -> Template:
    who = principal(request)
    assert isinstance(who, Staff)  # the guard admits staff only
    rt = runtime(request)
    today = rt.store.business_date()
    choice, problems = choose({k: v for k, v in request.query_params.items()}, today)
    status, report = 200, None
    try:
        if problems:
            raise BadPeriod("; ".join(problems))
        sites = report_sites(request, choice.site)
        check_period(choice.period, today)
        made = await make_report(rt.store, request.app.state.get("office"), rt.accounts, choice.period, sites)
        report = shown(made, choice, {s.id: s.name for s in rt.config.sites})
    except DomainError as exc:
        status, problems = exc.status_code, [exc.detail]
        if exc.status_code in (403, 404):
            choice = replace(choice, site=ALL_SITES)  # the form offers the caller's own sites only
    first = first_kept_day(rt, today)
    return page(
        request,
        "reports/page.html",
        status=status,
        staff=who,
        boot=boot_data(rt, who, choice),
        choice=choice,
        kinds=[(k, KIND_JA[k]) for k in KINDS],
        sites=site_options(rt, who),
        months=month_options(first, today, choice.month),
        years=year_options(first, today, choice.fiscal_year),
        day_wareki=wareki_date(choice.day),
        first_day=first.isoformat(),
        today=today.isoformat(),
        steps=steps(choice, first, today),
        problem="; ".join(problems),
        shown=report,
        cell=cell_text,
    )


ROUTES: list[ControllerRouterHandler] = [reports_page, static_router("/static/reports", STATIC, "static-reports")]
