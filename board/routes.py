"""The waiting-room display board (``/board/{site}?area=&audio=``) and the visitor's phone page (``/t/{token}``).

Both are server-rendered shells whose ES modules (``board/static/``) get everything live from a websocket:
the board from the site socket, the phone page from the ticket's own socket. What a page needs before its
first message (names in every language, counters with their areas and announced numbers, the audio policy,
the time zone) is handed over in ``data-boot`` on ``<body>``: the CSP allows no inline script.

Who may open them: the board a paired board PC of the site or staff of the site (anyone else sees, in HTML,
why not); the phone page anyone holding the ticket's token (the QR code on the ticket), which shows the
number, service, place in the queue and the counter only: no personal data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap
from redis.exceptions import RedisError

from server.api.common import limit
from server.api.errors import retry_after
from server.auth.accounts import RateLimited
from server.auth.guards import ALL_ROLES, public
from server.auth.limits import STATUS_PER_MINUTE
from server.auth.principals import DeviceKind
from server.config import BOARD_AUDIO, Config, Site
from server.queue import errors
from server.runtime import Runtime
from server.web import i18n
from server.web.pages import PageRefused, not_found, page, page_guard, refused, runtime, static_router

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

NEWEST_BLINK_MS = 8_000
"""How long the newest call blinks on the board (it stays highlighted until the next call)."""
REPLAY_ANNOUNCE_MS = 60_000
"""Calls the board missed while it was reconnecting are still announced when they are at most this old."""

board_viewers = page_guard(
    *ALL_ROLES, devices=(DeviceKind.BOARD,), refusals={401: "board/unpaired.html", 403: "board/refused.html"}
)
REFUSED: ExceptionHandlersMap = {PageRefused: refused}


def _names(config: Config, names: dict[str, str], ja: str, en: str) -> dict[str, str]:
    """A name in every configured language (Japanese and English always exist)."""
    out = {"ja": ja, "en": en, **{lang: names[lang] for lang in config.languages if lang in names}}
    return {lang: out[lang] for lang in config.languages if lang in out}


def _services(config: Config) -> list[dict[str, Any]]:
    return [
        {"id": s.id, "prefix": s.prefix, "names": _names(config, dict(s.names), s.name, s.name_en)}
        for s in config.services
        if s.queue
    ]


def _counters(site: Site) -> list[dict[str, Any]]:
    """The site's counters; ``name_en`` only when the config gives one (else the board says "Counter {n}")."""
    return [
        {"id": c.id, "label": c.label, "number": c.number, "area": c.area, "name_en": c.name_en.strip() or None}
        for c in site.counters
    ]


def area_names(site: Site) -> dict[str, dict[str, str]]:
    """Every area of the site's counters with its names (the id itself when the config names none)."""
    named = {a.id: {"ja": a.name, "en": a.name_en} for a in site.areas}
    return {c.area: named.get(c.area, {"ja": c.area, "en": c.area}) for c in site.counters}


def board_boot(rt: Runtime, site: Site, area: str | None, audio: str) -> str:
    """What the board's script needs before its first snapshot, as JSON for ``data-boot``."""
    config = rt.config
    return json.dumps(
        {
            "site": site.id,
            "site_names": _names(config, dict(site.names), site.name, site.name_en),
            "area": area,
            "area_names": area_names(site).get(area) if area else None,
            "counters": _counters(site),
            "services": _services(config),
            "timezone": config.timezone,
            "audio": audio,
            "voice": "/static/board/voice/ja/",
            "recent": config.queue.recent_calls,
            "blink_ms": NEWEST_BLINK_MS,
            "replay_ms": REPLAY_ANNOUNCE_MS,
        },
        ensure_ascii=False,
    )


@get("/board/{site:str}", guards=[board_viewers], exception_handlers=REFUSED, include_in_schema=False)
async def board_page(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    area: FromQuery[str | None] = None,
    audio: FromQuery[str | None] = None,
) -> Template:
    rt = runtime(request)
    found = rt.config.site(site)
    if found is None:
        return not_found(request, site)
    areas = area_names(found)
    if area is not None and area not in areas:
        return page(request, "board/bad_query.html", status=404, site=found, problem="area", value=area,
                    allowed=sorted(areas))  # fmt: skip
    if audio is not None and audio not in BOARD_AUDIO:
        return page(request, "board/bad_query.html", status=400, site=found, problem="audio", value=audio,
                    allowed=list(BOARD_AUDIO))  # fmt: skip
    policy = audio or found.board_audio
    return page(
        request,
        "board/board.html",
        site=found,
        area=area,
        area_name=areas[area]["ja"] if area else None,
        audio=policy,
        boot=board_boot(rt, found, area, policy),
    )


def visitor_lang(rt: Runtime, asked: str | None, ticket_lang: str) -> str:
    """The page's first language: ``?lang=`` when the site speaks it, else the ticket's, else Japanese."""
    for lang in (asked, ticket_lang):
        if lang and lang in rt.config.languages and lang in i18n.available():
            return lang
    return "ja"


def visitor_boot(rt: Runtime, token: str, status: dict[str, Any], lang: str) -> str:
    config = rt.config
    site = config.site(str(status.get("site") or ""))
    return json.dumps(
        {
            "token": token,
            "lang": lang,
            "languages": list(config.languages),
            "site_names": _names(config, dict(site.names), site.name, site.name_en) if site else {},
            "services": _services(config),
            "counters": _counters(site) if site else [],
            "timezone": config.timezone,
            "status": status,
        },
        ensure_ascii=False,
    )


@get("/t/{token:str}", guards=[public], include_in_schema=False)
async def visitor_page(
    request: Request[Any, Any, Any], token: FromPath[str], lang: FromQuery[str | None] = None
) -> Template:
    rt = runtime(request)
    first = visitor_lang(rt, lang, "ja")
    try:
        await limit(request, "status", STATUS_PER_MINUTE)
        status = await rt.ticket_status(token)
    except RateLimited as exc:
        return page(
            request,
            "board/visitor_missing.html",
            status=429,
            headers=retry_after(exc),
            lang=first,
            problem="rate_limited",
        )
    except errors.NotFound:
        return page(request, "board/visitor_missing.html", status=404, lang=first, problem="not_found")
    except (errors.StoreUnavailable, RedisError):  # the limiter's own Redis call may fail first
        return page(request, "web/unavailable.html", status=503, lang=first)
    chosen = visitor_lang(rt, lang, str(status.get("lang") or "ja"))
    site = rt.config.site(str(status.get("site") or ""))
    return page(
        request,
        "board/visitor.html",
        lang=chosen,
        site=site,
        ticket=status,
        boot=visitor_boot(rt, token, status, chosen),
    )


ROUTES: list[ControllerRouterHandler] = [
    board_page,
    visitor_page,
    static_router("/static/board", STATIC, "static-board"),
]
