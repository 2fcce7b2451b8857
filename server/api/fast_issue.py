"""Issuing by a kiosk, answered before the framework's per-request machinery.

A kiosk's ``POST /api/v1/sites/{site}/tickets`` is the hottest route of the server: at a morning opening every
kiosk of a site issues at once. Through Litestar the request costs ≈ 0.4 ms of CPU before the route does anything
(routing, the middleware and guard layers, the request and response objects, the ``before_send`` hook); here it is
read straight from the ASGI scope. The answer is the route's own (``public.ticket_answer``, the same status,
body and headers), and so are its failures (``errors.error_of``).

Only the plain case is taken: a bearer token of a kiosk of the path's site, no cookie, a small JSON body that
decodes to ``IssueTicket`` without ``priority``. Anything else (a guide's session, a bad token, a body the decoder
refuses, a device of another site, a store that cannot be asked who the token is) goes to Litestar unchanged, with
the body read so far handed on: the route, its guard and the error map then answer as they always do. Nothing has
changed in the store before that hand-over, so the framework's answer is the whole story. Once the store is asked
to issue, the answer is given here whatever happens, so a ticket is never issued twice for one request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar.types import HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

from server.api.errors import STORE_ERRORS, error_of
from server.api.public import ticket_answer
from server.api.schemas import IssueTicket
from server.auth.middleware import SECURITY_HEADERS
from server.auth.principals import DeviceKind
from server.queue.models import Channel
from server.runtime import Runtime

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PREFIX = "/api/v1/sites/"
SUFFIX = "/tickets"
MAX_BODY = 4096
"""A kiosk's issue body is well under 200 bytes; a bigger one goes to the framework, which has its own limit."""

_decode_body = msgspec.json.Decoder(IssueTicket).decode
_encode = msgspec.json.Encoder().encode


def site_of_path(scope: Scope) -> str | None:
    """The site of an issue request (``POST /api/v1/sites/{site}/tickets``), else None."""
    path: str = scope["path"]
    if scope.get("method") != "POST" or not path.startswith(PREFIX) or not path.endswith(SUFFIX):
        return None
    site = path[len(PREFIX) : -len(SUFFIX)]
    return site if site and "/" not in site else None


def bearer_token(scope: Scope) -> str | None:
    """The bearer token of a request that sends no cookie (a cookie may name a staff session, which
    ``server.auth.middleware.resolve`` would prefer); else None."""
    token = None
    for name, value in scope["headers"]:
        if name == b"cookie":
            return None
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            token = value[7:].strip().decode("latin-1")
    return token


def _replay(head: bytes, more: bool, receive: Receive) -> Receive:
    """``receive`` that first hands back the body read so far."""
    pending = True

    async def replayed() -> ReceiveMessage:
        nonlocal pending
        if pending:
            pending = False
            first: HTTPRequestEvent = {"type": "http.request", "body": head, "more_body": more}
            return first
        return await receive()

    return replayed


class FastIssue:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.answered = 0
        """Requests answered here (the others went to the framework)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send, framework: ASGIApp) -> None:
        """Answer a plain kiosk issue here, or hand the request to ``framework``."""
        site = site_of_path(scope)
        token = bearer_token(scope) if site is not None else None
        if site is None or token is None:
            await framework(scope, receive, send)
            return
        try:
            device = await self.rt.accounts.device_by_token(token)
        except STORE_ERRORS:
            device = None  # the framework asks again and answers 503 (or 401) as for any route
        if device is None or device.kind is not DeviceKind.KIOSK or device.site != site:
            await framework(scope, receive, send)
            return
        body = b""
        more = True
        while more and len(body) <= MAX_BODY:
            message = await receive()
            if message["type"] != "http.request":
                return  # the kiosk went away before it finished asking
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            data = None if more else _decode_body(body)
        except (msgspec.DecodeError, RecursionError):
            data = None
        if data is None or data.priority:
            await framework(scope, _replay(body, more, receive), send)
            return
        await self._issue(site, device.id, data, send)

    async def _issue(self, site: str, kiosk: str, data: IssueTicket, send: Send) -> None:
        rt = self.rt
        self.answered += 1
        try:
            rt.store.site(site)
            issued = await rt.store.issue(
                site, data.service, channel=Channel.WALK_IN, lang=data.lang, idempotency_key=data.idempotency_key
            )
            answer: Any = await ticket_answer(rt, site, issued, data.print, kiosk)
            status = 201 if issued.created else 200
            headers = None
        except Exception as exc:  # the ticket may exist by now: answer, never hand over (no second issue)
            status, answer, headers = error_of(exc)
        await respond(send, status, _encode(answer), headers)


async def respond(send: Send, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    """A JSON answer with the headers every answer of the server carries (``security_headers``)."""
    head = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
        *SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body, "more_body": False})
