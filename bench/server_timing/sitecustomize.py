"""Instrumentation of a benchmarked server, on its import path only with ``--server-timing`` (never in production).

Python imports ``sitecustomize`` at start-up; in a ``madoguchi serve`` process this one appends, to the file that
``BENCH_SERVER_TIMING`` names, one line per:

- request: ``req <monotonic start> <ms>``, from the moment uvicorn parsed its headers to its last body write (the
  server's own share of the latency a client measures);
- event-loop lag over 3 ms: ``lag <monotonic> <ms>`` (a task that sleeps 5 ms woke that much later: something ran
  that long without yielding);
- garbage collection over 2 ms: ``gc <monotonic> gen<N> <ms>``.

CLOCK_MONOTONIC is the same clock in every process of the machine, so the client can line the records up with its
own.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from typing import Any

PATH = os.environ.get("BENCH_SERVER_TIMING")
LAG_EVERY_S = 0.005


def install(path: str) -> None:
    log = open(path, "a", buffering=1)  # noqa: SIM115 (open for the life of the process)
    started: dict[str, float] = {}

    def collected(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started["gc"] = time.perf_counter()
            return
        ms = (time.perf_counter() - started.get("gc", time.perf_counter())) * 1000
        if ms > 2:
            log.write(f"gc {time.monotonic():.4f} gen{info['generation']} {ms:.2f}\n")

    gc.callbacks.append(collected)

    import uvicorn.protocols.http.httptools_impl as httptools

    cycle = httptools.RequestResponseCycle
    original_init, original_send = cycle.__init__, cycle.send

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.bench_started = time.monotonic()

    async def send(self: Any, message: Any) -> None:
        await original_send(self, message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            log.write(f"req {self.bench_started:.4f} {(time.monotonic() - self.bench_started) * 1000:.2f}\n")

    cycle.__init__, cycle.send = init, send  # type: ignore[method-assign]

    import server.runtime

    runtime = server.runtime.Runtime
    original_start = runtime.start
    watchers: list[asyncio.Task[None]] = []  # the loop cancels it at exit

    async def watch_lag() -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(LAG_EVERY_S)
            lag = time.monotonic() - before - LAG_EVERY_S
            if lag > 0.003:
                log.write(f"lag {before:.4f} {lag * 1000:.2f}\n")

    async def start(self: Any) -> None:
        await original_start(self)
        watchers.append(asyncio.get_running_loop().create_task(watch_lag(), name="bench-lag"))

    runtime.start = start  # type: ignore[method-assign]


if PATH and "serve" in sys.argv:
    install(PATH)
