"""The print agent: a kiosk PC's USB or serial printer, fed by the server over the network.

``madoguchi print-agent --server URL --printer URI`` authenticates as the kiosk's device (its bearer token),
long-polls the server for the kiosk's print jobs and prints them with the same worker the server uses for
network printers (status first, retries, fail-over to the site's printers when this one cannot print).
It reconnects by itself when the server or the network goes away, and reports its printer's status.
A server that holds as many waiting polls as it allows answers 429 with ``Retry-After``: the agent waits that
long and asks again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import msgspec

from printers.spooler import PrintJob, PrintWorker, RetryPolicy
from printers.status import PrinterStatus
from printers.ticket import Layout, TicketData
from printers.transport import open_transport
from printers.uri import parse_printer_uri

log = logging.getLogger("madoguchi.agent")

POLL_WAIT_S = 20.0
BUSY_WAIT_MAX_S = 60.0


class ServerUnreachable(Exception):
    """The server did not answer; the agent waits and tries again."""


class ServerBusy(ServerUnreachable):
    """The server asked to be asked again later (429)."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"the server asked to wait {retry_after_s:g} s")
        self.retry_after_s = retry_after_s


def _retry_after(r: httpx.Response) -> float:
    """``Retry-After`` in seconds (1 to ``BUSY_WAIT_MAX_S``); 1 when it is missing or a date."""
    try:
        seconds = float(r.headers.get("retry-after", ""))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 1.0), BUSY_WAIT_MAX_S)


def _status_body(status: PrinterStatus) -> dict[str, Any]:
    return {
        "online": status.online,
        "cover_open": status.cover_open,
        "paper_near_end": status.paper_near_end,
        "paper_out": status.paper_out,
        "error": status.error,
        "detail": status.detail[:200],
    }


class HttpJobQueue:
    """``printers.spooler.JobQueue`` over the server's agent API."""

    def __init__(self, client: httpx.AsyncClient, told_to_wait: asyncio.Event | None = None) -> None:
        self.client = client
        self.status: PrinterStatus | None = None
        self.reported: str | None = None
        self.told_to_wait = told_to_wait or asyncio.Event()

    async def _post(self, path: str, body: dict[str, Any], within_s: float = 15.0) -> dict[str, Any]:
        try:
            r = await self.client.post(path, json=body, timeout=within_s)
        except httpx.HTTPError as exc:
            raise ServerUnreachable(str(exc) or type(exc).__name__) from exc
        if r.status_code in (401, 403):
            raise PermissionError(f"the server refused this kiosk's token ({r.status_code}): pair it again")
        if r.status_code == 429:
            raise ServerBusy(_retry_after(r))
        if r.status_code >= 500:
            raise ServerUnreachable(f"{r.status_code} {r.text[:200]}")
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    async def take(self, printer: str, wait_s: float) -> PrintJob | None:
        body: dict[str, Any] = {"wait": wait_s}
        if self.status is not None:
            body["status"] = _status_body(self.status)
        try:
            reply = await self._post("/api/v1/agent/poll", body, within_s=wait_s + 15)
        except ServerBusy as busy:
            log.info("%s; polling again then", busy)
            self.told_to_wait.set()
            await asyncio.sleep(busy.retry_after_s)
            return None
        job = reply.get("job")
        if not job:
            return None
        ticket = msgspec.convert(job["ticket"], TicketData)
        return PrintJob(id=job["id"], ticket=ticket, created_at=float(job["created_at"]))

    async def settle(self, job: PrintJob, printer: str, state: str, detail: str = "") -> None:
        await self._post(f"/api/v1/agent/jobs/{job.id}", {"state": state, "detail": detail[:200]})

    async def failover(self, job: PrintJob, printer: str) -> str | None:
        reply = await self._post(f"/api/v1/agent/jobs/{job.id}", {"state": "failover"})
        moved = reply.get("printer")
        return str(moved) if moved else None

    async def report(self, printer: str, status: PrinterStatus) -> None:
        self.status = status
        signature = f"{status.state}|{status.detail}"
        if signature != self.reported:
            await self._post("/api/v1/agent/status", _status_body(status))
            self.reported = signature


class PrintAgent:
    def __init__(
        self,
        server: str,
        token: str,
        printer_uri: str,
        *,
        layout: Layout | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.spec = parse_printer_uri(printer_uri)
        self.layout = layout or Layout()
        self.policy = policy or RetryPolicy()
        self.connected = asyncio.Event()
        """Set while the server answers (tests and the CLI's log wait on it)."""
        self.told_to_wait = asyncio.Event()
        """Set once the server answered a poll with "ask again later" (429)."""

    async def run(self) -> None:
        """Serve jobs until cancelled; on a lost server, retry with capped backoff, forever."""
        headers = {"authorization": f"Bearer {self.token}"}
        transport = open_transport(self.spec)
        delay = 0.5
        try:
            async with httpx.AsyncClient(base_url=self.server, headers=headers) as client:
                queue = HttpJobQueue(client, self.told_to_wait)
                worker = PrintWorker(
                    "agent", transport, queue, profile=self.spec.profile, layout=self.layout, policy=self.policy,
                    idle_poll_s=POLL_WAIT_S,
                )  # fmt: skip
                while True:
                    try:
                        await queue.report("agent", await transport.status())
                        self.connected.set()
                        delay = 0.5
                        await worker.run()
                    except ServerUnreachable as exc:
                        if self.connected.is_set():
                            log.warning("server %s unreachable (%s); retrying", self.server, exc)
                        self.connected.clear()
                        queue.reported = None  # tell the server the status again when it is back
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, 10.0)
        finally:
            await transport.close()
