"""The counter console (窓口端末): ``/console`` (sign in, choose site, counter and services) and
``/console/{counter}`` (call, serve and finish tickets at that counter).

Both pages are server-rendered shells; their ES modules (``server/console/static/``) get everything live from
the site websocket (a staff session gets the staff projection) and act through the staff API
(``server/api/staff.py``). What a page needs before its first snapshot (sites and counters it may use, service
names, the counter, who is signed in) is handed over in ``data-boot``: the CSP allows no inline script.

Who may open them: the operator, manager and admin accounts; ``/console/{counter}`` only of the counter's site.
Without a session both show the staff sign-in form (401); with another role the same form and why (403).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from server.auth.guards import COUNTER_ROLES, principal
from server.auth.principals import Staff
from server.config import Config, Site
from server.web.pages import PageRefused, page, page_guard, refused, runtime, static_router

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

LOGIN = "console/login.html"
console_staff = page_guard(*COUNTER_ROLES, refusals={401: LOGIN, 403: LOGIN}, site_from=None)
counter_staff = page_guard(*COUNTER_ROLES, refusals={401: LOGIN, 403: LOGIN}, site_from="counter")
REFUSED: ExceptionHandlersMap = {PageRefused: refused}


def _staff(request: Request[Any, Any, Any]) -> Staff:
    who = principal(request)
    assert isinstance(who, Staff)  # the page guard let only staff through
    return who


def _services(config: Config) -> list[dict[str, Any]]:
    return [{"id": s.id, "prefix": s.prefix, "ja": s.name, "en": s.name_en} for s in config.services if s.queue]


def _site(site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "ja": site.name,
        "en": site.name_en,
        "counters": [
            {"id": c.id, "label": c.label, "en": c.label_en, "number": c.number, "area": c.area} for c in site.counters
        ],
        "areas": {a.id: {"ja": a.name, "en": a.name_en} for a in site.areas},
    }


def _boot(request: Request[Any, Any, Any], **extra: Any) -> str:
    rt = runtime(request)
    who = _staff(request)
    data = {
        "staff": {"login": who.login, "name": who.name, "role": who.role.value},
        "services": _services(rt.config),
        "timezone": rt.config.timezone,
        "number_digits": rt.config.queue.number_digits,
        **extra,
    }
    return json.dumps(data, ensure_ascii=False)


@get("/console", guards=[console_staff], exception_handlers=REFUSED, include_in_schema=False)
async def setup_page(request: Request[Any, Any, Any]) -> Template:
    """Choose the site (when the account has several), the counter and the services it serves today."""
    rt = runtime(request)
    who = _staff(request)
    sites = [_site(s) for s in rt.config.sites if who.may_use_site(s.id)]
    boot = _boot(request, sites=sites, counter=request.query_params.get("counter") or None)
    return page(request, "console/setup.html", boot=boot, staff=who, site=None)


@get("/console/{counter:str}", guards=[counter_staff], exception_handlers=REFUSED, include_in_schema=False)
async def counter_page(request: Request[Any, Any, Any], counter: FromPath[str]) -> Template:
    rt = runtime(request)
    found = rt.config.counter(counter)
    if found is None:
        return page(request, "console/unknown.html", status=404, site=None, counter_id=counter)
    site, desk = found
    boot = _boot(
        request,
        site=_site(site),
        counter={"id": desk.id, "label": desk.label, "number": desk.number, "area": desk.area},
    )
    return page(request, "console/counter.html", boot=boot, staff=_staff(request), site=site, desk=desk)


ROUTES: list[ControllerRouterHandler] = [
    setup_page,
    counter_page,
    static_router("/static/console", STATIC, "static-console"),
]
