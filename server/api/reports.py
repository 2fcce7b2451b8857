"""Report routes (DESIGN §10): 日報・月報・年報 as JSON, CSV, XLSX or printable HTML, and what is due when.

Managers and admins only. ``site`` is a site id or ``all``: every site the caller may use (a manager limited to
Tsuyazaki gets Tsuyazaki only; asking for City Hall by name is 403 for them). A period that has not begun is
400; a period not over yet (today, this month) covers the days up to today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from litestar import MediaType, Request, Response, get
from litestar.params import FromQuery, QueryParameter

from server.api.common import caller, runtime
from server.auth.accounts import Forbidden
from server.auth.guards import MANAGERS, allow
from server.auth.principals import Staff
from server.reports import model
from server.reports.compute import ALL_SITES
from server.reports.formats import HTML_CSP, MEDIA_TYPES, Format, filename, to_csv, to_html, to_xlsx
from server.reports.periods import FIRST_YEAR, LAST_YEAR, MONTH_PATTERN, DueReport, Period, due_reports, month_period
from server.reports.source import make_report
from server.tabular import csv_download

reporters = allow(*MANAGERS)
"""The site is checked by the route: ``site=all`` stands for the caller's own sites."""

SiteParam = Annotated[str, QueryParameter(min_length=1, max_length=64, description="a site id, or all")]


def _staff(request: Request[Any, Any, Any]) -> Staff:
    who = caller(request)
    assert isinstance(who, Staff)  # the guard admits staff only
    return who


def report_sites(request: Request[Any, Any, Any], site: str) -> list[str]:
    """The sites ``site`` stands for, for this caller: 404 for an unknown site, 403 for one not theirs."""
    who = _staff(request)
    config = runtime(request).config
    if site == ALL_SITES:
        return [s.id for s in config.sites if who.may_use_site(s.id)]
    runtime(request).store.site(site)
    if not who.may_use_site(site):
        raise Forbidden("you are not assigned to this site")
    return [site]


async def _report(
    request: Request[Any, Any, Any], period: Callable[[], Period], site: str, fmt: Format
) -> Response[Any]:
    """``period`` is built after the site is checked: an unknown site is 404 whatever the period says."""
    rt = runtime(request)
    sites = report_sites(request, site)
    report = await make_report(rt.store, request.app.state.get("office"), rt.accounts, period(), sites)
    return render(report, fmt, {s.id: s.name for s in rt.config.sites})


def render(report: model.Report, fmt: Format, site_names: dict[str, str]) -> Response[Any]:
    """The report as the response of ``format``."""
    if fmt == "json":
        return Response(report, media_type=MediaType.JSON)
    if fmt == "csv":
        return csv_download(to_csv(report, site_names), filename(report, "csv"))
    if fmt == "xlsx":
        return Response(
            to_xlsx(report, site_names),
            media_type=MEDIA_TYPES["xlsx"],
            headers={"content-disposition": f'attachment; filename="{filename(report, "xlsx")}"'},
        )
    return Response(
        to_html(report, site_names),
        media_type=MediaType.HTML,
        headers={
            "content-disposition": f'inline; filename="{filename(report, "html")}"',
            "content-security-policy": HTML_CSP,
        },
    )


@get("/reports/daily", guards=[reporters], summary="日報: one business date")
async def daily_report(
    request: Request[Any, Any, Any],
    site: SiteParam,
    day: Annotated[dt.date, QueryParameter(name="date")],
    format: FromQuery[Format] = "json",
) -> Response[Any]:
    return await _report(request, lambda: Period.daily(day), site, format)


@get("/reports/monthly", guards=[reporters], summary="月報: a calendar month (this month: up to today)")
async def monthly_report(
    request: Request[Any, Any, Any],
    site: SiteParam,
    month: Annotated[str, QueryParameter(pattern=MONTH_PATTERN, description="YYYY-MM")],
    format: FromQuery[Format] = "json",
) -> Response[Any]:
    return await _report(request, lambda: month_period(month), site, format)


@get("/reports/annual", guards=[reporters], summary="年報: a fiscal year, April YYYY to March YYYY+1")
async def annual_report(
    request: Request[Any, Any, Any],
    site: SiteParam,
    fiscal_year: Annotated[int, QueryParameter(ge=FIRST_YEAR, le=LAST_YEAR)],
    format: FromQuery[Format] = "json",
) -> Response[Any]:
    return await _report(request, lambda: Period.annual(fiscal_year), site, format)


@get("/reports/due", guards=[reporters], summary="The reports of the caller's sites due now or soon, by deadline")
async def reports_due(
    request: Request[Any, Any, Any], site: Annotated[str | None, QueryParameter(max_length=64)] = None
) -> dict[str, Any]:
    rt = runtime(request)
    today = rt.store.business_date()
    items: list[DueReport] = due_reports(rt.config, report_sites(request, site or ALL_SITES), today, rt.store.overrides)
    return {"today": today.isoformat(), "reports": items}


ROUTES = [daily_report, monthly_report, annual_report, reports_due]
