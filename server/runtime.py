"""What one server process holds while it runs: settings, config, clock, Redis clients, store and hub.

Built by the app's lifespan and kept on ``app.state.runtime``; route handlers read it from there.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from server.auth.accounts import Accounts
from server.auth.audit import AuditLog
from server.auth.limits import RateLimiter
from server.auth.passwords import Hasher
from server.calendar_store import CalendarStore
from server.clock import Clock
from server.config import Config
from server.fanout import Hub
from server.printing import LONG_POLLS_PER_PROCESS, Printing
from server.projection import LineFacts, Projector, plain, project_ticket, state, stored_ticket, visitor_ticket
from server.queue.store import Store
from server.settings import Settings
from server.storeclient import redis_client as redis_client  # the factory's old home: callers import it here
from server.tasks import cancel_all
from server.views import RawLine, SiteState, StoredTicket, VisitorTicket

log = logging.getLogger("madoguchi")


@dataclass
class Runtime:
    settings: Settings
    config: Config
    clock: Clock
    redis_url: str
    hasher: Hasher | None = None
    redis: Redis = field(init=False)
    store: Store = field(init=False)
    calendar: CalendarStore = field(init=False)
    accounts: Accounts = field(init=False)
    limiter: RateLimiter = field(init=False)
    audit: AuditLog = field(init=False)
    blocking: Redis = field(init=False)
    longpoll: Redis = field(init=False)
    printing: Printing = field(init=False)
    projector: Projector = field(init=False)
    hub: Hub = field(init=False)
    tz: ZoneInfo = field(init=False)
    tasks: list[asyncio.Task[None]] = field(init=False, default_factory=list)
    """This process's own background tasks (the fan-out and the printers keep theirs)."""
    snapshot_reads: dict[str, int] = field(init=False, default_factory=lambda: {"http": 0, "socket": 0})
    """Site snapshots read since start, by who asked: ``GET /sites/{site}/state`` ("http") or a socket's connect
    (or its ``{"type": "snapshot"}``). Pages never ask again after an event: tests/integration/test_push_only.py
    counts them."""

    def __post_init__(self) -> None:
        self.redis = redis_client(self.redis_url)
        self.store = Store(self.redis, self.config, self.clock)
        self.calendar = CalendarStore(self.store)
        self.accounts = Accounts(self.redis, self.hasher, now=self.clock.timestamp)
        self.limiter = RateLimiter(self.redis)
        self.audit = AuditLog(self.redis, [site.id for site in self.config.sites])
        self.blocking = redis_client(self.redis_url, blocking=True, name="madoguchi-printers")
        # print agents' long polls wait on a pool of their own, as many connections as polls may wait
        self.longpoll = redis_client(
            self.redis_url, blocking=True, max_connections=LONG_POLLS_PER_PROCESS, name="madoguchi-agents"
        )
        self.printing = Printing(
            self.store, self.blocking, self.config, self.settings.data_dir, self.settings.base_url,
            longpoll=self.longpoll,
        )  # fmt: skip
        self.projector = Projector(self.config, self.store.opening)
        self.hub = Hub(lambda: redis_client(self.redis_url, blocking=True), self.config, self.projector)
        self.hub.watchers.append(self.calendar.watch)
        self.tz = ZoneInfo(self.config.timezone)

    async def start(self) -> None:
        listen = self.accounts.device_cache.listen(lambda: redis_client(self.redis_url, blocking=True))
        self.tasks.append(asyncio.create_task(listen, name="device-revocations"))
        await self.hub.start()
        await self.calendar.start()  # after the fan-out's start: a change from now on reaches it as an event
        if self.settings.print_workers:
            await self.printing.start()

    async def stop(self) -> None:
        await self.printing.stop()
        await self.hub.stop()
        await cancel_all(self.tasks)
        await self.calendar.stop()
        await self.blocking.aclose()
        await self.longpoll.aclose()
        await self.redis.aclose()

    async def snapshot(self, site_id: str, *, staff: bool = False, via: str = "socket") -> SiteState:
        """The site snapshot (``StaffSiteState`` for staff), read in one store step."""
        self.snapshot_reads[via] = self.snapshot_reads.get(via, 0) + 1
        site = self.store.site(site_id)
        opening = self.store.opening(site_id)
        raw = await self.store.raw_state(site_id, opening, staff=staff)
        return state(self.config, site, opening, raw, self.clock.now(), staff=staff, training=self.clock.training)

    async def state(self, site_id: str, *, staff: bool = False) -> dict[str, Any]:
        """``GET /api/v1/sites/{site}/state``: the snapshot as the socket sends it."""
        return plain(await self.snapshot(site_id, staff=staff, via="http"))

    def status_url(self, token: str) -> str:
        return f"{self.settings.base_url}/t/{token}"

    async def visitor(self, token: str) -> tuple[StoredTicket, VisitorTicket]:
        """The ticket a visitor token names and the visitor's view of it (its place by the call order, the wait,
        why its service is paused), read in one store step."""
        found = await self.store.status_by_token(token)
        now_ms = int(self.clock.now().timestamp() * 1000)
        facts = LineFacts.of(found.line, self.config, now_ms, self.projector.policy, found.streak)
        return found.ticket, visitor_ticket(self.config, self.store.opening, found.ticket, facts)

    async def ticket_status(self, token: str) -> dict[str, Any]:
        """The visitor's view of a ticket: no id, no operator, no token; ``pause`` says why its service is paused."""
        _, status = await self.visitor(token)
        return plain(status)

    def public_ticket(
        self, ticket: dict[str, str], ahead: int, recent_seconds: list[float], counters_serving: int
    ) -> dict[str, Any]:
        """A ticket as issuing answers and prints it: the visitor's view, ``ahead`` tickets before it."""
        t = stored_ticket(ticket)
        line = RawLine(service=t.service, durations=recent_seconds or None, serving=counters_serving)
        facts = LineFacts.of(line, self.config, 0, self.projector.policy, 0)
        facts.place[t.id] = ahead
        return plain(visitor_ticket(self.config, self.store.opening, t, facts))

    def staff_ticket(self, ticket: dict[str, str]) -> dict[str, Any]:
        return project_ticket(ticket, self.tz, staff=True)
