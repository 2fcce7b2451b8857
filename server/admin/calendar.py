"""The admin calendar (``/admin/calendar``): the resolved openings month by month, and the calendar overrides.

A month grid shows each day's kind per site (weekday, Sunday opening, outreach event with its venue, extra opening,
closed), marking the days an override makes; the list under it names each special day, where it comes from (the
config file or an override, by whom) and offers to change or remove an override, or to override a day of the file.
The form adds or changes Sunday openings, outreach events (venue name and address, desks, hours, services), extra
openings and closures. The page is a shell: its script reads ``GET /api/v1/calendar`` per site and
``/api/v1/calendar/overrides``, and changes them through that API (the checks, the audit and the reload of every
server process happen there), and it follows ``calendar.changed`` on the sites' websockets.

Admins only, each for their own sites (an admin limited to Tsuyazaki sees and changes Tsuyazaki's calendar).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template
from litestar.types import ExceptionHandlersMap

from server.auth.guards import ADMINS, principal
from server.auth.principals import Staff
from server.config import offered_at
from server.runtime import Runtime
from server.web.pages import PageRefused, page, page_guard, refused, runtime

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOGIN = "admin/calendar_login.html"
admins = page_guard(*ADMINS, refusals={401: LOGIN, 403: LOGIN}, site_from=None)
REFUSED: ExceptionHandlersMap = {PageRefused: refused}


def _month(text: str | None, today: date) -> str:
    """The month to show first ("YYYY-MM"): the one asked for when it is one, else this month."""
    if text and len(text) == 7:
        try:
            return date.fromisoformat(f"{text}-01").isoformat()[:7]
        except ValueError:
            pass
    return today.isoformat()[:7]


def boot_data(rt: Runtime, who: Staff, month: str) -> str:
    """What the script needs: the admin's sites with the services each offers and its counters, the services' names,
    today and the month to show first."""
    config = rt.config
    sites = [
        {
            "id": site.id,
            "ja": site.name,
            "en": site.name_en,
            "kind": site.kind,
            "services": [s.id for s in config.services if s.id in offered_at(config, site)],
            "counters": [{"id": c.id, "label": c.label} for c in site.counters],
        }
        for site in config.sites
        if who.may_use_site(site.id)
    ]
    services = {s.id: {"ja": s.name, "en": s.name_en} for s in config.services}
    data: dict[str, Any] = {
        "sites": sites,
        "services": services,
        "today": rt.store.business_date().isoformat(),
        "month": month,
        "timezone": config.timezone,
    }
    return json.dumps(data, ensure_ascii=False)


@get("/admin/calendar", guards=[admins], exception_handlers=REFUSED, include_in_schema=False)
async def calendar_page(request: Request[Any, Any, Any], month: FromQuery[str | None] = None) -> Template:
    rt = runtime(request)
    who = principal(request)
    assert isinstance(who, Staff)  # the page guard let only admins through
    shown = _month(month, rt.store.business_date())
    return page(request, "admin/calendar.html", staff=who, boot=boot_data(rt, who, shown))


ROUTES = [calendar_page]
