"""The print worker: takes jobs for one printer, prints them in order, never loses one.

For each job it asks the printer's status first and sends only to a printer that can print (out of paper
or cover open: nothing is sent, so nothing is half-printed and printed again later). A failed attempt is
retried with capped backoff; after ``failover_after`` failures the job moves to the site's next printer when
there is one. A job that cannot be printed for ``give_up_after_s`` is marked failed (the visitor still has
the number on screen and the guide can reprint).

The queue behind the worker is a protocol: the server implements it on Redis (``server.printing``), the
print agent on a kiosk PC over HTTP (``printers.agent``). Both run this same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Protocol

from printers.errors import PrinterError
from printers.profile import PrinterProfile
from printers.status import PrinterStatus
from printers.ticket import Layout, TicketData, render_ticket
from printers.transport import Transport

log = logging.getLogger("madoguchi.printers")

PRINTABLE = frozenset({"ok", "paper_near_end", "unknown"})
"""States in which a job is sent. ``unknown``: the printer does not answer status queries (many cheap
models), so sending is the only way to find out; an unreachable printer fails the send instead."""


@dataclass(frozen=True, slots=True)
class PrintJob:
    id: str
    ticket: TicketData
    created_at: float
    """Epoch seconds; the job gives up this long after it was queued, not after the last retry."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_delay_s: float = 0.5
    max_delay_s: float = 10.0
    failover_after: int = 2
    give_up_after_s: float = 15 * 60

    def delay(self, attempts: int) -> float:
        return float(min(self.max_delay_s, self.first_delay_s * 2 ** max(0, attempts - 1)))


class JobQueue(Protocol):
    async def take(self, printer: str, wait_s: float) -> PrintJob | None:
        """The next job for ``printer`` (it stays in flight until settled), or None after ``wait_s`` seconds."""
        ...

    async def settle(self, job: PrintJob, printer: str, state: str, detail: str = "") -> None:
        """Record ``printing``, ``retrying`` (still in flight), or the end: ``printed`` or ``failed``."""
        ...

    async def failover(self, job: PrintJob, printer: str) -> str | None:
        """Move the job to the next printer of its site; that printer's id, or None when there is none."""
        ...

    async def report(self, printer: str, status: PrinterStatus) -> None:
        """What the printer said about itself (published when it changed)."""
        ...


class PrintWorker:
    def __init__(
        self,
        printer: str,
        transport: Transport,
        queue: JobQueue,
        *,
        profile: PrinterProfile,
        layout: Layout,
        policy: RetryPolicy | None = None,
        idle_poll_s: float = 15.0,
    ) -> None:
        self.printer = printer
        self.transport = transport
        self.queue = queue
        self.profile = profile
        self.layout = layout
        self.policy = policy or RetryPolicy()
        self.idle_poll_s = idle_poll_s
        self.wake = asyncio.Event()
        """Set to cut a retry wait short (e.g. someone reloaded the paper and the status says so)."""

    async def run(self) -> None:
        """Print jobs until cancelled; between jobs, report the printer's status now and then."""
        while True:
            job = await self.queue.take(self.printer, self.idle_poll_s)
            if job is None:
                await self.queue.report(self.printer, await self.transport.status())
                continue
            await self.print_job(job)

    async def print_job(self, job: PrintJob) -> str:
        """Print one job: ``printed``, ``failed``, or the id of the printer it was handed to."""
        attempts = 0
        while True:
            status = await self.transport.status()
            await self.queue.report(self.printer, status)
            if status.state in PRINTABLE:
                try:
                    await self.queue.settle(job, self.printer, "printing")
                    # rendering takes milliseconds of Pillow work: off the event loop, which serves the boards
                    data = await asyncio.to_thread(render_ticket, job.ticket, self.layout, self.profile)
                    await self.transport.send(data)
                    await self.queue.settle(job, self.printer, "printed")
                    return "printed"
                except PrinterError as exc:
                    reason = f"{exc.code}: {exc}"
                    await self.queue.report(self.printer, await self.transport.status())
            else:
                reason = status.state
            attempts += 1
            log.warning("printer %s: job %s not printed (%s), attempt %d", self.printer, job.id, reason, attempts)
            if attempts >= self.policy.failover_after:
                moved = await self.queue.failover(job, self.printer)
                if moved is not None:
                    log.warning("printer %s: job %s handed to %s", self.printer, job.id, moved)
                    return moved
            if time.time() - job.created_at > self.policy.give_up_after_s:
                await self.queue.settle(job, self.printer, "failed", reason)
                return "failed"
            await self.queue.settle(job, self.printer, "retrying", reason)
            await self._wait(self.policy.delay(attempts))

    async def _wait(self, seconds: float) -> None:
        self.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), seconds)
