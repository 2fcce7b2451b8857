"""Per request: who is calling (session cookie, device cookie or bearer token) and CSRF for cookie-authenticated
changes; and the security headers of every HTTP response."""

from __future__ import annotations

import secrets
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.exceptions import RedisError

from server.api.errors import error_response
from server.auth.principals import Device, Staff

SESSION_COOKIE = "madoguchi_session"
DEVICE_COOKIE = "madoguchi_device"
CSRF_COOKIE = "madoguchi_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

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
    if who is None or not who.via_cookie:
        return True
    sent = connection.headers.get(CSRF_HEADER, "")
    return bool(sent) and secrets.compare_digest(sent, who.csrf)


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: every HTTP response, errors from the router included, carries these headers.

    A coroutine on purpose: Litestar hands a plain function hook to a worker thread for every ASGI message,
    every websocket frame to every board included."""
    if message["type"] == "http.response.start":
        present = {bytes(k).lower() for k, _ in message.get("headers", [])}
        message["headers"] = [*message.get("headers", []), *(h for h in SECURITY_HEADERS if h[0] not in present)]


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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in SECURITY_HEADERS if h[0] not in present),
                ]
            await send(message)

        if scope.get("method") not in SAFE_METHODS and not csrf_ok(connection, who):
            response = error_response(403, "forbidden", "missing or wrong CSRF token: reload the page and try again")
            await response.to_asgi_response(app=None, request=None)(scope, receive, send)  # type: ignore[arg-type]
            return
        await app(scope, receive, send)

    return middleware
