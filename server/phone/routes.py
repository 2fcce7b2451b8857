"""The phone reservation console (``/phone``, 電話予約): book, read back, search, move and cancel reservations.

Made for the city's two reservation smartphones (390×844) and for a desk PC. The page is a server-rendered
shell; its ES modules (``server/phone/static/``) get availability and reservations from the JSON API and stay
live through the site websocket (``reservation.changed``), so a booking made on the other phone shows at once.

Who may open it: the phone, guide, manager and admin accounts (of the sites they work at). Without a session
the page is a login form (401); with another role the same form and a note why (403).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.response import Template
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from server.auth.guards import principal
from server.auth.principals import Role, Staff
from server.runtime import Runtime
from server.web.pages import PageRefused, page, page_guard, refused, runtime, static_router

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

PHONE_ROLES = (Role.ADMIN, Role.MANAGER, Role.GUIDE, Role.PHONE)
"""Who takes reservations: the phone operators, and the guide, managers and admins who stand in for them."""

phone_staff = page_guard(*PHONE_ROLES, refusals={401: "phone/login.html", 403: "phone/login.html"})
REFUSED: ExceptionHandlersMap = {PageRefused: refused}


def boot_data(rt: Runtime, staff: Staff) -> str:
    """What the console's script needs first: the sites this person books for, services and names."""
    config = rt.config
    reservations = config.reservations
    services = [s for s in config.services if s.queue]
    sites = [
        {
            "id": site.id,
            "names": {"ja": site.name, "en": site.name_en},
            # the services that take reservations there (the calendar then says on which days)
            "reservable": [s.id for s in services if reservations.entry(s.id, site.id) is not None],
        }
        for site in config.sites
        if staff.may_use_site(site.id)
    ]
    return json.dumps(
        {
            "sites": sites,
            "services": [{"id": s.id, "names": {"ja": s.name, "en": s.name_en}} for s in services],
            "timezone": config.timezone,
            "horizon_days": reservations.horizon_days,
        },
        ensure_ascii=False,
    )


@get("/phone", guards=[phone_staff], exception_handlers=REFUSED, include_in_schema=False)
async def phone_page(request: Request[Any, Any, Any]) -> Template:
    who = principal(request)
    assert isinstance(who, Staff)
    return page(request, "phone/phone.html", boot=boot_data(runtime(request), who), staff=who)


ROUTES: list[ControllerRouterHandler] = [phone_page, static_router("/static/phone", STATIC, "static-phone")]
