"""Issue throughput: N tickets at concurrency C against one server; tickets/s, latency percentiles, distinct numbers.

    /tmp/venv/bin/python bench/issue_throughput.py                        # N=3000, C=32, raw client
    /tmp/venv/bin/python bench/issue_throughput.py --concurrency 8 32 64 --client raw httpx httpx-each
    /tmp/venv/bin/python bench/issue_throughput.py --profile /tmp/prof    # py-spy the server while timing
    /tmp/venv/bin/python bench/issue_throughput.py --client httpx --concurrency 16 --server-timing
        # also the server's own time per request, its event-loop lag and GC pauses: where slow answers were slow
    /tmp/venv/bin/python bench/issue_throughput.py --url http://127.0.0.1:8000 --token KIOSK_TOKEN

Each (client, concurrency) run gets a fresh server (own data dir, own embedded Valkey, free port) unless
--url is given, and a kiosk device created with the CLI: tickets are issued as a kiosk does, with its
``Authorization: Bearer`` token. Every request carries a unique idempotency key, so each 201 is a new
ticket; the run checks that all the numbers it got are distinct. The timed part follows an untimed warm-up.

Clients (all keep-alive, C connections): ``raw`` is C hand-written asyncio HTTP/1.1 connections (the
default: the cheapest client, so the shared 2 cores go to the server); ``httpx`` is one httpx.AsyncClient
with a pool of C; ``httpx-each`` is C AsyncClients of one connection each. The CPU line shows what each
part of the machine used, the client included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
import time
import uuid
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from _common import (
    SITE,
    CpuMeter,
    ServerTiming,
    add_server_arguments,
    format_cpu,
    machine_line,
    now,
    percentile,
    provision,
    py_spy,
    running_server,
    settle,
    summary_ms,
    use_store,
)

ISSUE_PATH = f"/api/v1/sites/{SITE}/tickets"
CLIENTS = ("raw", "httpx", "httpx-each")
SERVICES = ("inquiry", "application", "pickup", "unsuspend", "abolition", "surface-update", "e-cert", "pin-reset")


class Poster(Protocol):
    async def post(self, path: str, body: bytes) -> tuple[int, bytes]: ...


# ---- clients -------------------------------------------------------------------------------------


class HttpxPoster:
    """httpx.AsyncClient with a pool of ``size`` keep-alive connections."""

    def __init__(self, base_url: str, size: int, timeout: float, headers: dict[str, str]) -> None:
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self.client = httpx.AsyncClient(
            base_url=base_url, limits=limits, timeout=timeout, headers={"content-type": "application/json", **headers}
        )

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        resp = await self.client.post(path, content=body)
        return resp.status_code, resp.content

    async def aclose(self) -> None:
        await self.client.aclose()


class RawConnection:
    """One HTTP/1.1 keep-alive connection: request, status line, headers, Content-Length body."""

    def __init__(self, host: str, port: int, timeout: float, headers: dict[str, str]) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), timeout=self.timeout
        )

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{self.extra}\r\n"
        ).encode()
        self.writer.write(head + body)
        return await asyncio.wait_for(self._response(self.reader), timeout=self.timeout)

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise RuntimeError("response without Content-Length (the raw client reads no chunked bodies)")
        return status, await reader.readexactly(length)

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def open_posters(stack: AsyncExitStack, cfg: RunConfig) -> list[Poster]:
    """One poster per worker; closed by ``stack``."""
    if cfg.client == "httpx":
        shared = HttpxPoster(cfg.base_url, cfg.concurrency, cfg.request_timeout, cfg.headers)
        stack.push_async_callback(shared.aclose)
        return [shared] * cfg.concurrency
    if cfg.client == "httpx-each":
        own = [HttpxPoster(cfg.base_url, 1, cfg.request_timeout, cfg.headers) for _ in range(cfg.concurrency)]
        for poster in own:
            stack.push_async_callback(poster.aclose)
        return list(own)
    parts = urlsplit(cfg.base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    conns = [RawConnection(host, port, cfg.request_timeout, cfg.headers) for _ in range(cfg.concurrency)]
    for conn in conns:
        stack.push_async_callback(conn.aclose)
    return list(conns)


# ---- one run -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunConfig:
    base_url: str
    client: str
    concurrency: int
    n: int
    warmup: int
    services: tuple[str, ...]
    request_timeout: float
    max_seconds: float
    token: str
    """A kiosk device token: kiosks issue tickets with ``Authorization: Bearer``."""
    printed: bool = False
    """Leave ``print`` to the server's default (a print job per ticket) instead of sending ``"print": false``."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class RunResult:
    client: str
    concurrency: int
    n: int
    wall: float
    latencies: list[float] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    starts: list[float] = field(default_factory=list)
    """CLOCK_MONOTONIC start of each 201 of ``latencies`` (the same clock as the server's timings)."""
    span: tuple[float, float] = (0.0, 0.0)
    """CLOCK_MONOTONIC start and end of the timed part."""
    timing: ServerTiming | None = None

    @property
    def rate(self) -> float:
        """Tickets issued (201) per second over the timed part."""
        return len(self.latencies) / self.wall if self.wall > 0 else 0.0


def body_for(run_id: str, i: int, services: tuple[str, ...], printed: bool) -> bytes:
    """Issuing only by default: no print job (bench/print_render.py measures the ticket rendering);
    ``printed`` leaves the server's default, which queues a print job per ticket as a kiosk does."""
    body: dict[str, object] = {"service": services[i % len(services)], "idempotency_key": f"{run_id}-{i}"}
    if not printed:
        body["print"] = False
    return json.dumps(body).encode()


async def drive(
    posters: list[Poster], n: int, run_id: str, cfg: RunConfig, deadline: float, starts: list[float] | None = None
) -> tuple[list[float], list[str], dict[str, int]]:
    """Issue ``n`` tickets with one worker per poster; latencies and numbers of the 201s, and error counts
    (``starts``: also when each 201's request began, on CLOCK_MONOTONIC)."""
    latencies: list[float] = []
    numbers: list[str] = []
    errors: dict[str, int] = {}
    next_index = iter(range(n))

    def count(key: str) -> None:
        errors[key] = errors.get(key, 0) + 1

    async def worker(poster: Poster) -> None:
        for i in next_index:
            if time.monotonic() > deadline:
                count("deadline")
                return
            began = now()
            t0 = time.perf_counter()
            try:
                status, body = await poster.post(ISSUE_PATH, body_for(run_id, i, cfg.services, cfg.printed))
            except (TimeoutError, OSError, httpx.HTTPError, RuntimeError, asyncio.IncompleteReadError) as exc:
                count(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - t0
            if status == 201:
                latencies.append(elapsed)
                if starts is not None:
                    starts.append(began)
                numbers.append(json.loads(body)["number"])
            else:
                count(f"{status} {json.loads(body).get('code', '')}" if body.startswith(b"{") else str(status))

    await asyncio.gather(*(worker(p) for p in posters))
    return latencies, numbers, errors


async def run_once(cfg: RunConfig, meter: CpuMeter | None, profile: Path | None = None) -> RunResult:
    """Warm up (untimed), then issue ``cfg.n`` tickets timed, measuring CPU (and profiling) the timed part."""
    run_id = f"bench-{uuid.uuid4().hex[:12]}"
    async with AsyncExitStack() as stack:
        posters = await open_posters(stack, cfg)
        deadline = time.monotonic() + cfg.max_seconds
        _, warm_numbers, warm_errors = await drive(posters, cfg.warmup, f"{run_id}-w", cfg, deadline)
        with py_spy(meter.server_pid, profile) if meter else contextlib.nullcontext():
            if meter:
                meter.start()
            t0, began = time.perf_counter(), now()
            starts: list[float] = []
            latencies, numbers, errors = await drive(posters, cfg.n, run_id, cfg, deadline, starts)
            wall = time.perf_counter() - t0
            cpu = meter.stop() if meter else {}
    for key, n in warm_errors.items():
        errors[f"warm-up {key}"] = n
    return RunResult(
        cfg.client, cfg.concurrency, cfg.n, wall, latencies, warm_numbers + numbers, errors, cpu, starts,
        (began, now()),
    )  # fmt: skip


def run_one(args: argparse.Namespace, client: str, concurrency: int, services: tuple[str, ...]) -> RunResult:
    """One run; against a fresh server (always stopped afterwards) unless --url."""

    def config(base_url: str, token: str) -> RunConfig:
        return RunConfig(
            base_url, client, concurrency, args.n, args.warmup, services, args.timeout, args.max_seconds, token,
            args.print,
        )  # fmt: skip

    if args.url:
        return run_loop(args.loop, run_once(config(args.url, args.token), None))
    profile = args.profile / f"issue-{client}-c{concurrency}.txt" if args.profile else None
    with contextlib.ExitStack() as stack:
        timing = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "timing" if args.server_timing else None
        srv = stack.enter_context(running_server(clock=args.clock, source=args.source, timing=timing))
        creds = provision(srv, args.source)
        settle(args.quiet_wait)
        meter = CpuMeter(srv.pid, srv.valkey_pid())
        result = run_loop(args.loop, run_once(config(srv.url, creds.kiosk_token), meter, profile))
        if timing is not None:
            result.timing = ServerTiming.read(timing, *result.span)
        return result


def run_loop(loop: str, coro: Coroutine[Any, Any, RunResult]) -> RunResult:
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coro)
    return asyncio.run(coro)


# ---- reporting -----------------------------------------------------------------------------------


def report(result: RunResult, expected_numbers: int) -> None:
    s = summary_ms(result.latencies)
    distinct = len(set(result.numbers))
    print(
        f"client={result.client} concurrency={result.concurrency} n={result.n}: "
        f"{result.rate:,.0f} tickets/s, latency of the 201s ms p50 {s['p50']:.1f} p95 {s['p95']:.1f} "
        f"p99 {s['p99']:.1f} max {s['max']:.1f}; distinct numbers {distinct} of {len(result.numbers)} issued "
        f"(expected {expected_numbers}); errors {result.errors or 0}",
        flush=True,
    )
    if distinct != len(result.numbers):
        print(f"  DUPLICATE NUMBERS: {len(result.numbers) - distinct}", flush=True)
    if result.timing is not None:
        print(f"  {result.timing.summary()}\n  {slowest_answers(result)}", flush=True)
    if result.cpu:
        per_ticket = {k: 1e6 * result.cpu[k] * result.cpu["wall"] / max(len(result.latencies), 1) for k in result.cpu}
        print(
            f"  {format_cpu(result.cpu)}\n  CPU per ticket: server {per_ticket['server']:.0f} µs, "
            f"valkey {per_ticket['valkey']:.0f} µs, client {per_ticket['client']:.0f} µs",
            flush=True,
        )


def slowest_answers(result: RunResult) -> str:
    """The slowest 1 % of the answers as the client measured them, beside the longest time any request begun
    meanwhile spent inside the server: equal when the server was slow, far apart when the time went outside it."""
    assert result.timing is not None
    slow = sorted(zip(result.starts, result.latencies, strict=True), key=lambda r: -r[1])[
        : max(1, len(result.starts) // 100)
    ]
    inside = []
    for began, took in slow:
        during = [ms for at, ms in result.timing.requests if began - 0.001 <= at <= began + took]
        inside.append(max(during, default=float("nan")))
    return (
        f"slowest 1 % of the answers: client-side {percentile([1000 * t for _, t in slow], 50):.1f} ms (median); the "
        f"longest server-side time of a request begun meanwhile {percentile(inside, 50):.1f} ms (median)"
    )


def table(results: list[RunResult]) -> str:
    rows = [
        "| client | concurrency | tickets/s | p50 ms | p95 ms | p99 ms | distinct / issued | errors "
        "| server cores | client cores | other cores |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s = summary_ms(r.latencies)
        cores = [f"{r.cpu[k]:.2f}" if r.cpu else "-" for k in ("server", "client", "other")]
        rows.append(
            f"| {r.client} | {r.concurrency} | {r.rate:,.0f} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} "
            f"| {len(set(r.numbers))} / {len(r.numbers)} | {sum(r.errors.values())} | {' | '.join(cores)} |"
        )
    return "\n".join(rows)


# ---- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=3000, help="tickets to issue per run (default 3000)")
    p.add_argument("--concurrency", type=int, nargs="+", default=[32], help="requests in flight (default 32)")
    p.add_argument("--client", choices=CLIENTS, nargs="+", default=["raw"], help="HTTP client(s) (default raw)")
    p.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop", help="client event loop")
    p.add_argument("--warmup", type=int, default=200, help="tickets issued before timing (default 200)")
    p.add_argument("--services", default="pickup", help="comma-separated services, or 'all' (default pickup)")
    p.add_argument(
        "--print",
        action="store_true",
        help='let every ticket queue a print job, as a kiosk does (default: issue with "print": false)',
    )
    p.add_argument("--profile", type=Path, help="sample the server with py-spy into this folder (timed part)")
    p.add_argument(
        "--server-timing",
        action="store_true",
        help="the server records its own time per request, event-loop lag and GC pauses "
        "(bench/server_timing): says whether slow answers were slow inside the server",
    )
    p.add_argument("--url", help="use this running server instead of starting one per run")
    p.add_argument("--token", default="", help="with --url: a kiosk device token of the site (`madoguchi device add`)")
    add_server_arguments(p)
    p.add_argument("--timeout", type=float, default=10.0, help="per-request timeout, s")
    p.add_argument("--max-seconds", type=float, default=300.0, help="give up a run after this long")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    services = SERVICES if args.services == "all" else tuple(s for s in args.services.split(",") if s)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    use_store(args.store)
    print(machine_line(), flush=True)
    results: list[RunResult] = []
    for client in args.client:
        for concurrency in args.concurrency:
            result = run_one(args, client, concurrency, services)
            report(result, args.n + args.warmup)
            results.append(result)
    print()
    print(table(results))
    bad = any(r.errors or len(set(r.numbers)) != len(r.numbers) for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
