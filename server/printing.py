"""Ticket printing in the server: print jobs in Redis, one worker per printer, ``printer.changed`` events.

A job is queued when a ticket is issued (issuing never waits for paper). Each site's printers come from the
configuration, first choice first; a site without printers gets a ``preview`` printer writing PNGs under
``<data-dir>/tickets/<site>``. A kiosk whose print agent is alive (``madoguchi print-agent``, USB or serial
printer on the kiosk PC) gets its own tickets first, through printer ``agent-<device id>``.

Jobs wait in a Redis list per printer. A worker moves a job to the printer's in-flight list while it prints
it and settles it there (printed, failed, or handed to the next printer), so a job survives a server
restart: whoever drives the printer next puts in-flight jobs back at the head of the queue. Exactly one
server process drives a printer, holding a lock it renews.

A print agent long-polls for its jobs. Its waiting polls are bounded (``LongPolls``) and wait on a small
connection pool of their own, so no kiosk, however many polls it sends, holds the connections that issuing,
calling and the print workers need.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from printers.spooler import PrintJob, PrintWorker, RetryPolicy
from printers.status import PrinterStatus
from printers.ticket import Layout, TicketData
from printers.transport import open_transport
from printers.uri import parse_printer_uri
from server.calendar import place_name
from server.config import Config, Site
from server.queue import errors
from server.queue.keys import SiteKeys
from server.queue.store import Store
from server.tasks import cancel_all

log = logging.getLogger("madoguchi.printing")

LOCK_TTL_MS = 15_000
AGENT_TTL_S = 45
AGENT_SWEEP_S = 10.0
PREVIEW = "preview"
FINAL = frozenset({"printed", "failed"})
LONG_POLLS_PER_DEVICE = 2
"""A print agent polls one at a time; the second covers a poll left waiting by an agent that restarted."""
LONG_POLLS_PER_PROCESS = 32
"""Waiting polls of all kiosks in one server process, and the size of their connection pool."""
POLL_RETRY_AFTER_S = 2


@dataclass(frozen=True, slots=True)
class PrinterEntry:
    id: str
    name: str
    uri: str | None
    """None for a print agent (the printer is on the kiosk PC)."""
    name_en: str = ""
    """The name on English screens; empty: the Japanese one."""


def agent_printer(device_id: str) -> str:
    return f"agent-{device_id}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class PollRefused(Exception):
    """A print agent's poll over a bound: answered at once (429) with how many seconds to wait."""

    def __init__(self, detail: str, retry_after_s: int = POLL_RETRY_AFTER_S) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class LongPolls:
    """How many print-agent polls wait for a job in this process: ``per_device`` per kiosk, ``total`` in all.

    A waiting poll holds a store connection for up to 25 s. Unbounded, one kiosk token sending hundreds of
    polls held every connection of the pool the print workers wait on, and printing stalled at every site.
    Counting needs no lock: admission runs between two awaits on the one event loop.
    """

    def __init__(self, per_device: int = LONG_POLLS_PER_DEVICE, total: int = LONG_POLLS_PER_PROCESS) -> None:
        self.per_device = per_device
        self.total = total
        self.waiting: Counter[str] = Counter()
        self.count = 0

    @contextlib.contextmanager
    def admit(self, device: str) -> Iterator[bool]:
        """Enter a poll of ``device``: True while it may wait; False when the process holds ``total`` waiting
        polls (it looks once and answers at once). ``PollRefused`` when the kiosk already has ``per_device``
        polls waiting: refused before any store work, its waiting polls receive its jobs."""
        if self.waiting[device] >= self.per_device:
            raise PollRefused(f"this kiosk already has {self.per_device} polls waiting for print jobs")
        if self.count >= self.total:
            yield False
            return
        self.waiting[device] += 1
        self.count += 1
        try:
            yield True
        finally:
            self.count -= 1
            self.waiting[device] -= 1
            if not self.waiting[device]:
                del self.waiting[device]


class Printing:
    def __init__(
        self, store: Store, blocking: Redis, config: Config, data_dir: Path, base_url: str, *, longpoll: Redis
    ) -> None:
        """``blocking``: the print workers' waits for jobs; ``longpoll``: the print agents' (``LongPolls``)."""
        self.store = store
        self.redis = store.redis
        self.blocking = blocking
        self.longpoll = longpoll
        self.polls = LongPolls()
        self.config = config
        self.data_dir = data_dir
        self.base_url = base_url
        p = config.printing
        self.policy = RetryPolicy(
            max_delay_s=p.retry_max_s, failover_after=p.failover_after, give_up_after_s=p.give_up_after_min * 60
        )
        self.layout = Layout(footer=tuple(p.footer))
        self.printers: dict[str, list[PrinterEntry]] = {s.id: self._printers_of(s) for s in config.sites}
        self.last_state: dict[tuple[str, str], str] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.owner = secrets.token_hex(8)

    def _printers_of(self, site: Site) -> list[PrinterEntry]:
        if site.printers:
            return [PrinterEntry(p.id, p.name, p.uri, p.name_en) for p in site.printers]
        folder = (self.data_dir / "tickets" / site.id).resolve()
        return [PrinterEntry(PREVIEW, "プレビュー (PNG)", f"preview://{folder}?width=80", "Preview (PNG)")]

    def entry(self, site: str, printer: str) -> PrinterEntry:
        for e in self.printers.get(site, []):
            if e.id == printer:
                return e
        if printer.startswith("agent-"):
            device = printer[6:]
            return PrinterEntry(printer, f"発券機プリンター ({device})", None, f"Kiosk printer ({device})")
        raise errors.NotFound(f"no printer {printer!r} at {site}")

    # ---- jobs --------------------------------------------------------------------------------

    def ticket_data(
        self, ticket: dict[str, str], public: dict[str, Any], status_url: str, training: bool
    ) -> TicketData:
        """What a ticket says, from the stored ticket and its public status (position, wait)."""
        site = self.config.site(str(ticket["id"]).partition(".")[0])
        service = self.config.service(ticket["service"])
        assert site is not None and service is not None
        opening = self.store.opening(site.id, date.fromisoformat(ticket["business_date"]))
        lang = ticket.get("lang") or "ja"
        local = None if lang in ("ja", "ja-easy") else (service.name_en if lang == "en" else service.names.get(lang))
        if lang == "ja-easy":
            local = service.names.get("ja-easy")
        return TicketData(
            number=ticket["number"],
            site_name=place_name(site, opening.venue),  # an outreach event's venue that day
            service_name=service.name,
            service_name_local=local,
            lang=lang,
            waiting_ahead=int(public["waiting_ahead"]),
            estimated_wait_min=int(public["estimated_wait_min"]),
            counters_open=int(public["counters_open"]),
            issued_at=datetime.fromtimestamp(int(ticket["issued_at"]) / 1000, self.store.clock.tz),
            status_url=status_url,
            training=training,
            service_name_en=service.name_en,
        )

    async def chain(self, site: str, kiosk: str | None) -> list[str]:
        """Printers a ticket of ``site`` tries in order: the issuing kiosk's agent first when it is alive."""
        chain = [p.id for p in self.printers[site]]
        if kiosk and await self.redis.exists(SiteKeys(site).agent(kiosk)):
            chain.insert(0, agent_printer(kiosk))
        return chain

    async def enqueue(
        self,
        site: str,
        ticket_id: str,
        data: TicketData,
        *,
        kiosk: str | None = None,
        first: str | None = None,
        only: str | None = None,
    ) -> dict[str, Any]:
        """Queue a print job for a ticket; returns the job as the issue response shows it.

        ``first``: a printer of the site to try before the others (a reservation slip printed at the desk).
        ``only``: that printer and no other (a test print shows how that printer does: no failover).
        A ``ticket_id`` that is no ticket's (a slip's ``resv:CODE``, a test print's ``test:…``) is not recorded on
        a ticket.
        """
        keys = SiteKeys(site)
        chain = [only] if only is not None else await self.chain(site, kiosk)
        if first is not None and first in chain:
            chain.remove(first)
            chain.insert(0, first)
        job_id = f"pj-{secrets.token_hex(8)}"
        record: dict[Any, Any] = {
            "id": job_id,
            "ticket": ticket_id,
            "number": data.number,
            "data": msgspec.json.encode(data).decode(),
            "state": "queued",
            "printer": chain[0],
            "chain": msgspec.json.encode(chain).decode(),
            "detail": "",
            "created_at": str(time.time()),
        }
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(keys.print_job(job_id), mapping=record)
        pipe.expire(keys.print_job(job_id), 3 * 24 * 3600)
        pipe.rpush(keys.print_queue(chain[0]), job_id)
        if ":" not in ticket_id:  # ticket ids are "<site>.<hex>"
            pipe.hset(keys.ticket(ticket_id), "print_job", job_id)
        await pipe.execute()
        return self.job_view(record)

    @staticmethod
    def job_view(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": record["id"],
            "state": record["state"],
            "printer": record["printer"],
            "detail": record.get("detail") or None,
        }

    async def job(self, site: str, job_id: str) -> dict[str, str] | None:
        raw: dict[Any, Any] = await self.redis.hgetall(SiteKeys(site).print_job(job_id))
        record = {_text(k): _text(v) for k, v in raw.items()}
        return record or None

    async def job_of_ticket(self, site: str, ticket: dict[str, str]) -> dict[str, Any] | None:
        job_id = ticket.get("print_job")
        record = await self.job(site, job_id) if job_id else None
        return self.job_view(record) if record else None

    # ---- the queue workers use (printers.spooler.JobQueue) ------------------------------------

    def queue_for(self, site: str) -> SiteQueue:
        return SiteQueue(self, site)

    # ---- print agents ------------------------------------------------------------------------

    async def agent_alive(self, site: str, device: str, name: str) -> None:
        """The kiosk's agent asked within ``AGENT_TTL_S``: its kiosk's tickets go to its printer first."""
        await self.redis.set(SiteKeys(site).agent(device), name, ex=AGENT_TTL_S)

    async def agent_poll(
        self, site: str, device: str, name: str, wait_s: float, status: PrinterStatus | None
    ) -> PrintJob | None:
        """A print agent's poll: the job its printer has not settled, else the next one, waiting up to ``wait_s``.

        Past the process's bound the poll only looks: the job when one is there, else ``PollRefused``.
        """
        printer = agent_printer(device)
        queue = SiteQueue(self, site, blocking=self.longpoll)
        with self.polls.admit(device) as may_wait:
            await self.agent_alive(site, device, name)
            if status is not None:
                await queue.report(printer, status)
            job = await queue.unsettled(printer) or await queue.take(printer, wait_s if may_wait else 0)
        if job is None and not may_wait and wait_s > 0:
            raise PollRefused(f"the server holds {self.polls.total} waiting polls; ask again in a moment")
        return job

    async def publish(self, site: str, printer: str, status: PrinterStatus | None, job: dict[str, Any] | None) -> None:
        entry = self.entry(site, printer)
        keys = SiteKeys(site)
        view: dict[str, Any] = {"id": printer, "name": entry.name, "name_en": entry.name_en or entry.name}
        fields: dict[str, str] | None = None
        if status is not None:
            view.update(state=status.state, detail=status.detail or None)
            fields = {"state": status.state, "detail": status.detail or "", "at": str(time.time())}
        else:
            raw = await self.redis.hgetall(keys.printer(printer))
            view.update(state=_text(raw.get("state", "unknown")), detail=_text(raw.get("detail", "")) or None)
        payload: dict[str, Any] = {"printer": view}
        if job is not None:
            payload["job"] = job
        await self.store.emit(site, "printer.changed", payload, hash_key=keys.printer(printer), fields=fields)

    # ---- listing -----------------------------------------------------------------------------

    async def of_site(self, site: str) -> list[dict[str, Any]]:
        keys = SiteKeys(site)
        entries = list(self.printers[site])
        async for key in self.redis.scan_iter(match=keys.agent("*"), count=100):
            device = _text(key).rsplit(":", 1)[1]
            entries.insert(0, self.entry(site, agent_printer(device)))
        out = []
        for e in entries:
            raw = await self.redis.hgetall(keys.printer(e.id))
            status = {_text(k): _text(v) for k, v in raw.items()}
            queued = await self.redis.llen(keys.print_queue(e.id)) + await self.redis.llen(keys.print_inflight(e.id))
            out.append(
                {
                    "id": e.id,
                    "name": e.name,
                    "name_en": e.name_en or e.name,
                    "site": site,
                    "kind": "agent" if e.uri is None else parse_printer_uri(e.uri).kind,
                    "state": status.get("state", "unknown"),
                    "detail": status.get("detail") or None,
                    "checked_at": datetime.fromtimestamp(float(status["at"]), self.store.clock.tz).isoformat(
                        timespec="seconds"
                    )
                    if status.get("at")
                    else None,
                    "jobs_waiting": int(queued),
                }
            )
        return out

    # ---- running the workers -----------------------------------------------------------------

    async def start(self) -> None:
        for site, entries in self.printers.items():
            for e in entries:
                self._tasks.append(asyncio.create_task(self._drive(site, e), name=f"printer:{site}:{e.id}"))
        self._tasks.append(asyncio.create_task(self._sweep_agents(), name="printer:agents"))

    async def _sweep_agents(self) -> None:
        while True:
            await asyncio.sleep(AGENT_SWEEP_S)
            try:
                for site in self.printers:
                    await self.rescue_agent_jobs(site)
            except (RedisError, OSError) as exc:
                log.warning("could not check print agents: %s", exc)

    async def rescue_agent_jobs(self, site: str) -> int:
        """Jobs waiting for a print agent that stopped asking go to the site's first printer, in order."""
        keys = SiteKeys(site)
        target = self.printers[site][0].id
        moved = 0
        found = [_text(k) async for k in self.redis.scan_iter(match=keys.print_queue("agent-*"), count=100)]
        # waiting jobs first, then the older in-flight ones, each pushed at the head: the order is kept
        for key in sorted(found, key=lambda k: k.endswith(":inflight")):
            printer = key[len(keys.print_queue("")) :].removesuffix(":inflight")
            device = printer.removeprefix("agent-")
            if await self.redis.exists(keys.agent(device)):
                continue
            # LMOVE is atomic: two processes sweeping at once never move a job twice
            while (job_id := await self.redis.lmove(key, keys.print_queue(target), "RIGHT", "LEFT")) is not None:
                await self.redis.hset(keys.print_job(_text(job_id)), mapping={"state": "queued", "printer": target})
                moved += 1
        if moved:
            log.warning("site %s: %d job(s) of stopped print agents moved to %s", site, moved, target)
            await self.publish(site, target, None, None)
        return moved

    async def stop(self) -> None:
        await cancel_all(self._tasks)

    async def _drive(self, site: str, entry: PrinterEntry) -> None:
        """Drive one printer while this process holds its lock; retry the lock (and Redis) forever."""
        assert entry.uri is not None
        keys = SiteKeys(site)
        spec = parse_printer_uri(entry.uri)
        delay = 0.2
        while True:
            try:
                if await self.redis.set(keys.printer_lock(entry.id), self.owner, nx=True, px=LOCK_TTL_MS) or (
                    _text(await self.redis.get(keys.printer_lock(entry.id)) or "") == self.owner
                ):
                    await self._recover(keys, entry.id)
                    transport = open_transport(spec)
                    worker = PrintWorker(
                        entry.id, transport, self.queue_for(site), profile=spec.profile, layout=self.layout,
                        policy=self.policy,
                    )  # fmt: skip
                    try:
                        await self._while_locked(keys, entry.id, worker.run())
                    finally:
                        await transport.close()
                delay = 0.2
                await asyncio.sleep(LOCK_TTL_MS / 3000)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    if _text(await self.redis.get(keys.printer_lock(entry.id)) or "") == self.owner:
                        await self.redis.delete(keys.printer_lock(entry.id))
                raise
            except (RedisError, OSError) as exc:
                log.warning("printer %s/%s: store unreachable (%s); retrying", site, entry.id, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception:  # a bug must not stop this printer for good: log it, start again
                log.exception("printer %s/%s: worker failed; restarting it", site, entry.id)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _while_locked(self, keys: SiteKeys, printer: str, work: Any) -> None:
        """Run ``work`` while renewing the lock; stop it when the lock is lost."""
        task = asyncio.ensure_future(work)
        try:
            while not task.done():
                done, _ = await asyncio.wait({task}, timeout=LOCK_TTL_MS / 3000)
                if done:
                    break
                if not await self.redis.set(keys.printer_lock(printer), self.owner, xx=True, px=LOCK_TTL_MS):
                    log.warning("lost the lock of printer %s; another process drives it now", printer)
                    break
            if task.done():
                task.result()
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _recover(self, keys: SiteKeys, printer: str) -> None:
        """Jobs in flight when the last driver stopped go back to the head of the queue, in order."""
        while await self.redis.lmove(keys.print_inflight(printer), keys.print_queue(printer), "RIGHT", "LEFT"):
            pass


class SiteQueue:
    """``printers.spooler.JobQueue`` on Redis for the printers of one site."""

    def __init__(self, printing: Printing, site: str, *, blocking: Redis | None = None) -> None:
        """``blocking``: the client whose pool a waiting ``take`` holds a connection of (the workers' by default)."""
        self.p = printing
        self.site = site
        self.keys = SiteKeys(site)
        self.blocking = blocking or printing.blocking

    async def take(self, printer: str, wait_s: float) -> PrintJob | None:
        queue, inflight = self.keys.print_queue(printer), self.keys.print_inflight(printer)
        if wait_s <= 0:  # BLMOVE would wait forever
            job_id = await self.p.redis.lmove(queue, inflight, "LEFT", "RIGHT")
        else:
            job_id = await self.blocking.blmove(queue, inflight, wait_s, "LEFT", "RIGHT")  # type: ignore[arg-type]
        if job_id is None:
            return None
        return await self.load(_text(job_id), printer)

    async def unsettled(self, printer: str) -> PrintJob | None:
        """A job the printer took and never settled (a print agent that restarted): give it again."""
        job_id = await self.p.redis.lindex(self.keys.print_inflight(printer), 0)
        return await self.load(_text(job_id), printer) if job_id is not None else None

    async def load(self, job_id: str, printer: str) -> PrintJob | None:
        record = await self.p.job(self.site, job_id)
        try:
            if record is None:
                raise LookupError("expired")
            data = msgspec.json.decode(record["data"], type=TicketData)
            return PrintJob(id=job_id, ticket=data, created_at=float(record["created_at"]))
        except (LookupError, ValueError, msgspec.DecodeError) as exc:
            # nothing printable is left of it: drop it from the printer, say so once, keep printing the rest
            log.error("print job %s of %s is unreadable (%s); dropped", job_id, self.site, exc)
            await self.p.redis.lrem(self.keys.print_inflight(printer), 0, job_id)
            if record is not None:
                await self.p.redis.hset(
                    self.keys.print_job(job_id), mapping={"state": "failed", "detail": "unreadable"}
                )
            return None

    async def settle(self, job: PrintJob, printer: str, state: str, detail: str = "") -> None:
        if state in FINAL:
            await self.p.redis.lrem(self.keys.print_inflight(printer), 0, job.id)
        await self.p.redis.hset(
            self.keys.print_job(job.id), mapping={"state": state, "printer": printer, "detail": detail}
        )
        view = {"id": job.id, "number": job.ticket.number, "state": state, "printer": printer, "detail": detail or None}
        await self.p.publish(self.site, printer, None, view)

    async def failover(self, job: PrintJob, printer: str) -> str | None:
        record = await self.p.job(self.site, job.id)
        chain = msgspec.json.decode(record["chain"]) if record else []
        later = chain[chain.index(printer) + 1 :] if printer in chain else []
        if not later:
            return None
        target = later[0]
        pipe = self.p.redis.pipeline(transaction=True)
        pipe.lrem(self.keys.print_inflight(printer), 0, job.id)
        pipe.lpush(self.keys.print_queue(target), job.id)
        pipe.hset(self.keys.print_job(job.id), mapping={"state": "queued", "printer": target, "detail": ""})
        await pipe.execute()
        view = {"id": job.id, "number": job.ticket.number, "state": "queued", "printer": target, "detail": None}
        await self.p.publish(self.site, target, None, view)
        return str(target)

    async def report(self, printer: str, status: PrinterStatus) -> None:
        key = (self.site, printer)
        signature = f"{status.state}|{status.detail or ''}"
        if self.p.last_state.get(key) == signature:
            return
        self.p.last_state[key] = signature
        await self.p.publish(self.site, printer, status, None)
