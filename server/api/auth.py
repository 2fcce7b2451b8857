"""Login, logout, who am I, changing one's own password, the one-time setup of the first admin, and pairing a
kiosk or board PC."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from server.api.common import address, audit, caller, limit, runtime
from server.api.schemas import Body, LoginBody, Password, SetupBody
from server.auth.accounts import Forbidden
from server.auth.guards import ALL_ROLES, allow, public
from server.auth.middleware import (
    CSRF_COOKIE,
    DEVICE_COOKIE,
    SESSION_COOKIE,
    cleared_cookies,
    secure_request,
    session_cookies,
)
from server.auth.principals import Staff
from server.queue import errors
from server.web.pages import page

SETUP_PER_MINUTE = 10
PAIR_PER_MINUTE = 10
DEVICE_COOKIE_AGE = 10 * 365 * 24 * 3600
any_staff = allow(*ALL_ROLES)


def _secure(request: Request[Any, Any, Any]) -> bool:
    return secure_request(request.scope, runtime(request).settings.secure_cookies)


def _same_origin(request: Request[Any, Any, Any]) -> None:
    """Browsers send Origin on POST; a login form posted from another site is refused."""
    origin = request.headers.get("origin")
    cross = bool(origin) and urlsplit(origin or "").netloc != request.headers.get("host", "")
    if cross and (origin or "").rstrip("/") not in runtime(request).settings.allowed_origins:
        raise Forbidden("cross-site request refused")


def _me(who: Staff) -> dict[str, Any]:
    return {
        "login": who.login, "name": who.name, "role": who.role.value, "sites": list(who.sites), "csrf": who.csrf,
        "expires_in": who.expires_in,
    }  # fmt: skip


@post("/auth/login", guards=[public], status_code=200)
async def login(request: Request[Any, Any, Any], data: JSONBody[LoginBody]) -> Response[dict[str, Any]]:
    _same_origin(request)
    rt = runtime(request)
    old = request.cookies.get(SESSION_COOKIE)
    try:
        who = await rt.accounts.login(data.login, data.password, address(request), old_session=old)
    except Exception as exc:
        await audit(
            request, "auth.login_failed", login=data.login.strip().lower()[:64], detail=getattr(exc, "code", "")
        )
        raise
    request.scope["user"] = who
    await audit(request, "auth.login")
    return Response(_me(who), cookies=session_cookies(who, _secure(request)))


@post("/auth/logout", guards=[any_staff], status_code=200)
async def logout(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    who = caller(request)
    assert isinstance(who, Staff)
    await audit(request, "auth.logout")
    await runtime(request).accounts.logout(who.session_id)
    return Response({"logged_out": True}, cookies=cleared_cookies())


@get("/auth/me", guards=[any_staff])
async def me(request: Request[Any, Any, Any]) -> dict[str, Any]:
    who = caller(request)
    assert isinstance(who, Staff)
    return _me(who)


class PasswordChange(Body):
    old: Password
    new: Password


@post("/auth/password", guards=[any_staff], status_code=200, summary="Change your own password")
async def change_password(request: Request[Any, Any, Any], data: JSONBody[PasswordChange]) -> dict[str, Any]:
    """Any staff member, with their current password (wrong ones are throttled like failed logins). The session in
    use stays; every other session of the account ends."""
    who = caller(request)
    assert isinstance(who, Staff)
    rt = runtime(request)
    try:
        await rt.accounts.change_password(who.login, data.old, data.new, address(request), who.session_id)
    except Exception as exc:
        await audit(request, "auth.password_failed", detail=getattr(exc, "code", ""))
        raise
    await audit(request, "auth.password")
    return {"login": who.login, "password_changed": True}


@post("/setup", guards=[public], status_code=201, summary="Create the first admin with the one-time setup token")
async def setup(request: Request[Any, Any, Any], data: JSONBody[SetupBody]) -> dict[str, Any]:
    _same_origin(request)
    await limit(request, "setup", SETUP_PER_MINUTE)
    created = await runtime(request).accounts.setup_admin(data.token, data.login, data.name, data.password)
    await audit(request, "staff.setup_admin", login=created["login"], detail="first admin")
    return created


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    """A person opened the link in a browser (as opposed to a script asking for JSON)."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@get("/pair/{code:str}", guards=[public], summary="Pair this PC as a kiosk or board (sets its device cookie)")
async def pair(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[Any] | Template:
    """Set the device cookie. A browser goes straight on to its kiosk or board page; a script gets JSON."""
    await limit(request, "pair", PAIR_PER_MINUTE)
    rt = runtime(request)
    try:
        device, token = await rt.accounts.pair(code)
    except errors.NotFound:
        if _wants_html(request):
            return page(request, "web/pair_failed.html", status=404)
        raise
    request.scope["user"] = device
    await audit(request, "device.pair", site=device.site, detail=device.name)
    secure = _secure(request)
    target = f"/{device.kind.value}/{device.site}"
    cookies = [
        Cookie(key=DEVICE_COOKIE, value=token, httponly=True, samesite="strict", secure=secure, path="/",
               max_age=DEVICE_COOKIE_AGE),
        Cookie(key=CSRF_COOKIE, value=device.csrf, httponly=False, samesite="strict", secure=secure, path="/",
               max_age=DEVICE_COOKIE_AGE),
    ]  # fmt: skip
    if _wants_html(request):
        # SameSite=strict cookies are sent on the redirect: it stays on this site
        return Redirect(target, status_code=303, cookies=cookies)
    body = {"paired": True, "page": target,
            "device": {"id": device.id, "site": device.site, "kind": device.kind.value, "name": device.name}}  # fmt: skip
    return Response(body, cookies=cookies)


AUTH_ROUTES = [login, logout, me, change_password, setup]
PAGE_ROUTES = [pair]
