"""Websocket push (DESIGN §5).

``/ws/v1/sites/{site}?since=N``: the first message is a snapshot (or, with ``since``, the events missed
since N when the stream still holds them), then every site event in ``seq`` order. A client that falls
too far behind, or whose server lost the stream's history, gets a fresh snapshot.

``/ws/v1/tickets/{token}``: the visitor's own ticket: a snapshot of its status, then a ``ticket.status``
message whenever it changes, and the ticket's own events. The status follows the events (each carries the lines
of the services it touched, projected once per process): a visitor's socket reads the store only for its
snapshot.

Both take ``since`` (the visitor page's client sends it on reconnect too; the ticket socket answers with a
snapshot whatever it is). ``since`` must be a whole number >= 0.

A socket that cannot be served is accepted and then closed at once with a code in the 4400 range, the
HTTP status plus 4000, and a reason starting with the error code of the HTTP API: 4400
``validation_error: since must be a whole number >= 0``, 4401 ``unauthorized``, 4403 ``forbidden`` (or
``origin not allowed``), 4404 ``unknown_site`` / ``not_found``, 4429 ``rate_limited: try again in N
seconds`` (a websocket close has no ``Retry-After`` header, so the seconds are in the reason). A store
outage closes with 1013 (try again later). Accepting first lets a browser see the code and reason; a
handshake refused over HTTP shows a page only "connection failed". The shared client (``ws.js``) treats
4401/4403/4404 as final.

A site socket that is caught up with nothing queued is live: the hub writes each event's frame, encoded once per
process, straight to it (``server.wsframes``, when the server offers that); otherwise its session sends the queued
events here one by one.

Client messages are decoded here with msgspec, so a bad message gets an error reply instead of closing
the socket. ``{"type": "ping"}`` is answered with ``{"type": "pong", "seq": N}``; ``{"type": "snapshot"}`` with a
fresh snapshot (a page whose day changed at a known time: a new business date, the last ticket time). Pages never
ask for one after an event: events carry what they need (DESIGN §5, push only).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath, FromQuery
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from redis.exceptions import RedisError

from server.auth.accounts import Forbidden, RateLimited, Unauthorized
from server.auth.client import client_address
from server.auth.guards import ALL_ROLES, check
from server.auth.limits import STATUS_PER_MINUTE
from server.auth.principals import Device, DeviceKind, Staff
from server.fanout import RESYNC, REVOKED, Frame, Subscriber
from server.queue import errors
from server.queue.keys import SiteKeys
from server.runtime import Runtime
from server.views import (
    RawTicketEvent,
    SnapshotMessage,
    StaffSiteState,
    StaffSnapshotMessage,
    StoredTicket,
    VisitorSnapshotMessage,
    VisitorStatusMessage,
    VisitorTicket,
)
from server.wsframes import Write, raw_writer

log = logging.getLogger("madoguchi.ws")

REPLAY_LIMIT = 5000
CLOSED = Frame(seq=-2, staff="", public="")
SNAPSHOT = Frame(seq=-4, staff="", public="")
"""Put on a client's queue when it asked for a fresh snapshot."""

CLOSE_INVALID = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_RATE_LIMITED = 4429
CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN = 1013


class ClientMessage(msgspec.Struct):
    type: Literal["ping", "resync", "snapshot"]
    since: int | None = None


_client_decoder = msgspec.json.Decoder(ClientMessage)
_encoder = msgspec.json.Encoder()


def origin_allowed(socket: WebSocket[Any, Any, Any], rt: Runtime) -> bool:
    """Browsers send ``Origin``; only the server's own origin and configured ones may open a socket.

    Non-browser clients (print agents, monitoring) send none and are judged by their credentials.
    """
    origin = socket.headers.get("origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    if origin in rt.settings.allowed_origins or origin == rt.settings.base_url:
        return True
    host = socket.headers.get("host", "")
    parts = urlsplit(origin)
    return bool(host) and parts.netloc == host and parts.scheme in ("http", "https")


BAD_SINCE = "validation_error: since must be a whole number >= 0"


def parse_since(raw: str | None) -> int | None:
    """``since`` of the query string; ValueError unless absent or a whole number >= 0 (ASCII digits)."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(BAD_SINCE)
    return int(raw)  # past Python's 4,300 digits a ValueError too


def _text(obj: Any) -> str:
    return _encoder.encode(obj).decode()


async def _reject(socket: WebSocket[Any, Any, Any], code: int, reason: str) -> None:
    await socket.accept()
    await socket.close(code=code, reason=reason)


class SiteSession:
    """One connected site client: catches it up, then pumps frames from its subscriber queue, or lets the hub
    write them to the socket while it is live (``raw``)."""

    def __init__(self, socket: WebSocket[Any, Any, Any], rt: Runtime, sub: Subscriber) -> None:
        self.socket = socket
        self.rt = rt
        self.sub = sub
        self.raw: Write | None = raw_writer(socket.scope)

    @property
    def last(self) -> int:
        """The seq of the last event the client has: the hub advances it for the events it writes itself."""
        return self.sub.last

    @last.setter
    def last(self, seq: int) -> None:
        self.sub.last = seq

    async def send(self, text: str) -> None:
        await self.socket.send_data(text, mode="text")

    async def snapshot(self) -> None:
        state = await self.rt.snapshot(self.sub.site, staff=self.sub.staff)
        self.last = state.seq
        if isinstance(state, StaffSiteState):
            await self.send(_text(StaffSnapshotMessage(type="snapshot", seq=state.seq, state=state)))
        else:
            await self.send(_text(SnapshotMessage(type="snapshot", seq=state.seq, state=state)))

    async def catch_up(self, since: int | None) -> None:
        """Missed events after ``since`` from the stream, or a snapshot when they are not all there."""
        if since is None:
            await self.snapshot()
            return
        store = self.rt.store
        current = await store.seq(self.sub.site)
        if since > current:
            await self.snapshot()
            return
        entries: Any = await store.redis.xrange(
            SiteKeys(self.sub.site).events, min=f"{since + 1}-0", max="+", count=REPLAY_LIMIT
        )
        first = int(str(entries[0][0]).split("-", 1)[0]) if entries else None
        if since < current and (first != since + 1 or len(entries) >= REPLAY_LIMIT):
            await self.snapshot()
            return
        self.last = since
        for entry_id, fields in entries:
            seq = int(str(entry_id).split("-", 1)[0])
            projected = self.rt.projector.project(self.sub.site, fields["e"])
            await self.send(projected.staff if self.sub.staff else projected.public)
            self.last = seq

    async def receive(self) -> None:
        try:
            while True:
                raw = await self.socket.receive_data(mode="text")
                try:
                    msg = _client_decoder.decode(raw)
                except (msgspec.DecodeError, RecursionError) as exc:
                    error = _text({"type": "error", "code": "validation_error", "detail": str(exc)})
                    self.sub.post(Frame(0, error, error))
                    continue
                if msg.type == "ping":
                    pong = _text({"type": "pong", "seq": self.rt.hub.last_seq.get(self.sub.site, 0)})
                    self.sub.post(Frame(0, pong, pong))
                    if self.sub.device:  # a board open all day is "last seen" now, not at its connect
                        with contextlib.suppress(RedisError, OSError):
                            await self.rt.accounts.device_seen(self.sub.device)
                elif msg.type == "snapshot":
                    self.sub.post(SNAPSHOT)
                else:
                    self.sub.post(RESYNC)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self.sub.post(CLOSED)

    async def pump(self) -> None:
        queue = self.sub.queue
        while True:
            if self.raw is not None and queue.empty():
                self.sub.write = self.raw  # live: the hub writes the next events to the socket itself
            frame = await queue.get()
            self.sub.write = None
            if frame is CLOSED:
                return
            if frame is REVOKED:
                await self.socket.close(code=CLOSE_UNAUTHORIZED, reason="credentials revoked")
                return
            if frame is RESYNC:
                await self.catch_up(self.last)
                continue
            if frame is SNAPSHOT:
                await self.snapshot()
                continue
            if frame.seq == 0:
                await self.send(frame.staff)
                continue
            if frame.seq <= self.last:
                continue
            if frame.seq > self.last + 1:
                # A gap (this client joined while the reader was catching up): fill it from the stream.
                await self.catch_up(self.last)
                if frame.seq <= self.last:
                    continue
            await self.deliver(frame)
            self.last = frame.seq

    async def deliver(self, frame: Frame) -> None:
        await self.send(frame.staff if self.sub.staff else frame.public)


async def _admitted(socket: WebSocket[Any, Any, Any], rt: Runtime, since: str | None) -> bool:
    """What every socket checks first: the page's origin, then ``since``; closes the socket when refused."""
    if not origin_allowed(socket, rt):
        await _reject(socket, CLOSE_FORBIDDEN, "origin not allowed")
        return False
    try:
        parse_since(since)
    except ValueError:
        await _reject(socket, CLOSE_INVALID, BAD_SINCE)
        return False
    return True


@websocket("/ws/v1/sites/{site:str}")
async def site_socket(
    socket: WebSocket[Any, Any, Any], site: FromPath[str], since: FromQuery[str | None] = None
) -> None:
    rt: Runtime = socket.app.state.runtime
    if not await _admitted(socket, rt, since):
        return
    if rt.config.site(site) is None:
        await _reject(socket, CLOSE_NOT_FOUND, "unknown_site")
        return
    who = socket.scope.get("user")
    try:
        check(
            who,
            site,
            ALL_ROLES,
            (DeviceKind.KIOSK, DeviceKind.BOARD),
            unverified=bool(socket.scope.get("auth_unavailable")),
        )
    except errors.StoreUnavailable:
        await _reject(socket, CLOSE_TRY_AGAIN, "store unavailable")
        return
    except Unauthorized:
        await _reject(socket, CLOSE_UNAUTHORIZED, "unauthorized")
        return
    except Forbidden:
        await _reject(socket, CLOSE_FORBIDDEN, "forbidden")
        return
    await socket.accept()
    sub = rt.hub.subscribe(
        site,
        staff=isinstance(who, Staff),
        device=who.id if isinstance(who, Device) else None,
        session=who.session_id if isinstance(who, Staff) else None,
    )
    await _serve(socket, rt, SiteSession(socket, rt, sub), parse_since(since))


async def _serve(socket: WebSocket[Any, Any, Any], rt: Runtime, session: SiteSession, since: int | None) -> None:
    """Catch the client up, then pump frames until it goes; always leaves the hub clean."""
    # Litestar keeps the request's headers parsed for the socket's life (~2 KiB a socket; a board is open all day):
    # the handshake is answered, nothing reads them again
    ScopeState.from_scope(socket.scope).headers = Empty
    receiver = asyncio.create_task(session.receive())
    try:
        await session.catch_up(since)
        await session.pump()
    except (errors.StoreUnavailable, RedisError):
        with contextlib.suppress(Exception):
            await socket.close(code=CLOSE_TRY_AGAIN, reason="store unavailable")
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        rt.hub.unsubscribe(session.sub)
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver


class TicketSession(SiteSession):
    """The visitor page: the status of one ticket, kept by the events (no store read after the snapshot). Each
    socket gets its own messages: none is written by the hub."""

    def __init__(
        self, socket: WebSocket[Any, Any, Any], rt: Runtime, sub: Subscriber, token: str,
        first: tuple[StoredTicket, VisitorTicket],
    ) -> None:  # fmt: skip
        super().__init__(socket, rt, sub)
        self.raw = None
        self.token = token
        self.first: tuple[StoredTicket, VisitorTicket] | None = first
        """Read when the socket was admitted: the first snapshot sends it."""
        self.ticket: StoredTicket | None = None
        self.status: VisitorTicket | None = None

    async def snapshot(self) -> None:
        self.ticket, self.status = self.first or await self.rt.visitor(self.token)
        self.first = None
        self.last = await self.rt.store.seq(self.sub.site)
        await self.send(_text(VisitorSnapshotMessage(type="snapshot", seq=self.last, state=self.status)))

    async def catch_up(self, since: int | None) -> None:
        await self.snapshot()

    async def deliver(self, frame: Frame) -> None:
        projected = frame.projected
        if projected is None or self.ticket is None or self.status is None:
            return
        event = projected.event
        if isinstance(event, RawTicketEvent) and event.ticket.id == self.ticket.id:
            await self.send(frame.public)
        self.ticket, status = self.rt.projector.visitor_after(self.ticket, self.status, projected)
        if status != self.status:
            self.status = status
            await self.send(_text(VisitorStatusMessage(type="ticket.status", seq=frame.seq, state=status)))


@websocket("/ws/v1/tickets/{token:str}")
async def ticket_socket(
    socket: WebSocket[Any, Any, Any], token: FromPath[str], since: FromQuery[str | None] = None
) -> None:
    rt: Runtime = socket.app.state.runtime
    if not await _admitted(socket, rt, since):
        return
    address = client_address(socket.scope, rt.settings.trusted_proxies)
    try:
        await rt.limiter.hit("status", f"addr:{address}", STATUS_PER_MINUTE, 60)
        first = await rt.visitor(token)
    except RateLimited as exc:
        await _reject(socket, CLOSE_RATE_LIMITED, f"rate_limited: try again in {max(1, exc.retry_after)} seconds")
        return
    except errors.NotFound:
        await _reject(socket, CLOSE_NOT_FOUND, "not_found")
        return
    except (errors.StoreUnavailable, RedisError):  # the limiter's own Redis call may fail first
        await _reject(socket, CLOSE_TRY_AGAIN, "store unavailable")
        return
    await socket.accept()
    site = first[0].id.partition(".")[0]
    sub = rt.hub.subscribe(site, staff=False)
    await _serve(socket, rt, TicketSession(socket, rt, sub, token, first), None)
