"""The admin pages: ``/admin`` and ``/admin/{section}`` (managers and admins), and ``/password`` (any staff member
changes their own password).

One page with a side menu; each section has its own address (``/admin/staff``, ``/admin/devices``, …) so a link,
a bookmark or the used-pairing-link page can open it. The page is a server-rendered shell: each section is a
template (``admin/_<section>.html``) and an ES module (``static/<section>.js``, with ``mount(ctx)``) that does
the rest through the JSON API (``server/api/admin.py``, ``printing.py``, ``notices.py``) and, for printers and
notices, the site websockets (a staff session gets ``printer.changed`` and ``notice.changed`` live).

Who sees what follows the API: an admin every section, a manager all but devices; both only for their own sites
(an account limited to Tsuyazaki never sees City Hall's staff, printers, notices or audit entries). Operators,
guides and phone staff get the sign-in form with "not for your role" (403), like the other staff pages.

Adding a section (the calendar, the service pause, the floor overview): one ``Section`` in ``SECTIONS``, its
template and its module, and its catalog keys ``staff.admin.nav.<id>``; pages of their own go in ``LINKS``.

Any section takes ``?site=`` (the floor overview shows that site first): an unknown site is the 404 page, a site the
person does not have the 403 page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from server.auth.guards import ADMINS, ALL_ROLES, MANAGERS, principal
from server.auth.passwords import MIN_LENGTH
from server.auth.principals import Role, Staff
from server.runtime import Runtime
from server.web.pages import PageRefused, error_page, page, page_guard, refused, runtime, static_router

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

LOGIN = "admin/login.html"
PASSWORD_LOGIN = "admin/password_login.html"
chiefs = page_guard(*MANAGERS, refusals={401: LOGIN, 403: LOGIN}, site_from=None)
any_staff = page_guard(*ALL_ROLES, refusals={401: PASSWORD_LOGIN, 403: PASSWORD_LOGIN}, site_from=None)
REFUSED: ExceptionHandlersMap = {PageRefused: refused}


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    roles: tuple[Role, ...]


SECTIONS = (
    Section("staff", MANAGERS),
    Section("floor", MANAGERS),
    Section("devices", ADMINS),
    Section("printers", MANAGERS),
    Section("notices", MANAGERS),
    Section("audit", MANAGERS),
)
"""The side menu, in order; the first a person may open is what ``/admin`` shows."""

LINKS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("calendar", "/admin/calendar", ADMINS),
    ("incidents", "/incidents", MANAGERS),
    ("reports", "/reports", MANAGERS),
)
"""Pages of their own the menu links to (catalog key ``staff.admin.link.<id>``), with the roles that may open them."""


def _staff(request: Request[Any, Any, Any]) -> Staff:
    who = principal(request)
    assert isinstance(who, Staff)  # the page guard let only staff through
    return who


async def boot_data(rt: Runtime, who: Staff, sections: list[str], section: str, site: str | None = None) -> str:
    """What the page's script needs first: who is signed in, their sites (``site``: the one asked for), the
    sections they may open, the kiosks of their sites (the printers section says which printer each one uses),
    the services' names and the names of the staff who may work at those sites (the floor overview names each
    counter's operator)."""
    sites = [{"id": s.id, "ja": s.name, "en": s.name_en} for s in rt.config.sites if who.may_use_site(s.id)]
    mine = {s["id"] for s in sites}
    kiosks = [
        {"id": d["id"], "site": d["site"], "name": d["name"]}
        for d in await rt.accounts.list_devices()
        if d["kind"] == "kiosk" and not d["revoked"] and who.may_use_site(d["site"])
    ]
    data = {
        "me": {"login": who.login, "name": who.name, "role": who.role.value, "sites": list(who.sites)},
        "sites": sites,
        "roles": [r.value for r in Role] if who.role is Role.ADMIN else ["operator", "guide", "phone"],
        "sections": sections,
        "section": section,
        "kiosks": kiosks,
        "site": site,
        "services": {s.id: {"ja": s.name, "en": s.name_en} for s in rt.config.services},
        "names": {a["login"]: a["name"] for a in await rt.accounts.list_staff() if _works_at(a["sites"], mine)},
        "timezone": rt.config.timezone,
        "password_min": MIN_LENGTH,
    }
    return json.dumps(data, ensure_ascii=False)


def _works_at(sites: list[str], mine: set[str]) -> bool:
    """An account may work at one of ``mine``: it names one of them, or it has every site (none named)."""
    return not sites or not mine.isdisjoint(sites)


async def _admin(request: Request[Any, Any, Any], section: str | None) -> Template:
    rt = runtime(request)
    who = _staff(request)
    site = request.query_params.get("site") or None
    if site is not None and rt.config.site(site) is None:
        return error_page(request, 404)
    if site is not None and not who.may_use_site(site):
        return error_page(request, 403)
    mine = [s.id for s in SECTIONS if who.role in s.roles]
    if section is None:
        section = mine[0]
    elif section not in {s.id for s in SECTIONS}:
        return error_page(request, 404)
    elif section not in mine:
        return error_page(request, 403)
    boot = await boot_data(rt, who, mine, section, site)
    links = [(link, href) for link, href, roles in LINKS if who.role in roles]
    return page(request, "admin/admin.html", boot=boot, staff=who, sections=mine, section=section, links=links)


@get("/admin", guards=[chiefs], exception_handlers=REFUSED, include_in_schema=False)
async def admin_page(request: Request[Any, Any, Any]) -> Template:
    return await _admin(request, None)


@get("/admin/{section:str}", guards=[chiefs], exception_handlers=REFUSED, include_in_schema=False)
async def admin_section(request: Request[Any, Any, Any], section: FromPath[str]) -> Template:
    return await _admin(request, section)


@get("/password", guards=[any_staff], exception_handlers=REFUSED, include_in_schema=False)
async def password_page(request: Request[Any, Any, Any]) -> Template:
    """Any staff member changes their own password (``POST /api/v1/auth/password``)."""
    boot = json.dumps({"password_min": MIN_LENGTH})
    return page(request, "admin/password.html", staff=_staff(request), boot=boot, min_length=MIN_LENGTH)


ROUTES: list[ControllerRouterHandler] = [
    admin_page,
    admin_section,
    password_page,
    static_router("/static/admin", STATIC, "static-admin"),
]
