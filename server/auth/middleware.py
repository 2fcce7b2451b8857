"""Per request: who is calling (session cookie, device cookie or bearer token) and CSRF for cookie-authenticated
changes; and the security headers of every HTTP response.

A staff session's two cookies (the httpOnly session id and the CSRF token the pages echo) are set again on every
answer to that session with the session's remaining life as ``Max-Age``: the browser keeps both exactly as long as
the server keeps the session, and neither outlives or dies before the other.
"""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.exceptions import RedisError

from server.auth.principals import Device, Staff

SESSION_COOKIE = "madoguchi_session"
DEVICE_COOKIE = "madoguchi_device"
CSRF_COOKIE = "madoguchi_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_EXEMPT = frozenset({"/api/v1/auth/login"})
"""Signing in acts with no session's authority (it replaces any): it must work from a browser whose old cookies
expired or were half cleared. The login route refuses cross-site posts by their ``Origin`` instead."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


async def resolve(connection: ASGIConnection[Any, Any, Any, Any]) -> Staff | Device | None:
    accounts = connection.app.state.runtime.accounts
    session_id = connection.cookies.get(SESSION_COOKIE)
    if session_id:
        staff = await accounts.session(session_id)
        if staff is not None:
            return staff  # type: ignore[no-any-return]
    auth = connection.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        device = await accounts.device_by_token(auth[7:].strip())
        if device is not None:
            return Device(device.id, device.site, device.kind, device.name, device.csrf, via_cookie=False)
        return None
    token = connection.cookies.get(DEVICE_COOKIE)
    if token:
        device = await accounts.device_by_token(token)
        if device is not None:
            return Device(device.id, device.site, device.kind, device.name, device.csrf, via_cookie=True)
    return None


def csrf_ok(connection: ASGIConnection[Any, Any, Any, Any], who: Staff | Device | None) -> bool:
    """Cookie-authenticated changes must echo the CSRF token (double submit); bearer tokens need not."""
    if who is None or not who.via_cookie or connection.scope["path"] in CSRF_EXEMPT:
        return True
    sent = connection.headers.get(CSRF_HEADER, "")
    # bytes: a header may carry any octet, and compare_digest refuses non-ASCII text
    return bool(sent) and secrets.compare_digest(sent.encode("utf-8", "surrogateescape"), who.csrf.encode())


def secure_request(scope: Scope, secure_cookies: bool) -> bool:
    return scope.get("scheme") in ("https", "wss") or secure_cookies


def session_cookies(who: Staff, secure: bool) -> list[Cookie]:
    """The session id (httpOnly) and its CSRF token (read by the pages), both for the session's remaining life."""
    age = max(who.expires_in, 0)
    return [
        Cookie(key=SESSION_COOKIE, value=who.session_id, httponly=True, samesite="lax", secure=secure, path="/",
               max_age=age),
        Cookie(key=CSRF_COOKIE, value=who.csrf, httponly=False, samesite="strict", secure=secure, path="/",
               max_age=age),
    ]  # fmt: skip


def cleared_cookies() -> list[Cookie]:
    return [Cookie(key=name, value="", max_age=0, path="/") for name in (SESSION_COOKIE, CSRF_COOKIE)]


def _sets_cookie(headers: Any, name: str) -> bool:
    prefix = name.encode() + b"="
    return any(bytes(k).lower() == b"set-cookie" and bytes(v).startswith(prefix) for k, v in headers)


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: every HTTP response, errors from the router included, carries these headers.

    A coroutine on purpose: Litestar hands a plain function hook to a worker thread for every ASGI message,
    every websocket frame to every board included."""
    if message["type"] == "http.response.start":
        present = {bytes(k).lower() for k, _ in message.get("headers", [])}
        message["headers"] = [*message.get("headers", []), *(h for h in SECURITY_HEADERS if h[0] not in present)]


def _forbidden_csrf() -> list[Message]:
    body = msgspec.json.encode(
        {"code": "forbidden", "detail": "missing or wrong CSRF token: reload the page and try again"}
    )
    start: Message = {
        "type": "http.response.start",
        "status": 403,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *SECURITY_HEADERS,
        ],
    }
    return [start, {"type": "http.response.body", "body": body, "more_body": False}]


def auth_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        try:
            who = await resolve(connection)
        except (RedisError, OSError):
            # Credentials cannot be checked while the store is down: public routes still answer,
            # guarded ones say 503 store_unavailable (not 401: the credentials may be fine).
            who = None
            scope["auth_unavailable"] = True  # type: ignore[typeddict-unknown-key]
        scope["user"] = who
        if scope["type"] == ScopeType.WEBSOCKET:
            await app(scope, receive, send)
            return

        if scope.get("method") not in SAFE_METHODS and not csrf_ok(connection, who):
            for message in _forbidden_csrf():
                await send(message)
            return
        if not isinstance(who, Staff) or not who.via_cookie:
            await app(scope, receive, send)
            return
        secure = secure_request(scope, connection.app.state.runtime.settings.secure_cookies)
        renewal = [c.to_encoded_header() for c in session_cookies(who, secure)]

        async def renew_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(_sets_cookie(headers, name) for name in (SESSION_COOKIE, CSRF_COOKIE)):
                    message["headers"] = [*headers, *renewal]  # login and logout set their own
            await send(message)

        await app(scope, receive, renew_cookies)

    return middleware
