"""``/``: what the caller may open (DESIGN §6), and ``/login``, the staff sign-in of no one page.

A signed-in staff member sees the pages of their role, and of each of their sites the guide console and the board
(and the kiosk's address, for setting up a kiosk PC): nothing they would only be refused at. A paired kiosk or
board PC sees the way back to its own page. Anyone else gets a short page in Japanese and English with the way to
sign in. Every page linked still checks on its own who may open it.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from server.auth.guards import ALL_ROLES, COUNTER_ROLES, ISSUE_ROLES, MANAGERS, principal, public
from server.auth.principals import Device, Role, Staff
from server.projection import is_open_now, opening_view
from server.runtime import Runtime
from server.web.pages import page, runtime

PHONE_ROLES = (Role.ADMIN, Role.MANAGER, Role.GUIDE, Role.PHONE)

PAGES: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("/console", "setup.index_console", COUNTER_ROLES),
    ("/phone", "setup.index_phone", PHONE_ROLES),
    ("/admin", "setup.index_admin", MANAGERS),
    ("/reports", "setup.index_reports", MANAGERS),
    ("/incidents", "setup.index_incidents", ALL_ROLES),
    ("/password", "setup.index_password", ALL_ROLES),
)
"""The staff pages of no one site: address, catalog key of its name, the roles that may open it."""


def _sites(rt: Runtime, who: Staff) -> list[dict[str, Any]]:
    now = rt.clock.now()
    out = []
    for site in rt.config.sites:
        if not who.may_use_site(site.id):
            continue
        opening = rt.store.opening(site.id)
        areas = [{"id": a.id, "name": a.name, "name_en": a.name_en} for a in site.areas]
        out.append(
            {"site": site, "today": opening_view(opening), "open_now": is_open_now(opening, now),
             "areas": areas if len(areas) > 1 else [], "guide": bool(site.counters) and who.role in ISSUE_ROLES}
        )  # fmt: skip
    return out


@get("/", guards=[public], include_in_schema=False)
async def index(request: Request[Any, Any, Any]) -> Template:
    rt = runtime(request)
    who = principal(request)
    if isinstance(who, Staff):
        pages = [(href, key) for href, key, roles in PAGES if who.role in roles]
        return page(request, "web/index.html", staff=who, pages=pages, sites=_sites(rt, who))
    if isinstance(who, Device):
        return page(request, "web/index.html", device=who, device_site=rt.config.site(who.site))
    return page(request, "web/index.html")


@get("/login", guards=[public], include_in_schema=False, response_model=None)
async def login_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    """The staff sign-in form; a signed-in staff member goes on to ``/`` (the form reloads into it, too)."""
    if isinstance(principal(request), Staff):
        return Redirect("/", status_code=303)
    return page(request, "web/login.html", login_title="setup.login_title")


ROUTES = [index, login_page]
