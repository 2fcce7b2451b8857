"""``/``: where each page of each site is, for the people who set up the PCs and the staff (DESIGN §6).

It lists addresses only; every page it links to checks on its own who may open it.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from server.auth.guards import public
from server.projection import is_open_now, opening_view
from server.web.pages import page, runtime


@get("/", guards=[public], include_in_schema=False)
async def index(request: Request[Any, Any, Any]) -> Template:
    rt = runtime(request)
    now = rt.clock.now()
    sites = []
    for site in rt.config.sites:
        opening = rt.store.opening(site.id)
        areas = [{"id": a.id, "name": a.name} for a in site.areas]
        sites.append(
            {"site": site, "today": opening_view(opening), "open_now": is_open_now(opening, now),
             "areas": areas if len(areas) > 1 else [], "counters": bool(site.counters)}
        )  # fmt: skip
    return page(request, "web/index.html", sites=sites)


ROUTES = [index]
