"""The incidents page (``/incidents``, トラブル・苦情・業務改善報告書) and the printable A4 form of one report.

Every staff member may open the page and record a report for a site they work at (the form warns not to write
any visitor's personal data); managers and admins also see the reports of their sites, filter them, edit them,
move them open → reported → closed and print them. The page is a server-rendered shell; its ES module
(``server/office/static/incidents.js``) does the rest through the JSON API (``server/api/office.py``).

The shared tally panel of the guide and phone consoles (``static/tallies.js``) is served from here too.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from server.auth.guards import ALL_ROLES, MANAGERS, principal
from server.auth.principals import Staff
from server.office.models import INCIDENT_CATEGORIES, TEXT_MAX, TITLE_MAX, IncidentRecord
from server.office.store import OfficeStore
from server.queue.errors import NotFound
from server.reports.wareki import wareki_date
from server.runtime import Runtime
from server.web.pages import PageRefused, page, page_guard, refused, runtime, static_router

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

any_staff = page_guard(*ALL_ROLES, refusals={401: "office/login.html", 403: "office/login.html"}, site_from=None)
managers = page_guard(*MANAGERS, refusals={401: "office/login.html", 403: "office/login.html"}, site_from=None)
REFUSED: ExceptionHandlersMap = {PageRefused: refused}


def boot_data(rt: Runtime, staff: Staff) -> str:
    """What the page's script needs first: the sites this person works at, and whether they manage reports."""
    sites = [
        {"id": s.id, "names": {"ja": s.name, "en": s.name_en}} for s in rt.config.sites if staff.may_use_site(s.id)
    ]
    return json.dumps(
        {
            "sites": sites,
            "manager": staff.role in MANAGERS,
            "categories": list(INCIDENT_CATEGORIES),
            "title_max": TITLE_MAX,
            "text_max": TEXT_MAX,
            "timezone": rt.config.timezone,
        },
        ensure_ascii=False,
    )


@get("/incidents", guards=[any_staff], exception_handlers=REFUSED, include_in_schema=False)
async def incidents_page(request: Request[Any, Any, Any]) -> Template:
    who = principal(request)
    assert isinstance(who, Staff)
    rt = runtime(request)
    return page(request, "office/incidents.html", boot=boot_data(rt, who), staff=who, manager=who.role in MANAGERS)


WEEKDAYS = "月火水木金土日"


def _form_date(at: datetime | None) -> str:
    """A date as the form writes it, in 和暦 (the era table of ``japanera``, server/reports/wareki.py):
    令和8年11月24日(火)."""
    return f"{wareki_date(at.date())}({WEEKDAYS[at.weekday()]})" if at else ""


def _form_time(at: datetime | None) -> str:
    """令和8年11月24日(火) 9時40分."""
    return f"{_form_date(at)} {at.hour}時{at.minute:02d}分" if at else ""


@get("/incidents/{incident_id:str}/print", guards=[managers], exception_handlers=REFUSED, include_in_schema=False)
async def incident_form(request: Request[Any, Any, Any], incident_id: FromPath[str]) -> Template:
    """The report as an A4 form to print and sign (責任者・確認)."""
    office: OfficeStore = request.app.state.office
    who = principal(request)
    assert isinstance(who, Staff)
    rt = runtime(request)
    try:
        site_id = office.site_of(incident_id)
        if not who.may_use_site(site_id):
            raise PageRefused(403, "office/login.html", "you are not assigned to this site")
        record: IncidentRecord = await office.incident(incident_id)
    except NotFound:
        return page(request, "web/not_found.html", status=404, site=None, site_id=incident_id)
    logins = {record.created_by, record.reported_by, record.closed_by} - {""}
    names = {login: await _display_name(rt, login) for login in logins}
    return page(
        request,
        "office/incident_print.html",
        record=record,
        site=rt.config.site(record.site),
        city=rt.config.name,
        names=names,
        form_date=_form_date,
        form_time=_form_time,
    )


async def _display_name(rt: Runtime, login: str) -> str:
    """``山田 花子 (yamada)`` for a staff login still known, else the login as it was recorded."""
    found = await rt.accounts.staff_record(login)
    name = found.get("name") if found else None
    return f"{name} ({login})" if name and name != login else login


ROUTES: list[ControllerRouterHandler] = [
    incidents_page,
    incident_form,
    static_router("/static/office", STATIC, "static-office"),
]
