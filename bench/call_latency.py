"""Call latency to display boards: call-next → ``ticket.called`` on every websocket client.

    /tmp/venv/bin/python bench/call_latency.py                          # 10, 200 and 1000 boards, 50 calls each
    /tmp/venv/bin/python bench/call_latency.py --clients 1000 --procs 1 2
    /tmp/venv/bin/python bench/call_latency.py --clients 1000 5000 --workers 2   # serve --workers 2
    /tmp/venv/bin/python bench/call_latency.py --clients 1000 --page-reads 300 --source /tmp/madoguchi-before
    /tmp/venv/bin/python bench/call_latency.py --clients 1000 --compression off --client sansio
    /tmp/venv/bin/python bench/call_latency.py --clients 1000 --profile /tmp/prof   # py-spy the server

For each case a fresh server is started (own data dir, own embedded Valkey, free port); the CLI creates a
kiosk, a board and a counter operator there (docs/SECURITY.md). The operator logs in and opens counter
ch-booth-1 for ``pickup``. K websocket clients with the board's token (no Origin header; permessage-deflate
offered like a browser unless --compression off) are spread over P client processes; the run starts once
every client got its snapshot. With ``--workers N`` the server is ``serve --workers N``: the kernel spreads the
boards over its processes, and CPU and memory are those of all of them. Each of R rounds then:

1. the kiosk issues a ticket; wait until every client received its ``ticket.issued`` (so the call is not
   queued behind that event's fan-out);
2. the operator calls ``call-next``; note when the request left and when its HTTP response arrived
   (CLOCK_MONOTONIC, the same clock in every process of the machine); each client notes when it received
   the ``ticket.called`` of that number;
3. the operator starts and completes the ticket; wait until every client received its ``ticket.done``.

Per case it prints the delay to the event on the slowest client of each call (p50/p99 over the calls) and
per client (over every client and call), counted from the call-next response and from the call-next request;
the HTTP latency of call-next; the server's VmRSS with the clients connected (of each server process); the CPU
each part used; how many boards the server let compress their messages (``serve`` declines); and the
store's commands per round (one visitor issued, called, started and completed, with whatever the boards read
meanwhile) and around the call-next request alone, from INFO commandstats (commands a script runs count one by
one). A delay from the response can be negative: the server may push the event before its HTTP response reaches
the caller.

``--page-reads MS`` makes every board do what the board page did before pages became push only (DESIGN §5): after
a ticket, counter or day event, read ``GET /api/v1/sites/{site}/state`` once, MS milliseconds after the burst's
last event (300 on the board). Use it against a server of that time (``--source``) to see what those reads cost;
a round then also waits until every board's read is done, so they are counted, and the time from the first read
of a round to the end of its last is reported: a call made meanwhile would wait behind those reads. With
``--call-during-reads`` the next round starts as those reads begin (MS + 50 ms after the round's last event)
instead of after they are done, so its issue and call compete with them, as calls made a moment apart do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import multiprocessing as mp
import random
import statistics
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import redis
import websockets
from _common import (
    HOST,
    SITE,
    CpuMeter,
    Credentials,
    Server,
    add_server_arguments,
    format_cpu,
    machine_line,
    now,
    peak_rss_mib,
    provision,
    py_spy,
    raise_nofile_limit,
    rss_mib,
    running_server,
    self_cpu_seconds,
    settle,
    socket_count,
    summary_ms,
    use_store,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame as WsFrame
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

COUNTER = "ch-booth-1"
SERVICE = "pickup"
CONNECT_PARALLEL = 64
"""Boards opening at once, all client processes together."""
CONNECT_ATTEMPTS = 8
EVENTS_PER_ROUND = 4
READ_CONNECTIONS = 32
"""Keep-alive connections per client process for the boards' state reads (``--page-reads``)."""
READ_AFTER = ("ticket.", "counter.changed", "day.closed")
"""The events after which the board page of before push-only read the state."""
KEEP_ALIVE_S = 4.0
"""uvicorn closes a keep-alive connection idle for 5 s: a read connects again before that."""
DRAIN_S = 300.0
"""Longest wait for the boards' state reads of one round."""


# ---- client process: K/P boards ------------------------------------------------------------------


@dataclass
class WorkerSpec:
    url: str
    token: str
    """A board device token, sent as ``Authorization: Bearer`` (a paired board PC sends it as a cookie)."""
    boards: int
    compression: bool
    client: str
    loop: str
    connect_parallel: int
    open_timeout: float
    max_seconds: float
    page_reads_ms: int = 0
    """0: boards only receive (the pages now); else each board reads the state this long after a burst of events."""


class SansIOBoard(asyncio.Protocol):
    """A board on websockets' sans-I/O ``ClientProtocol`` driven by a bare asyncio protocol.

    The same handshake, framing, permessage-deflate and ping answers as the asyncio client, without its
    per-message futures, queues and task wake-ups: a cheaper client, to tell client cost from server cost.
    A receive time is taken when the bytes arrive, before any parsing.
    """

    def __init__(self, owner: Boards, url: str, token: str, compression: bool, index: int) -> None:
        factories = [ClientPerMessageDeflateFactory()] if compression else None
        self.owner = owner
        self.index = index
        self.token = token
        self.proto = ClientProtocol(parse_uri(url), extensions=factories)
        self.transport: asyncio.Transport | None = None
        self.snapshot: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        request = self.proto.connect()
        if self.token:
            request.headers["Authorization"] = f"Bearer {self.token}"
        self.proto.send_request(request)
        self.flush()

    def data_received(self, data: bytes) -> None:
        at = now()
        self.proto.receive_data(data)
        for event in self.proto.events_received():
            if isinstance(event, Response) and event.status_code != 101:
                self._fail(RuntimeError(f"handshake answered {event.status_code}"))
            elif isinstance(event, WsFrame) and event.opcode is Opcode.TEXT:
                if self.snapshot.done():
                    self.owner.on_message(bytes(event.data), at, self.index)
                else:
                    self.snapshot.set_result(bytes(event.data))
            elif isinstance(event, WsFrame) and event.opcode is Opcode.CLOSE:
                self._fail(RuntimeError(f"closed by the server: {self.proto.close_rcvd}"))
        self.flush()

    def flush(self) -> None:
        if self.transport is None:
            return
        for chunk in self.proto.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:
                self.transport.close()

    def _fail(self, exc: BaseException) -> None:
        if not self.snapshot.done():
            self.snapshot.set_exception(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionResetError("connection closed"))
        if not self.closed.done():
            self.closed.set_result(None)

    async def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.proto.send_close()
        self.flush()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.closed), 2)
        self.transport.close()


class StateReads:
    """``GET /api/v1/sites/{site}/state`` as the boards of one client process read it (``--page-reads``), over a
    few keep-alive connections: each board's read is debounced as the board page's was, the reads in flight counted
    so a round can wait until they are all done."""

    def __init__(self, url: str, token: str, delay_ms: int) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or HOST
        self.port = parts.port or 80
        self.path = parts.path.replace("/ws/v1/sites/", "/api/v1/sites/") + "/state"
        self.request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "")
            + "\r\n"
        ).encode()
        self.delay = delay_ms / 1000
        self.timers: dict[int, asyncio.TimerHandle] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.pending = 0
        self.done = 0
        self.failed = 0
        self.first_start = float("inf")
        self.last_end = 0.0
        """Since the last ``span()``: when the first read started and the last ended."""
        self.idle = asyncio.Event()
        self.idle.set()
        self.pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter, float] | None] = asyncio.Queue()
        for _ in range(READ_CONNECTIONS):
            self.pool.put_nowait(None)

    def after_event(self, board: int) -> None:
        """A board got an event the page read the state after: (re)start its debounce timer."""
        timer = self.timers.pop(board, None)
        if timer is None:
            self.pending += 1
            self.idle.clear()
        else:
            timer.cancel()
        self.timers[board] = asyncio.get_running_loop().call_later(self.delay, self._fire, board)

    def _fire(self, board: int) -> None:
        del self.timers[board]
        task = asyncio.get_running_loop().create_task(self._read())
        self.tasks.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self.tasks.discard)

    def span(self) -> tuple[float, float]:
        """(first start, last end) of the reads since the last call; (inf, 0) when there were none."""
        span = (self.first_start, self.last_end)
        self.first_start, self.last_end = float("inf"), 0.0
        return span

    async def _read(self) -> None:
        conn = await self.pool.get()
        self.first_start = min(self.first_start, now())
        try:
            for attempt in (1, 2):  # a keep-alive connection the server closed meanwhile: once more on a new one
                try:
                    if conn is None or conn[1].is_closing() or now() - conn[2] > KEEP_ALIVE_S:
                        if conn is not None:
                            conn[1].close()
                        reader, writer = await asyncio.open_connection(self.host, self.port)
                        conn = (reader, writer, now())
                    await self._get(conn[0], conn[1])
                    conn = (conn[0], conn[1], now())
                    self.done += 1
                    return
                except (OSError, RuntimeError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    if conn is not None:
                        conn[1].close()
                    conn = None
                    if attempt == 2:
                        self.failed += 1
        finally:
            self.last_end = now()
            self.pool.put_nowait(conn)
            self.pending -= 1
            if self.pending == 0:
                self.idle.set()

    async def _get(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(self.request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            status = head.split(b"\r\n", 1)[0]
            raise RuntimeError(f"GET {self.path}: {status!r}")


class Boards:
    """The boards of one client process and what they received, answering the driver over a pipe."""

    def __init__(self, spec: WorkerSpec, conn: Connection) -> None:
        self.spec = spec
        self.conn = conn
        self.sockets: list[ClientConnection | SansIOBoard] = []
        self.failed: list[str] = []
        self.refused: dict[str, int] = {}
        self.seen: dict[tuple[str, str], int] = {}
        self.waiters: dict[tuple[str, str], asyncio.Event] = {}
        self.called: dict[str, list[float]] = {}
        self.settled = asyncio.Event()
        self.reads: StateReads | None = None
        self.compressed = 0
        """Boards whose server accepted permessage-deflate."""

    @property
    def connected(self) -> int:
        return len(self.sockets)

    async def run(self) -> None:
        async with asyncio.timeout(self.spec.max_seconds):
            if self.spec.page_reads_ms:
                self.reads = StateReads(self.spec.url, self.spec.token, self.spec.page_reads_ms)
            gate = asyncio.Semaphore(self.spec.connect_parallel)
            readers = [asyncio.create_task(self.board(gate, i)) for i in range(self.spec.boards)]
            try:
                await self.settled.wait()
                ready = ("ready", self.connected, self.failed[:5], self.refused, self_cpu_seconds(), self.compressed)
                self.conn.send(ready)
                await self.serve_commands()
            finally:
                for ws in self.sockets:
                    with contextlib.suppress(Exception):
                        await ws.close()
                for task in readers:
                    task.cancel()
                await asyncio.gather(*readers, return_exceptions=True)

    async def board(self, gate: asyncio.Semaphore, index: int) -> None:
        opened = await self.open_board(gate, index)
        if opened is None:
            self._check_settled()
            return
        sock, _snapshot = opened
        self.sockets.append(sock)
        self.compressed += bool((sock.proto if isinstance(sock, SansIOBoard) else sock.protocol).extensions)
        self._check_settled()
        if isinstance(sock, SansIOBoard):
            await sock.closed  # its protocol hands every message to on_message
            return
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in sock:
                self.on_message(text, now(), index)

    async def open_board(
        self, gate: asyncio.Semaphore, index: int
    ) -> tuple[ClientConnection | SansIOBoard, Any] | None:
        """Connect and read the snapshot; a refused attempt is retried with backoff, as a board page does,
        at most ``CONNECT_ATTEMPTS`` times. Every refusal is counted by its reason."""
        delay = 0.1
        reason = "no attempt"
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            async with gate:
                try:
                    return await (self._open_sansio(index) if self.spec.client == "sansio" else self._open_asyncio())
                except (OSError, TimeoutError, RuntimeError, websockets.WebSocketException) as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                    self.refused[reason] = self.refused.get(reason, 0) + 1
            if attempt < CONNECT_ATTEMPTS:
                await asyncio.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 2.0)
        self.failed.append(reason)
        return None

    async def _open_asyncio(self) -> tuple[ClientConnection, Any]:
        ws = await connect(
            self.spec.url,
            compression="deflate" if self.spec.compression else None,
            open_timeout=self.spec.open_timeout,
            ping_interval=None,
            close_timeout=2,
            additional_headers={"Authorization": f"Bearer {self.spec.token}"} if self.spec.token else None,
        )
        try:
            return ws, json.loads(await asyncio.wait_for(ws.recv(), self.spec.open_timeout))
        except BaseException:
            await ws.close()
            raise

    async def _open_sansio(self, index: int) -> tuple[SansIOBoard, Any]:
        parts = urlsplit(self.spec.url)
        _, board = await asyncio.wait_for(
            asyncio.get_running_loop().create_connection(
                lambda: SansIOBoard(self, self.spec.url, self.spec.token, self.spec.compression, index),
                parts.hostname or HOST,
                parts.port or 80,
            ),
            self.spec.open_timeout,
        )
        try:
            return board, json.loads(await asyncio.wait_for(asyncio.shield(board.snapshot), self.spec.open_timeout))
        except BaseException:
            await board.close()
            raise

    def _check_settled(self) -> None:
        if self.connected + len(self.failed) >= self.spec.boards:
            self.settled.set()

    def on_message(self, text: str | bytes, at: float, board: int) -> None:
        msg = json.loads(text)
        if self.reads is not None and str(msg.get("type", "")).startswith(READ_AFTER):
            self.reads.after_event(board)
        ticket = msg.get("ticket")
        if not isinstance(ticket, dict):
            return
        key = (str(msg.get("type")), str(ticket.get("number")))
        if key[0] == "ticket.called":
            self.called.setdefault(key[1], []).append(at)
        count = self.seen.get(key, 0) + 1
        self.seen[key] = count
        if count >= self.connected and (event := self.waiters.get(key)):
            event.set()

    async def serve_commands(self) -> None:
        """Answer the driver's commands until "stop" (or the driver's end of the pipe closes).

        A thread blocks on the pipe: an event-loop reader would switch the pipe to non-blocking mode
        (uvloop does), and then sending a large result fails with EAGAIN.
        """
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        threading.Thread(target=self._read_pipe, args=(loop, inbox), name="driver-pipe", daemon=True).start()
        while True:
            command = await inbox.get()
            if command[0] == "wait":
                self.conn.send(await self.wait_all(command[1], command[2], command[3]))
            elif command[0] == "drain":
                self.conn.send(await self.drain(command[1]))
            elif command[0] == "results":
                self.conn.send(("results", self.called, self_cpu_seconds()))
            else:
                return

    def _read_pipe(self, loop: asyncio.AbstractEventLoop, inbox: asyncio.Queue[tuple[Any, ...]]) -> None:
        while True:
            try:
                command: tuple[Any, ...] = self.conn.recv()
            except (EOFError, OSError):
                command = ("stop",)
            loop.call_soon_threadsafe(inbox.put_nowait, command)
            if command[0] == "stop":
                return

    async def drain(self, limit_s: float) -> tuple[str, int, int, float, float]:
        """Wait until every board's state read (``--page-reads``) is done; ("ok"|"timeout", reads, failed reads,
        first start and last end of the reads since the last drain)."""
        if self.reads is None:
            return "ok", 0, 0, float("inf"), 0.0
        try:
            await asyncio.wait_for(self.reads.idle.wait(), limit_s)
        except TimeoutError:
            return "timeout", self.reads.done, self.reads.failed, *self.reads.span()
        return "ok", self.reads.done, self.reads.failed, *self.reads.span()

    async def wait_all(self, kind: str, number: str, limit_s: float) -> tuple[str, int]:
        """Wait until every connected board got event ``kind`` of ticket ``number``; ("ok"|"timeout", missing)."""
        key = (kind, number)
        event = self.waiters.setdefault(key, asyncio.Event())
        if self.seen.get(key, 0) >= self.connected:
            event.set()
        try:
            await asyncio.wait_for(event.wait(), limit_s)
        except TimeoutError:
            return "timeout", self.connected - self.seen.get(key, 0)
        finally:
            self.waiters.pop(key, None)
        return "ok", 0


def worker_main(spec: WorkerSpec, conn: Connection) -> None:
    """Entry point of a client process."""
    raise_nofile_limit(spec.boards + 1024)
    with contextlib.suppress(KeyboardInterrupt):
        if spec.loop == "uvloop":
            import uvloop

            uvloop.run(Boards(spec, conn).run())
        else:
            asyncio.run(Boards(spec, conn).run())
    conn.close()


# ---- driver --------------------------------------------------------------------------------------


class Api:
    """Blocking keep-alive HTTP/1.1 to the server (the driver makes one request at a time)."""

    IDLE_S = 2.0
    """uvicorn closes a keep-alive connection idle for 5 s; reconnect before that instead of finding out."""

    def __init__(self, server: Server, creds: Credentials, timeout: float = 10.0) -> None:
        self.conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
        self.last_used = now()
        self.kiosk = {"authorization": f"Bearer {creds.kiosk_token}"} if creds.kiosk_token else {}
        self.staff: dict[str, str] = {}
        if creds.operator_login:
            self.login(creds.operator_login, creds.operator_password)

    def login(self, login: str, password: str) -> None:
        """A counter operator's session: its cookie, and the CSRF header every change must carry."""
        status, body, _, cookies = self.post("/api/v1/auth/login", {"login": login, "password": password}, {})
        if status != 200 or "madoguchi_session" not in cookies:
            raise RuntimeError(f"login failed: {status} {body}")
        self.staff = {"cookie": f"madoguchi_session={cookies['madoguchi_session']}", "x-csrf-token": body["csrf"]}

    def post(
        self, path: str, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], float, dict[str, str]]:
        """POST; status, JSON body, the CLOCK_MONOTONIC time the whole response had arrived, cookies set."""
        if now() - self.last_used > self.IDLE_S:
            self.conn.close()  # http.client connects again on the next request
        payload = json.dumps(body or {}).encode()
        self.conn.request("POST", path, body=payload, headers={"content-type": "application/json", **headers})
        resp = self.conn.getresponse()
        data = resp.read()
        at = self.last_used = now()
        cookies = dict(c.split(";", 1)[0].split("=", 1) for c in resp.headers.get_all("set-cookie") or [] if "=" in c)
        return resp.status, json.loads(data) if data else {}, at, cookies

    def must(
        self, path: str, body: dict[str, Any] | None = None, *, expect: int = 200, kiosk: bool = False
    ) -> tuple[dict[str, Any], float]:
        """POST as the operator (or as the kiosk) and insist on ``expect``."""
        status, data, at, _ = self.post(path, body, self.kiosk if kiosk else self.staff)
        if status != expect:
            raise RuntimeError(f"POST {path}: {status} {data}")
        return data, at

    def close(self) -> None:
        self.conn.close()


@dataclass
class Workers:
    procs: list[BaseProcess] = field(default_factory=list)
    pipes: list[Connection] = field(default_factory=list)

    def ask_all(self, command: tuple[Any, ...], timeout: float) -> list[tuple[Any, ...]]:
        for pipe in self.pipes:
            pipe.send(command)
        return [receive(pipe, timeout) for pipe in self.pipes]

    def stop(self, timeout: float = 15.0) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError, ValueError):
                pipe.send(("stop",))
        for proc in self.procs:
            proc.join(timeout)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
        for pipe in self.pipes:
            pipe.close()


def receive(pipe: Connection, timeout: float) -> tuple[Any, ...]:
    if not pipe.poll(timeout):
        raise TimeoutError(f"a client process did not answer within {timeout:.0f} s")
    reply: tuple[Any, ...] = pipe.recv()
    return reply


def start_workers(specs: list[WorkerSpec]) -> Workers:
    ctx = mp.get_context("spawn")
    workers = Workers()
    for spec in specs:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=worker_main, args=(spec, child), daemon=True)
        proc.start()
        child.close()
        workers.procs.append(proc)
        workers.pipes.append(parent)
    return workers


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class StoreStats:
    """INFO commandstats of the server's embedded store (``<data-dir>/redis.json`` says where it answers): how many
    times each command ran, those a script ran included, INFO itself left out."""

    def __init__(self, srv: Server) -> None:
        url = json.loads((srv.data_dir / "redis.json").read_text())["url"]
        self.client = redis.Redis.from_url(url)

    def calls(self) -> dict[str, int]:
        info: dict[str, Any] = self.client.info("commandstats")
        return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in info.items() if k != "cmdstat_info"}

    def close(self) -> None:
        self.client.close()


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n != before.get(k, 0)}


@dataclass
class Round:
    number: str
    sent_at: float
    responded_at: float
    missing: int = 0
    commands: dict[str, int] = field(default_factory=dict)
    """Store commands of the whole round (and of the boards' state reads it caused, with ``--page-reads``)."""
    call_commands: dict[str, int] = field(default_factory=dict)
    """Store commands while the call-next request was answered."""
    reads_s: float = 0.0
    """From the first state read of the round to the end of its last (``--page-reads``; 0 without)."""
    end_calls: dict[str, int] = field(default_factory=dict)
    """The store's command counts when the round ended."""

    @property
    def http_s(self) -> float:
        return self.responded_at - self.sent_at


@dataclass
class Result:
    boards: int
    procs: int
    client: str
    compression: bool
    connected: int
    rss_each: list[float]
    """VmRSS of each server process (each worker of ``serve --workers N``) with the boards connected, MiB."""
    rss_after: list[float]
    rss_peak: list[float]
    rounds: list[Round]
    called: dict[str, list[float]]
    cpu: dict[str, float]
    page_reads: int = 0
    """State reads the boards made during the calls (``--page-reads``)."""
    workers: int = 1
    compressed: int = 0
    """Boards whose messages the server agreed to compress (permessage-deflate)."""
    sockets: list[int] = field(default_factory=list)
    """Open sockets of each server process with the boards connected: how the kernel spread the boards."""
    during_reads: bool = False
    """Each call was made while the boards' reads of the round before went on (``--call-during-reads``)."""

    @property
    def rss_connected(self) -> float:
        """The largest server process's VmRSS with the boards connected (the target is per process)."""
        return max(self.rss_each)

    def commands(self, call_only: bool = False) -> float:
        """Store commands per round (or around the call-next request alone), mean over the rounds."""
        totals = [sum((r.call_commands if call_only else r.commands).values()) for r in self.rounds]
        return statistics.fmean(totals) if totals else float("nan")

    def commands_by_name(self, top: int = 8) -> str:
        """The commands of a round, most first, as "evalsha 4, xadd 4, ..." (means over the rounds)."""
        summed: dict[str, int] = {}
        for r in self.rounds:
            for name, n in r.commands.items():
                summed[name] = summed.get(name, 0) + n
        rows = sorted(summed.items(), key=lambda kv: -kv[1])[:top]
        return ", ".join(f"{name} {n / len(self.rounds):.1f}" for name, n in rows)

    def slowest(self, since_request: bool = False) -> list[float]:
        """Per call: from the call-next response (or request) to the event on the last board."""
        return [
            max(self.called[r.number]) - (r.sent_at if since_request else r.responded_at)
            for r in self.rounds
            if self.called.get(r.number)
        ]

    def per_client(self, since_request: bool = False) -> list[float]:
        """Per call and board: from the call-next response (or request) to the event on that board."""
        return [
            t - (r.sent_at if since_request else r.responded_at)
            for r in self.rounds
            for t in self.called.get(r.number, [])
        ]

    def deliveries(self) -> int:
        return sum(len(self.called.get(r.number, [])) for r in self.rounds)

    def cpu_us_per_frame(self, part: str) -> float:
        """CPU µs a part spent per event frame delivered to one board (4 events a round: issued, called,
        serving, done), HTTP handling and Valkey included for the server."""
        frames = len(self.rounds) * EVENTS_PER_ROUND * self.connected
        return 1e6 * self.cpu[part] * self.cpu["wall"] / frames if frames else float("nan")


def wait_boards(workers: Workers, kind: str, number: str, timeout: float) -> int:
    """Block until every board got ``kind`` for ``number``; returns how many boards missed it."""
    replies = workers.ask_all(("wait", kind, number, timeout), timeout + 10)
    return sum(int(missing) for _, missing in replies)


def one_round(api: Api, workers: Workers, store: StoreStats, timeout: float, overlap: float | None = None) -> Round:
    """One visitor issued, called, started and completed; then the boards' state reads (``--page-reads``) are
    waited for, or with ``overlap`` only that long (the next round then runs while they are made)."""
    start = store.calls()
    # no print job: this measures the calls (bench/print_render.py measures the ticket rendering)
    ticket, _ = api.must(f"/api/v1/sites/{SITE}/tickets", {"service": SERVICE, "print": False}, expect=201, kiosk=True)
    number = str(ticket["number"])
    missing = wait_boards(workers, "ticket.issued", number, timeout)
    before_call = store.calls()
    sent = now()
    called, responded = api.must(f"/api/v1/counters/{COUNTER}/call-next")
    call_commands = delta(store.calls(), before_call)
    if called["number"] != number:
        raise RuntimeError(f"call-next called {called['number']}, expected {number}")
    missing += wait_boards(workers, "ticket.called", number, timeout)
    api.must(f"/api/v1/tickets/{called['id']}/start")
    api.must(f"/api/v1/tickets/{called['id']}/complete", {"outcome": "completed"})
    missing += wait_boards(workers, "ticket.done", number, timeout)
    reads_s = 0.0
    if overlap is None:
        _, reads_s = drain(workers, DRAIN_S)  # the boards' state reads this round caused (--page-reads) count in it
    else:
        time.sleep(overlap)  # until the boards' reads have begun: the next call is made while they go on
    end = store.calls()
    return Round(number, sent, responded, missing, delta(end, start), call_commands, reads_s, end)


def drain(workers: Workers, timeout: float) -> tuple[int, float]:
    """Wait until the boards' state reads are done: how many they made so far (all client processes), and the
    time from the first of those since the last drain to the end of the last."""
    replies = workers.ask_all(("drain", timeout), timeout + 10)
    if any(reply[0] != "ok" for reply in replies):
        raise RuntimeError("the boards' state reads did not finish")
    failed = sum(int(reply[2]) for reply in replies)
    if failed:
        raise RuntimeError(f"{failed} state reads of the boards failed")
    first, last = min(float(reply[3]) for reply in replies), max(float(reply[4]) for reply in replies)
    return sum(int(reply[1]) for reply in replies), max(last - first, 0.0)


@dataclass(frozen=True)
class Case:
    boards: int
    procs: int
    client: str
    compression: bool
    workers: int = 1
    """Server processes (``serve --workers N``)."""

    @property
    def name(self) -> str:
        return f"{self.boards}-{self.client}-p{self.procs}-w{self.workers}-{'deflate' if self.compression else 'plain'}"


def worker_specs(args: argparse.Namespace, case: Case, url: str, token: str) -> list[WorkerSpec]:
    """The boards of ``case`` split over its client processes."""
    parallel = max(1, args.connect_parallel // case.procs)
    return [
        WorkerSpec(
            url,
            token,
            n,
            case.compression,
            case.client,
            args.loop,
            parallel,
            args.timeout,
            args.max_seconds,
            args.page_reads,
        )
        for n in split(case.boards, case.procs)
        if n
    ]


def measure(args: argparse.Namespace, case: Case) -> Result:
    """One case on a fresh server, always stopped afterwards with its client processes."""
    with running_server(clock=args.clock, source=args.source, workers=case.workers) as srv:
        creds = provision(srv, args.source)
        api = Api(srv, creds)
        try:
            api.must(f"/api/v1/counters/{COUNTER}/open", {"services": [SERVICE]})
            url = f"{srv.ws_url}/ws/v1/sites/{SITE}"
            specs = worker_specs(args, case, url, creds.board_token)
            workers = start_workers(specs)
            try:
                return drive(args, srv, api, workers, case)
            finally:
                workers.stop()
        finally:
            api.close()


def drive(args: argparse.Namespace, srv: Server, api: Api, workers: Workers, case: Case) -> Result:
    ready = [receive(pipe, args.max_seconds) for pipe in workers.pipes]
    connected = sum(int(r[1]) for r in ready)
    errors = [e for r in ready for e in r[2]]
    refused: dict[str, int] = {}
    for r in ready:
        for reason, n in r[3].items():
            refused[reason] = refused.get(reason, 0) + n
    if refused:
        print(f"  {sum(refused.values())} connection attempts refused and retried: {refused}", flush=True)
    if connected < case.boards:
        print(f"  only {connected} of {case.boards} boards connected; first errors: {errors}", flush=True)
    settle(args.quiet_wait)
    serving = srv.serving_pids()
    if len(serving) < case.workers:
        raise RuntimeError(f"{len(serving)} server processes of {case.workers} are running")
    rss_connected = [rss_mib(pid) for pid in serving]
    sockets = [socket_count(pid) for pid in serving]
    meter = CpuMeter(srv.pid, srv.valkey_pid(), workers=srv.worker_pids())
    profile = args.profile / f"call-{case.name}.txt" if args.profile else None
    store = StoreStats(srv)
    try:
        with py_spy(serving[0], profile):  # with several workers: the first
            reads_before, _ = drain(workers, DRAIN_S)
            overlap = (args.page_reads + 50) / 1000 if args.call_during_reads and args.page_reads else None
            meter.start()
            rounds = [one_round(api, workers, store, args.timeout, overlap) for _ in range(args.rounds)]
            reads = drain(workers, DRAIN_S)[0] - reads_before  # the last round's reads, when they overlap
            last = rounds[-1]
            for name, n in delta(store.calls(), last.end_calls).items():
                last.commands[name] = last.commands.get(name, 0) + n
            results = workers.ask_all(("results",), args.timeout + 10)
            meter.extra_client_seconds = sum(
                float(res[2]) - float(rd[4]) for res, rd in zip(results, ready, strict=True)
            )
            cpu = meter.stop()
    finally:
        store.close()
    called: dict[str, list[float]] = {}
    for _, part, _ in results:
        for number, times in part.items():
            called.setdefault(number, []).extend(times)
    return Result(
        case.boards, case.procs, case.client, case.compression, connected, rss_connected,
        [rss_mib(pid) for pid in serving], [peak_rss_mib(pid) for pid in serving], rounds, called, cpu, reads,
        case.workers, sum(int(r[5]) for r in ready), sockets, overlap is not None,
    )  # fmt: skip


# ---- reporting -----------------------------------------------------------------------------------


def report(r: Result) -> None:
    slow, each = summary_ms(r.slowest()), summary_ms(r.per_client())
    slow_req, each_req = summary_ms(r.slowest(since_request=True)), summary_ms(r.per_client(since_request=True))
    http_ms = summary_ms([x.http_s for x in r.rounds])
    missing = sum(x.missing for x in r.rounds)
    reads = summary_ms([x.reads_s for x in r.rounds])
    print(
        f"boards={r.boards} (connected {r.connected}, {r.procs} {r.client} client process(es), "
        f"compression {'offered' if r.compression else 'off'}, accepted for {r.compressed}; "
        f"{r.workers} server process(es)), {len(r.rounds)} calls:\n"
        f"  call-next response → event on the slowest board: p50 {slow['p50']:.1f} ms, p99 {slow['p99']:.1f} ms, "
        f"max {slow['max']:.1f} ms; per board: p50 {each['p50']:.1f} ms, p99 {each['p99']:.1f} ms\n"
        f"  call-next request → event on the slowest board: p50 {slow_req['p50']:.1f} ms, "
        f"p99 {slow_req['p99']:.1f} ms, max {slow_req['max']:.1f} ms; per board: p50 {each_req['p50']:.1f} ms, "
        f"p99 {each_req['p99']:.1f} ms\n"
        f"  call-next HTTP request → response: p50 {http_ms['p50']:.1f} ms, p99 {http_ms['p99']:.1f} ms; "
        f"{r.deliveries()} deliveries of {len(r.rounds) * r.connected} expected; missed waits {missing}\n"
        f"  open sockets per server process: {' + '.join(map(str, r.sockets))}; "
        f"VmRSS per process: {mib(r.rss_each)} MiB with the boards connected, {mib(r.rss_after)} MiB after "
        f"the calls, peak {mib(r.rss_peak)} MiB\n"
        f"  {format_cpu(r.cpu)}; CPU per frame delivered: server {r.cpu_us_per_frame('server'):.0f} µs, "
        f"client {r.cpu_us_per_frame('client'):.0f} µs\n"
        f"  store commands per round (issue, call-next, start, complete"
        f"{f', and {r.page_reads / len(r.rounds):.0f} state reads by the boards' if r.page_reads else ''}): "
        f"{r.commands():.0f} ({r.commands_by_name()}); while call-next was answered: {r.commands(call_only=True):.0f}"
        f"{' (with the reads of the round before)' if r.during_reads else ''}"
        + (
            f"\n  the boards' state reads of a round, first start to last end: p50 {reads['p50']:.0f} ms, "
            f"max {reads['max']:.0f} ms (a call made meanwhile waits behind them)"
            if any(x.reads_s for x in r.rounds)
            else ""
        ),
        flush=True,
    )


def mib(values: list[float]) -> str:
    return " + ".join(f"{v:.1f}" for v in values)


def table(results: list[Result]) -> str:
    """Delays in ms: ``resp`` from the call-next response, ``req`` from the call-next request."""
    rows = [
        "| boards | server procs | client | procs | compression | slowest p50 resp | slowest p99 resp "
        "| per-board p50 resp | slowest p50 req | slowest p99 req | call-next HTTP p50 | server RSS MiB (largest) "
        "| server µs/frame | client µs/frame | other cores | store cmds/round | store cmds/call-next "
        "| state reads/round | reads span p50 ms |",
        "|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        slow, each = summary_ms(r.slowest()), summary_ms(r.per_client())
        slow_req = summary_ms(r.slowest(since_request=True))
        http_ms = summary_ms([x.http_s for x in r.rounds])
        reads = summary_ms([x.reads_s for x in r.rounds])
        rows.append(
            f"| {r.boards} | {r.workers} | {r.client} | {r.procs} | {'deflate' if r.compression else 'off'} "
            f"| {slow['p50']:.1f} "
            f"| {slow['p99']:.1f} | {each['p50']:.1f} | {slow_req['p50']:.1f} | {slow_req['p99']:.1f} "
            f"| {http_ms['p50']:.1f} | {r.rss_connected:.1f} | {r.cpu_us_per_frame('server'):.0f} "
            f"| {r.cpu_us_per_frame('client'):.0f} | {r.cpu['other']:.2f} | {r.commands():.0f} "
            f"| {r.commands(call_only=True):.0f} | {r.page_reads / len(r.rounds):.0f} | {reads['p50']:.0f} |"
        )
    return "\n".join(rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, nargs="+", default=[10, 200, 1000], help="board counts (default 10 200 1000)")
    p.add_argument("--rounds", type=int, default=50, help="calls per board count (default 50)")
    p.add_argument(
        "--procs", type=int, nargs="+", default=None, help="client processes (default: 1 up to 200 boards, else 2)"
    )
    p.add_argument(
        "--compression",
        choices=("deflate", "off"),
        nargs="+",
        default=["deflate"],
        help="deflate: offer permessage-deflate like a browser (default); off: offer none",
    )
    p.add_argument(
        "--client",
        choices=("asyncio", "sansio"),
        nargs="+",
        default=["asyncio"],
        help="asyncio: websockets' asyncio client (default); sansio: websockets' sans-I/O protocol on a bare "
        "asyncio.Protocol, a cheaper client",
    )
    p.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="server processes: serve --workers N (default 1); several values run each",
    )
    p.add_argument("--profile", type=Path, help="sample the server with py-spy into this folder (during the calls)")
    p.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="event loop of the client processes (default uvloop, as the server uses)",
    )
    add_server_arguments(p)
    p.add_argument(
        "--connect-parallel",
        type=int,
        default=CONNECT_PARALLEL,
        help=f"boards opening at once, all client processes together (default {CONNECT_PARALLEL})",
    )
    p.add_argument(
        "--page-reads",
        type=int,
        default=0,
        metavar="MS",
        help="each board reads GET /state MS ms after a burst of ticket, counter or day events, as the board page "
        "did before push only (300); default 0: the boards only receive, as the pages now do",
    )
    p.add_argument(
        "--call-during-reads",
        action="store_true",
        help="with --page-reads: start the next round as the boards' reads begin, not after they are all done",
    )
    p.add_argument("--timeout", type=float, default=30.0, help="longest wait for one step, s")
    p.add_argument("--max-seconds", type=float, default=600.0, help="longest life of a client process, s")
    return p.parse_args(argv)


def cases(args: argparse.Namespace) -> list[Case]:
    out = []
    for boards in args.clients:
        for client in args.client:
            for compression in args.compression:
                for procs in args.procs or [1 if boards <= 200 else 2]:
                    for workers in args.workers:
                        procs = max(1, min(procs, boards))
                        out.append(Case(boards, procs, client, compression == "deflate", workers))
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_nofile_limit(max(args.clients) + 1024)
    use_store(args.store)
    print(machine_line(), flush=True)
    results: list[Result] = []
    failed = 0
    for case in cases(args):
        try:
            result = measure(args, case)
        except (OSError, TimeoutError, RuntimeError) as exc:
            print(f"case {case.name} failed: {type(exc).__name__}: {exc}", flush=True)
            failed += 1
            continue
        report(result)
        results.append(result)
    print()
    print(table(results))
    bad = failed or any(r.connected < r.boards or any(x.missing for x in r.rounds) for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
