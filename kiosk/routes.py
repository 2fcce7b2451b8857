"""The reception kiosk (``/kiosk/{site}``) and the general-reception guide console (``/guide/{site}``).

Both pages are server-rendered shells; their ES modules (``kiosk/static/``) get everything live from the
site websocket and the JSON API. What a page needs before its first event (service names in every language,
the site, the server's clock) is handed over in ``data-boot`` on ``<body>``: the CSP allows no inline script.

Who may open them: the kiosk page only a paired kiosk PC of that site (anyone else sees, in HTML, why not);
the guide console the guide, manager and admin accounts of that site (without a session: a login form).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from server.auth.guards import ISSUE_ROLES, principal
from server.auth.principals import DeviceKind, Staff
from server.config import Config, Site
from server.runtime import Runtime
from server.web.pages import PageRefused, not_found, page, page_guard, refused, runtime, static_router

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

IDLE_RESET_MS = 60_000
"""Without a touch for this long the kiosk returns to Japanese and closes the code entry."""

kiosk_only = page_guard(devices=(DeviceKind.KIOSK,), refusals={401: "kiosk/unpaired.html", 403: "kiosk/refused.html"})
guide_staff = page_guard(*ISSUE_ROLES, refusals={401: "kiosk/login.html", 403: "kiosk/login.html"})
REFUSED: ExceptionHandlersMap = {PageRefused: refused}


def _names(config: Config, names: dict[str, str], ja: str, en: str) -> dict[str, str]:
    """A name in every configured language (Japanese and English always exist)."""
    out = {"ja": ja, "en": en, **{lang: names[lang] for lang in config.languages if lang in names}}
    return {lang: out[lang] for lang in config.languages if lang in out}


def boot_data(rt: Runtime, site: Site) -> str:
    """What the page's script needs before its first snapshot, as JSON for ``data-boot``."""
    config = rt.config
    services = [
        {
            "id": s.id,
            "prefix": s.prefix,
            "names": _names(config, dict(s.names), s.name, s.name_en),
            "inquiry": s.inquiry,
        }
        for s in config.services
        if s.queue
    ]
    return json.dumps(
        {
            "site": site.id,
            "site_names": _names(config, dict(site.names), site.name, site.name_en),
            "services": services,
            "counters": {c.id: {"ja": c.label, "en": c.label_en} for c in site.counters},
            "languages": list(config.languages),
            "timezone": config.timezone,
            "idle_ms": IDLE_RESET_MS,
        },
        ensure_ascii=False,
    )


@get("/kiosk/{site:str}", guards=[kiosk_only], exception_handlers=REFUSED, include_in_schema=False)
async def kiosk_page(request: Request[Any, Any, Any], site: FromPath[str]) -> Template:
    rt = runtime(request)
    found = rt.config.site(site)
    if found is None:
        return not_found(request, site)
    return page(request, "kiosk/kiosk.html", site=found, boot=boot_data(rt, found))


@get("/guide/{site:str}", guards=[guide_staff], exception_handlers=REFUSED, include_in_schema=False)
async def guide_page(request: Request[Any, Any, Any], site: FromPath[str]) -> Template:
    rt = runtime(request)
    found = rt.config.site(site)
    if found is None:
        return not_found(request, site)
    who = principal(request)
    assert isinstance(who, Staff)
    return page(request, "kiosk/guide.html", site=found, boot=boot_data(rt, found), staff=who)


ROUTES: list[ControllerRouterHandler] = [kiosk_page, guide_page, static_router("/static/kiosk", STATIC, "static-kiosk")]
