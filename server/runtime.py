"""What one server process holds while it runs: settings, config, clock, Redis clients, store and hub.

Built by the app's lifespan and kept on ``app.state.runtime``; route handlers read it from there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.connection import Connection, UnixDomainSocketConnection
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from server.auth.accounts import Accounts
from server.auth.audit import AuditLog
from server.auth.limits import RateLimiter
from server.auth.passwords import Hasher
from server.calendar_store import CalendarStore
from server.clock import Clock
from server.config import Config
from server.fanout import Hub
from server.printing import LONG_POLLS_PER_PROCESS, Printing
from server.projection import pause_view, project_event, project_ticket, state, wait_for, wait_inputs
from server.queue.store import Store
from server.settings import Settings

log = logging.getLogger("madoguchi")


POOL_SIZE = 256
POOL_WAIT_S = 5.0
"""A burst (a board reconnect storm, many kiosks at once) waits for a free connection instead of failing."""


class _ClosedTransportIsConnectionError:
    """uvloop raises ``RuntimeError`` ("the handler is closed") when a command is written to a socket the
    store just closed (Redis killed mid-burst), where asyncio raises ``ConnectionError``; redis-py knows only
    the latter. Turned into the same, the command gets its retry and the request a 503, never a 500."""

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        try:
            await super().send_packed_command(command, check_health)  # type: ignore[misc]
        except RuntimeError as exc:
            await self.disconnect(nowait=True)  # type: ignore[attr-defined]
            raise RedisConnectionError(f"the connection to the store was closed: {exc}") from exc


class _Connection(_ClosedTransportIsConnectionError, Connection):
    pass


class _UnixConnection(_ClosedTransportIsConnectionError, UnixDomainSocketConnection):
    pass


def redis_client(
    url: str, *, blocking: bool = False, max_connections: int = POOL_SIZE, name: str | None = None
) -> Redis:
    """A client that fails fast when Redis is down, so requests answer 503 instead of hanging.

    A connection found dead (the store restarted) is retried once. Issuance always runs under an
    idempotency key, so a retry after a lost reply returns the same ticket; any other state change
    re-run after a lost reply is refused by the transition table rather than applied twice.
    ``blocking`` clients (XREAD BLOCK, BLMOVE) get no socket timeout. Each client has a pool of its own:
    whoever waits on one client's connections never takes another's.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=POOL_WAIT_S,
        decode_responses=True,
        socket_connect_timeout=2.0,
        socket_timeout=None if blocking else 5.0,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 1),
        health_check_interval=0 if blocking else 1,
        client_name=name or ("madoguchi-fanout" if blocking else "madoguchi"),
        connection_class=_UnixConnection if url.startswith("unix:") else _Connection,
    )
    return Redis(connection_pool=pool)


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
    hub: Hub = field(init=False)
    tz: ZoneInfo = field(init=False)

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
        self.hub = Hub(lambda: redis_client(self.redis_url, blocking=True), self.config)
        self.hub.watchers.append(self.calendar.watch)
        self.tz = ZoneInfo(self.config.timezone)

    async def start(self) -> None:
        await self.hub.start()
        await self.calendar.start()  # after the fan-out's start: a change from now on reaches it as an event
        if self.settings.print_workers:
            await self.printing.start()

    async def stop(self) -> None:
        await self.printing.stop()
        await self.hub.stop()
        await self.calendar.stop()
        await self.blocking.aclose()
        await self.longpoll.aclose()
        await self.redis.aclose()

    async def state(self, site_id: str, *, staff: bool = False) -> dict[str, Any]:
        site = self.store.site(site_id)
        opening = self.store.opening(site_id)
        raw = await self.store.raw_state(site_id, opening, staff=staff)
        return state(self.config, site, opening, raw, self.clock.now(), staff=staff, training=self.clock.training)

    def project(self, data: str | bytes) -> tuple[str, str]:
        staff, public = project_event(msgspec.json.decode(data), self.config)
        return msgspec.json.encode(staff).decode(), msgspec.json.encode(public).decode()

    def status_url(self, token: str) -> str:
        return f"{self.settings.base_url}/t/{token}"

    async def ticket_status(self, token: str) -> dict[str, Any]:
        """The visitor's view of a ticket: no id, no operator, no token; ``pause`` says why its service is paused."""
        ticket, ahead = await self.store.ticket_by_token(token)
        site_id = str(ticket["id"]).partition(".")[0]
        raw = await self.store.raw_state(site_id)
        status = self.public_ticket(ticket, ahead, *wait_inputs(raw, ticket["service"]))
        status["pause"] = pause_view(raw.paused.get(ticket["service"]), staff=False)
        return status

    def public_ticket(
        self, ticket: dict[str, str], ahead: int, recent_seconds: list[float], counters_serving: int
    ) -> dict[str, Any]:
        waiting = ticket.get("status") == "waiting"
        svc = self.config.service(ticket["service"])
        site = self.config.site(str(ticket["id"]).partition(".")[0])
        return {
            "number": ticket["number"],
            "service": ticket["service"],
            "service_name": svc.name if svc else ticket["service"],
            "service_name_en": svc.name_en if svc else ticket["service"],
            "site": site.id if site else None,
            "site_name": site.name if site else None,
            # the outreach event's venue on the ticket's date (the page names the place by it), else None
            "venue": self.store.opening(site.id, date.fromisoformat(ticket["business_date"])).venue if site else None,
            "status": ticket["status"],
            "position": ahead + 1 if waiting else 0,
            "waiting_ahead": ahead if waiting else 0,
            "estimated_wait_min": (
                wait_for(self.config, ticket["service"], ahead, recent_seconds, counters_serving) if waiting else 0
            ),
            "counter": ticket.get("counter") or None,
            "counter_label": ticket.get("counter_label") or None,
            "lang": ticket.get("lang") or "ja",
        }

    def staff_ticket(self, ticket: dict[str, str]) -> dict[str, Any]:
        return project_ticket(ticket, self.tz, staff=True)
