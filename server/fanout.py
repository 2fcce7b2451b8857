"""Fan-out: each server process reads the site event streams and hands every event to its websocket clients.

One reader task per site blocks on XREAD from the last id it saw. When Redis goes away the reader marks
the process not ready, retries with capped backoff for as long as it takes, and resumes from the same id
when Redis is back (the stream survives a restart through AOF), so clients see every event in order
without reconnecting. Each event is decoded and projected once per process, not once per client
(``server.projection.Projector``): the staff and public texts, and the typed event with its lines for the visitor
sessions, which update their ticket from it with no store read.

Each text is also framed once (``server.wsframes``) and written as it is to every site socket that is live (caught
up, nothing queued, writable): no task switch and no send wrappers per board. A socket that is not live gets the
event on its queue, and its session sends it the ordinary way, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.auth.accounts import digest
from server.config import Config
from server.mailbox import Mailbox
from server.projection import Projected, Projector, Unknown
from server.queue.keys import CONTROL_CHANNEL, SiteKeys
from server.tasks import cancel_all
from server.wsframes import Write, text_frame

log = logging.getLogger("madoguchi.fanout")

QUEUE_LIMIT = 2000
"""Events a slow client may fall behind before it is told to resync."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One event, encoded once for each audience (``projected``: the event itself, for the visitor sessions)."""

    seq: int
    staff: str
    public: str
    projected: Projected | None = None


RESYNC = Frame(seq=-1, staff="", public="")
"""Put on a client's queue when it fell too far behind or the store lost its history."""

REVOKED = Frame(seq=-3, staff="", public="")
"""Put on a client's queue when its device was revoked or its staff session ended: the socket closes."""


@dataclass(eq=False)
class Subscriber:
    site: str
    staff: bool
    queue: Mailbox[Frame] = field(default_factory=lambda: Mailbox(QUEUE_LIMIT))
    device: str | None = None
    session: str | None = None
    last: int = 0
    """The seq of the last event the client has (sent to it, or in its snapshot)."""
    write: Write | None = None
    """Set by the session while it is live (caught up, its queue empty): the hub writes the next event's encoded
    frame to the socket itself. Anything queued unsets it until the session has sent the queue."""

    def push(self, frame: Frame) -> None:
        self.write = None
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            # Too far behind: drop what is queued and ask it to resync from its last seq.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)

    def post(self, frame: Frame) -> None:
        """Queue a message of the session's own (a pong, an error, a request): never dropped for a resync."""
        self.write = None
        self.queue.put_nowait(frame)


class Hub:
    def __init__(
        self, redis_factory: Callable[[], Redis], config: Config, projector: Projector, block_ms: int = 5000
    ) -> None:
        self._redis_factory = redis_factory
        self.config = config
        self.projector = projector
        self.block_ms = block_ms
        self.subscribers: dict[str, set[Subscriber]] = {s.id: set() for s in config.sites}
        self.last_seq: dict[str, int] = {}
        self._ready: dict[str, bool] = {s.id: False for s in config.sites}
        self._tasks: list[asyncio.Task[None]] = []
        self._last_event: dict[str, tuple[str, Any]] = {}
        """Site -> (id, data) of the last event its reader handed out: a reconnect checks the stream still has it."""
        self._decoder = msgspec.json.Decoder()
        self.events_seen = 0
        self.watchers: list[Callable[[str, str], Awaitable[None]]] = []
        """Awaited with (site, event JSON) before an event reaches this process's clients: the calendar overrides
        reload on ``calendar.changed`` there. A store error in one retries the event once the store is back."""

    @property
    def ready(self) -> bool:
        return all(self._ready.values()) and bool(self._tasks)

    def subscribe(self, site: str, *, staff: bool, device: str | None = None, session: str | None = None) -> Subscriber:
        """``session``: the staff session id; kept as its digest, the name under which an ended session is revoked."""
        sub = Subscriber(site=site, staff=staff, device=device, session=digest(session) if session else None)
        self.subscribers[site].add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers[sub.site].discard(sub)

    def connections(self) -> int:
        return sum(len(s) for s in self.subscribers.values())

    async def start(self) -> None:
        """Start one reader per site, each from the site's current seq.

        The starting point is read here, before the server takes requests, so no event written after
        start-up can fall before a reader's first id; if Redis is down the reader finds it later.
        """
        redis = self._redis_factory()
        try:
            for site in self.config.sites:
                try:
                    self.last_seq[site.id] = int(await redis.get(SiteKeys(site.id).seq) or 0)
                except (RedisError, OSError) as exc:
                    log.warning("site %s: event stream unreachable at start (%s)", site.id, exc)
        finally:
            await redis.aclose()
        for site in self.config.sites:
            self._tasks.append(asyncio.create_task(self._read(site.id), name=f"fanout:{site.id}"))
        self._tasks.append(asyncio.create_task(self._control(), name="fanout:control"))

    async def stop(self) -> None:
        await cancel_all(self._tasks)

    def _dispatch(self, site: str, seq: int, data: str | bytes) -> None:
        self.last_seq[site] = seq
        self.events_seen += 1
        if not self.subscribers[site]:
            return  # nobody of this process listens to the site: nothing to project (a socket opened later catches up)
        projected = self.projector.project(site, data)
        frame = Frame(seq, projected.staff, projected.public, None if isinstance(projected, Unknown) else projected)
        staff_wire = public_wire = b""
        for sub in tuple(self.subscribers[site]):
            write = sub.write
            if write is not None and sub.last == seq - 1:
                if sub.staff:
                    wire = staff_wire = staff_wire or text_frame(frame.staff)
                else:
                    wire = public_wire = public_wire or text_frame(frame.public)
                if write(wire):
                    sub.last = seq
                    continue
            sub.push(frame)

    def revoke(self, kind: str, ident: str) -> None:
        """Close this process's sockets of a revoked device or an ended staff session."""
        for subs in self.subscribers.values():
            for sub in tuple(subs):
                if (kind == "device" and sub.device == ident) or (kind == "session" and sub.session == ident):
                    sub.push(REVOKED)

    async def _control(self) -> None:
        delay = 0.05
        healthy = True
        while True:
            redis = self._redis_factory()
            pubsub = redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CONTROL_CHANNEL)
                delay = 0.05
                healthy = True
                async for message in pubsub.listen():
                    try:
                        body = self._decoder.decode(message["data"])
                        self.revoke(str(body["revoke"]), str(body["id"]))
                    except (msgspec.DecodeError, KeyError, TypeError) as exc:
                        log.warning("ignored a bad control message: %s", exc)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if healthy:
                    log.warning("control channel unreachable (%s); retrying", exc)
                healthy = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await redis.aclose()

    async def _diverged(self, redis: Redis, site: str, last_id: str) -> bool:
        """Whether the stream no longer holds the last event this process handed out as it was: after a failover
        the new master may have the same seq numbers for other events (the ones it lacked were never confirmed to
        their requests, but boards saw them), so a lower seq alone does not tell."""
        seen = self._last_event.get(site)
        if seen is None or seen[0] != last_id:
            return False
        entries: Any = await redis.xrange(SiteKeys(site).events, min=last_id, max=last_id)
        return not entries or (entries[0][1].get("e") or entries[0][1].get(b"e")) != seen[1]

    def _resync_all(self, site: str) -> None:
        for sub in tuple(self.subscribers[site]):
            sub.push(RESYNC)

    async def _read(self, site: str) -> None:
        keys = SiteKeys(site)
        redis: Redis | None = None
        delay = 0.05
        last_id: str | None = f"{self.last_seq[site]}-0" if site in self.last_seq else None
        while True:
            try:
                if redis is None:
                    redis = self._redis_factory()
                current = int(await redis.get(keys.seq) or 0)
                if last_id is None:
                    last_id = f"{current}-0" if current else "0-0"
                elif current < self.last_seq.get(site, 0) or await self._diverged(redis, site, last_id):
                    # The store came back without our history (no persistence, or a Sentinel failover to a replica
                    # that had not received the last events): start over and tell clients.
                    log.error("site %s: the event stream no longer holds event %s (seq now %s); clients resync",
                              site, last_id, current)  # fmt: skip
                    last_id = f"{current}-0" if current else "0-0"
                    self.last_seq[site] = current
                    self._resync_all(site)
                self._ready[site] = True
                delay = 0.05
                while True:
                    reply: Any = await redis.xread({keys.events: last_id}, count=500, block=self.block_ms)
                    if reply:
                        # the request whose script wrote these events (a call-next) usually got its reply in the
                        # same moment: let it answer before the frames to every board of the process are written
                        await asyncio.sleep(0)
                    for _stream, entries in reply or ():
                        for entry_id, fields in entries:
                            eid = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                            data = fields.get("e") or fields.get(b"e")
                            for watch in self.watchers:
                                await watch(site, data)
                            last_id = eid
                            self._last_event[site] = (eid, data)
                            self._dispatch(site, int(eid.split("-", 1)[0]), data)
            except asyncio.CancelledError:
                if redis is not None:
                    await redis.aclose()
                raise
            except (RedisError, OSError) as exc:
                if self._ready[site]:
                    log.warning("site %s: event stream unreachable (%s); retrying", site, exc)
                self._ready[site] = False
                if redis is not None:
                    with contextlib.suppress(Exception):
                        await redis.aclose()
                    redis = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
