"""Printers: their status for staff, reprints, test prints, and the print agent of a kiosk PC (long-poll for jobs).

A poll over its bounds (``server.printing.LongPolls``) answers at once: 429 ``rate_limited`` with
``Retry-After``, which the print agent waits out before it asks again.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, FromQuery, JSONBody

from printers.spooler import PrintJob
from printers.status import PrinterStatus
from printers.ticket import TicketData
from server.api.common import audit, caller, runtime
from server.api.schemas import AgentPoll, AgentResult, AgentStatus
from server.auth.accounts import Forbidden
from server.auth.guards import ALL_ROLES, DESK_ROLES, MANAGERS, allow
from server.auth.principals import Device, DeviceKind, Staff
from server.printing import PollRefused, agent_printer
from server.projection import wait_inputs
from server.queue import errors

staff_of_site = allow(*ALL_ROLES, site="query")
desk_staff = allow(*DESK_ROLES, site="ticket")
kiosk_agent = allow(devices=(DeviceKind.KIOSK,))
site_managers = allow(*MANAGERS, site="query")
TEST_NUMBER = "TEST"


@get("/printers", guards=[staff_of_site], summary="Printers with their status and waiting jobs")
async def printers(request: Request[Any, Any, Any], site: FromQuery[str | None] = None) -> list[dict[str, Any]]:
    rt = runtime(request)
    who = caller(request)
    if site is not None:
        rt.store.site(site)
        sites = [site]
    else:
        sites = [s.id for s in rt.config.sites if isinstance(who, Staff) and who.may_use_site(s.id)]
    return [p for s in sites for p in await rt.printing.of_site(s)]


@post("/tickets/{ticket_id:str}/reprint", guards=[desk_staff], status_code=201)
async def reprint(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    rt = runtime(request)
    ticket, ahead = await rt.store.ticket(ticket_id)
    site = str(ticket["id"]).partition(".")[0]
    raw = await rt.store.raw_state(site)
    public = rt.public_ticket(ticket, ahead, *wait_inputs(raw, ticket["service"]))
    data = rt.printing.ticket_data(ticket, public, rt.status_url(ticket["token"]), rt.clock.training)
    job = await rt.printing.enqueue(site, ticket["id"], data)
    await audit(request, "ticket.reprint", site=site, ticket=ticket["id"], number=ticket["number"])
    return {"ticket": ticket["id"], "number": ticket["number"], "print_job": job}


@post(
    "/printers/{printer:str}/test",
    guards=[site_managers],
    status_code=202,
    summary="Print a test ticket on one printer of a site (through the spooler, no failover)",
)
async def test_print(request: Request[Any, Any, Any], printer: FromPath[str], site: FromQuery[str]) -> dict[str, Any]:
    """A ticket-shaped page (the site's name, 「印刷テスト」, number TEST, a QR code of the server's address) queued for
    this printer only: it shows how real tickets come out there. Its progress comes as ``printer.changed``."""
    rt = runtime(request)
    found = rt.store.site(site)
    if printer not in {p["id"] for p in await rt.printing.of_site(site)}:
        raise errors.NotFound(f"no printer {printer!r} at {site}")
    data = TicketData(
        number=TEST_NUMBER,
        site_name=found.name,
        service_name="印刷テスト（番号札ではありません）",
        service_name_local=None,
        service_name_en="Print test (not a ticket)",
        lang="ja",
        waiting_ahead=0,
        estimated_wait_min=0,
        issued_at=rt.clock.now(),
        status_url=f"{rt.settings.base_url}/",
        training=rt.clock.training,
    )
    job = await rt.printing.enqueue(site, f"test:{printer}", data, only=printer)
    await audit(request, "printer.test", site=site, detail=printer)
    return {"site": site, "printer": printer, "print_job": job}


def _device(request: Request[Any, Any, Any]) -> Device:
    who = caller(request)
    assert isinstance(who, Device)
    return who


def _status(body: AgentStatus) -> PrinterStatus:
    return PrinterStatus(**msgspec.structs.asdict(body))


@post("/agent/poll", guards=[kiosk_agent], status_code=200, summary="Print agent: report status, wait for a job")
async def agent_poll(request: Request[Any, Any, Any], data: JSONBody[AgentPoll]) -> dict[str, Any]:
    rt = runtime(request)
    device = _device(request)
    status = None if data.status is None else _status(data.status)
    try:
        job = await rt.printing.agent_poll(device.site, device.id, device.name, data.wait, status)
    except PollRefused as exc:
        raise TooManyRequestsException(exc.detail, headers={"Retry-After": str(exc.retry_after_s)}) from None
    if job is None:
        return {"job": None}
    return {"job": {"id": job.id, "created_at": job.created_at, "ticket": msgspec.to_builtins(job.ticket)}}


@post("/agent/status", guards=[kiosk_agent], status_code=200, summary="Print agent: the printer's status changed")
async def agent_status(request: Request[Any, Any, Any], data: JSONBody[AgentStatus]) -> dict[str, Any]:
    rt = runtime(request)
    device = _device(request)
    await rt.printing.agent_alive(device.site, device.id, device.name)
    status = _status(data)
    await rt.printing.queue_for(device.site).report(agent_printer(device.id), status)
    return {"state": status.state}


@post("/agent/jobs/{job_id:str}", guards=[kiosk_agent], status_code=200, summary="Print agent: how a job went")
async def agent_result(
    request: Request[Any, Any, Any], job_id: FromPath[str], data: JSONBody[AgentResult]
) -> dict[str, Any]:
    rt = runtime(request)
    device = _device(request)
    printer = agent_printer(device.id)
    queue = rt.printing.queue_for(device.site)
    record = await rt.printing.job(device.site, job_id)
    if record is None:
        raise errors.NotFound("no such print job")
    if record["printer"] != printer:
        raise Forbidden("this job is not for this kiosk's printer")
    job: PrintJob | None = await queue.load(job_id, printer)
    if job is None:
        raise errors.NotFound("no such print job")
    if data.state == "failover":
        return {"printer": await queue.failover(job, printer)}
    await queue.settle(job, printer, data.state, data.detail)
    return {"state": data.state}


ROUTES = [printers, reprint, test_print, agent_poll, agent_status, agent_result]
