"""Shared fixtures: a private Redis/Valkey server, real servers on loopback, real HTTP and websocket clients.

The session's Redis runs on a free loopback port with AOF (the embedded-server class of the product
itself); every test starts from an empty database. A test that kills or restarts Redis starts its own
with ``create_redis``. Servers run uvicorn in a thread on a socket bound here, so a client can connect
as soon as the app's start-up finished.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis as redis_sync
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from server.app import create_app
from server.auth.passwords import Hasher
from server.auth.principals import DeviceKind, Role
from server.clock import Clock
from server.config import Config, load_config
from server.embedded import EmbeddedRedis
from server.runtime import Runtime
from server.settings import Settings
from server.wsframes import PushProtocol

# A Tuesday morning: City Hall has 6 counters (November), every weekday service is offered.
WEEKDAY_MORNING = datetime.fromisoformat("2026-11-24T10:00:00+09:00")
RECV_TIMEOUT = 10.0
FAST_HASHER = Hasher(time_cost=1, memory_cost=1024)
"""argon2id with small costs: the suite creates many accounts; production keeps the library defaults."""


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(Path(__file__).resolve().parent.parent / "config" / "fukutsu.toml")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    client = redis_sync.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def create_redis(tmp_path: Path) -> Iterator[Callable[[], EmbeddedRedis]]:
    """A Redis of the test's own, for tests that stop, kill and restart it."""
    started: list[EmbeddedRedis] = []

    def make() -> EmbeddedRedis:
        server = EmbeddedRedis(tmp_path / f"redis{len(started)}")
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@dataclass
class LiveServer:
    base_url: str
    clock: Clock
    runtime: Runtime
    _server: uvicorn.Server
    _thread: threading.Thread
    loop: asyncio.AbstractEventLoop
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return "ws" + self.base_url[4:]

    async def add_staff(self, role: str, sites: tuple[str, ...] = (), login: str | None = None) -> dict[str, str]:
        """A staff account made directly in the store; returns its login and password."""
        login = login or f"{role}-{secrets.token_hex(3)}"
        password = f"pw-{secrets.token_urlsafe(12)}"
        await self.call(self.runtime.accounts.add_staff(login, f"{role} {login}", Role(role), sites, password))
        return {"login": login, "password": password}

    async def login(self, role: str = "admin", sites: tuple[str, ...] = ()) -> httpx.AsyncClient:
        """An HTTP client logged in as a new staff member of ``role`` (cookies plus the CSRF header)."""
        cred = await self.add_staff(role, sites)
        client = self.http()
        r = await client.post("/api/v1/auth/login", json=cred)
        assert r.status_code == 200, r.text
        client.headers["x-csrf-token"] = r.json()["csrf"]
        return client

    async def device_token(self, kind: str = "board", site: str = "city-hall") -> str:
        created = await self.call(self.runtime.accounts.add_device(site, DeviceKind(kind), f"test {kind} {site}"))
        return str(created["token"])

    async def device(self, kind: str = "kiosk", site: str = "city-hall") -> httpx.AsyncClient:
        client = self.http()
        client.headers["authorization"] = f"Bearer {await self.device_token(kind, site)}"
        return client

    async def call(self, coro: Any) -> Any:
        """Await a coroutine on the server's own event loop (its Redis clients live there)."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def http(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.base_url, timeout=15.0)
        self.clients.append(client)
        return client

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


@pytest.fixture
async def create_server(config: Config, redis_url: str, tmp_path: Path) -> AsyncIterator[Callable[..., LiveServer]]:
    """Servers on loopback. Print workers are off unless asked for: their printer.changed events would
    interleave with the events a test counts."""
    servers: list[LiveServer] = []

    def make(
        *,
        at: datetime = WEEKDAY_MORNING,
        url: str | None = None,
        settings: Settings | None = None,
        config: Config = config,
        print_workers: bool = False,
        port: int = 0,
        stock_websockets: bool = False,
    ) -> LiveServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(256)  # connections queue from now on, before uvicorn accepts them
        port = sock.getsockname()[1]
        clock = Clock(config.timezone, at)
        settings = (settings or Settings(data_dir=tmp_path / "var")).with_(
            host="127.0.0.1", port=port, print_workers=print_workers
        )
        app = create_app(
            settings, redis_url=url or redis_url, config=config, clock=clock, embedded=True, hasher=FAST_HASHER
        )
        started = threading.Event()
        loops: list[asyncio.AbstractEventLoop] = []

        def on_startup(_app: Any) -> None:
            loops.append(asyncio.get_running_loop())
            started.set()

        app.on_startup.append(on_startup)
        # proxy_headers off, as `serve` runs it: the app alone decides whose X-Forwarded-For to believe; the same
        # websockets protocol and no permessage-deflate, so the fan-out writes its frames as in production
        # (stock_websockets: uvicorn's own protocol, deflate accepted, as under another server)
        ws = ("auto", True) if stock_websockets else (PushProtocol, False)
        uv_config = uvicorn.Config(app, lifespan="on", log_level="warning", timeout_graceful_shutdown=2,
                                   proxy_headers=False, ws=ws[0], ws_per_message_deflate=ws[1])  # fmt: skip
        server = uvicorn.Server(uv_config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        if not started.wait(timeout=20):
            raise RuntimeError("the server did not start")
        live = LiveServer(f"http://127.0.0.1:{port}", clock, app.state.runtime, server, thread, loops[0])
        servers.append(live)
        LIVE[f"127.0.0.1:{port}"] = live
        return live

    yield make
    for live in servers:
        LIVE.pop(urlsplit(live.base_url).netloc, None)
        for client in live.clients:
            await client.aclose()
        live.stop()


@pytest.fixture
async def server(create_server: Callable[..., LiveServer]) -> LiveServer:
    return create_server()


@pytest.fixture
async def http(server: LiveServer) -> httpx.AsyncClient:
    """A client logged in as an admin: allowed everywhere (access rules have tests of their own)."""
    return await server.login("admin")


class Socket:
    """A websocket client that waits on messages with a timeout, never on time."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    async def recv(self, within: float = RECV_TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.conn.recv(), within)
        msg: dict[str, Any] = json.loads(raw)
        return msg

    async def until(self, predicate: Callable[[dict[str, Any]], bool], within: float = RECV_TIMEOUT) -> dict[str, Any]:
        """The first message matching ``predicate`` (others are skipped)."""

        async def wait() -> dict[str, Any]:
            while True:
                msg = json.loads(await self.conn.recv())
                if predicate(msg):
                    return msg  # type: ignore[no-any-return]

        return await asyncio.wait_for(wait(), within)

    async def events(self, n: int, within: float = RECV_TIMEOUT) -> list[dict[str, Any]]:
        return [await self.recv(within) for _ in range(n)]

    async def send(self, obj: Any) -> None:
        await self.conn.send(obj if isinstance(obj, str) else json.dumps(obj))

    async def close(self) -> None:
        await self.conn.close()


LIVE: dict[str, LiveServer] = {}
"""Running test servers by host:port, so a websocket URL finds the server that can mint its device token."""


@pytest.fixture
async def open_ws() -> AsyncIterator[Callable[..., Any]]:
    """Open a websocket; site sockets get a board device token of that site unless ``anonymous``."""
    opened: list[Socket] = []
    tokens: dict[str, str] = {}

    async def make(url: str, *, anonymous: bool = False, **kw: Any) -> Socket:
        parts = urlsplit(url)
        if parts.path.startswith("/ws/v1/sites/") and not anonymous and "additional_headers" not in kw:
            key = f"{parts.netloc}{parts.path}"
            if key not in tokens:
                tokens[key] = await LIVE[parts.netloc].device_token("board", parts.path.split("/")[4])
            kw["additional_headers"] = {"Authorization": f"Bearer {tokens[key]}"}
        conn = await connect(url, open_timeout=10, max_size=2**24, **kw)
        sock = Socket(conn)
        opened.append(sock)
        return sock

    yield make
    for sock in opened:
        await sock.close()


async def issue(
    http: httpx.AsyncClient, service: str = "pickup", site: str = "city-hall", **body: Any
) -> dict[str, Any]:
    r = await http.post(f"/api/v1/sites/{site}/tickets", json={"service": service, **body})
    assert r.status_code in (200, 201), r.text
    data: dict[str, Any] = r.json()
    return data


async def open_counter(http: httpx.AsyncClient, counter: str, *services: str) -> None:
    r = await http.post(f"/api/v1/counters/{counter}/open", json={"services": list(services) or ["pickup"]})
    assert r.status_code == 200, r.text
