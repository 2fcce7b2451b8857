"""Notices (お知らせ): short texts managers post for a site's boards and kiosks, live through ``notice.changed``."""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

from litestar import Request, delete, get, post
from litestar.params import FromPath, JSONBody

from server.api.common import audit_entry, caller, runtime
from server.api.schemas import NewNotice
from server.auth.guards import ALL_ROLES, MANAGERS, allow
from server.auth.principals import DeviceKind, Staff
from server.projection import notices_view
from server.queue import errors

site_readers = allow(*ALL_ROLES, devices=(DeviceKind.KIOSK, DeviceKind.BOARD), site="site")
site_managers = allow(*MANAGERS, site="site")


def clean(text: str, field: str) -> str:
    """One line of display text: no control characters (a ticker shows one line), trimmed."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise errors.ValidationFailed(f"{field}: line breaks and control characters cannot be shown on a board")
    out = text.strip()
    if not out:
        raise errors.ValidationFailed(f"{field}: the notice is empty")
    return out


@get("/sites/{site:str}/notices", guards=[site_readers], summary="The notices shown at a site now")
async def list_notices(request: Request[Any, Any, Any], site: FromPath[str]) -> list[dict[str, Any]]:
    rt = runtime(request)
    rt.store.site(site)
    raw = await rt.store.raw_state(site)
    return notices_view(raw.notices, staff=isinstance(caller(request), Staff))


@post("/sites/{site:str}/notices", guards=[site_managers], status_code=201, summary="Post a notice")
async def post_notice(
    request: Request[Any, Any, Any], site: FromPath[str], data: JSONBody[NewNotice]
) -> dict[str, Any]:
    rt = runtime(request)
    rt.store.site(site)
    who = caller(request)
    assert isinstance(who, Staff)
    now = rt.clock.now()
    notice = {
        # time first, so ids sort in posting order even within one second
        "id": f"{int(now.timestamp() * 1000):x}{secrets.token_hex(3)}",
        "text": clean(data.text, "text"),
        "texts": {lang: clean(t, f"texts.{lang}") for lang, t in data.texts.items() if lang != "ja"},
        "created_at": now.isoformat(timespec="seconds"),
        "by": who.login,
    }
    entry = audit_entry(request, "notice.set", site=site, detail=notice["text"])
    await rt.store.set_notice(site, notice, entry)
    return notice


@delete(
    "/sites/{site:str}/notices/{notice_id:str}", guards=[site_managers], status_code=200, summary="Take a notice down"
)
async def clear_notice(
    request: Request[Any, Any, Any], site: FromPath[str], notice_id: FromPath[str]
) -> list[dict[str, Any]]:
    rt = runtime(request)
    rt.store.site(site)
    entry = audit_entry(request, "notice.clear", site=site, detail=notice_id)
    left = await rt.store.clear_notice(site, notice_id, entry)
    return notices_view(left, staff=True)


ROUTES = [list_notices, post_notice, clear_notice]
