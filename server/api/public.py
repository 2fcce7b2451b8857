"""Public and device routes (DESIGN §4): sites, snapshots, the calendar, issuing, check-in, ticket status."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api import reservations
from server.api.common import audit_entry, caller, limit, runtime
from server.api.schemas import CheckIn, IssueTicket
from server.auth.accounts import Forbidden
from server.auth.guards import ALL_ROLES, ISSUE_ROLES, allow, public
from server.auth.limits import CHECKIN_PER_MINUTE, PUBLIC_PER_MINUTE, STATUS_PER_MINUTE
from server.auth.principals import Device, DeviceKind, Staff
from server.calendar import openings
from server.projection import is_open_now, opening_view, service_lines
from server.queue import errors
from server.queue.models import Channel
from server.queue.store import Issued
from server.runtime import Runtime

CALENDAR_MAX_DAYS = 400

public_get = partial(get, guards=[public])
site_reader = allow(*ALL_ROLES, devices=(DeviceKind.KIOSK, DeviceKind.BOARD), site="site")
issuer = allow(*ISSUE_ROLES, devices=(DeviceKind.KIOSK,), site="site")


@public_get("/sites", summary="Sites with today's opening and per-service waits")
async def list_sites(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    await limit(request, "public", PUBLIC_PER_MINUTE)
    rt = runtime(request)
    out = []
    for site in rt.config.sites:
        opening = rt.store.opening(site.id)
        raw = await rt.store.raw_state(site.id, opening)
        lines = service_lines(rt.config, site, opening, raw)
        services = []
        for line in lines:
            svc = rt.config.service(line["id"])
            assert svc is not None
            services.append(
                {"id": svc.id, "name": svc.name, "name_en": svc.name_en, "names": dict(svc.names),
                 "prefix": svc.prefix, **{k: v for k, v in line.items() if k != "id"}}
            )  # fmt: skip
        out.append(
            {
                "id": site.id,
                "name": site.name,
                "name_en": site.name_en,
                "kind": site.kind,
                "address": site.address,
                "open_now": is_open_now(opening, rt.clock.now()),
                "today": opening_view(opening),
                "services": services,
            }
        )
    return out


@get("/sites/{site:str}/state", guards=[site_reader], summary="The snapshot of a site")
async def site_state(request: Request[Any, Any, Any], site: FromPath[str]) -> dict[str, Any]:
    return await runtime(request).state(site, staff=isinstance(caller(request), Staff))


@public_get("/calendar", summary="Resolved openings of a site between two dates (config file and overrides)")
async def calendar(
    request: Request[Any, Any, Any],
    site: FromQuery[str],
    start: Annotated[date | None, QueryParameter(name="from")] = None,
    end: Annotated[date | None, QueryParameter(name="to")] = None,
) -> list[dict[str, Any]]:
    await limit(request, "public", PUBLIC_PER_MINUTE)
    rt = runtime(request)
    rt.store.site(site)
    first = start or rt.store.business_date()
    last = end or first + timedelta(days=30)
    if last < first:
        raise errors.ValidationFailed("'to' is before 'from'")
    if (last - first).days >= CALENDAR_MAX_DAYS:
        raise errors.ValidationFailed(f"ask for at most {CALENDAR_MAX_DAYS} days at a time")
    days = openings(rt.config, site, first, last, rt.store.overrides)
    # the reason of a closed day and the note, and which override a day comes from (None: the config file)
    return [{**opening_view(o), "reason": o.reason, "note": o.note, "override": o.override} for o in days]


@post("/sites/{site:str}/tickets", guards=[issuer], summary="Issue a ticket", status_code=201)
async def issue_ticket(
    request: Request[Any, Any, Any], site: FromPath[str], data: JSONBody[IssueTicket]
) -> Response[dict[str, Any]]:
    rt = runtime(request)
    rt.store.site(site)
    who = caller(request)
    by_device = isinstance(who, Device)
    if by_device and data.priority:
        raise Forbidden("priority tickets are issued by the reception guide")
    issued = await rt.store.issue(
        site,
        data.service,
        channel=Channel.WALK_IN if by_device else Channel.GUIDE,
        priority=data.priority,
        lang=data.lang,
        idempotency_key=data.idempotency_key,
        audit=audit_entry(request, "ticket.issue", site=site, detail="priority" if data.priority else None),
    )
    return Response(await _ticket_body(request, site, issued, data.print), status_code=201 if issued.created else 200)


async def _ticket_body(request: Request[Any, Any, Any], site: str, issued: Issued, print_: bool) -> dict[str, Any]:
    who = caller(request)
    return await ticket_answer(runtime(request), site, issued, print_, who.id if isinstance(who, Device) else None)


async def ticket_answer(rt: Runtime, site: str, issued: Issued, print_: bool, kiosk: str | None) -> dict[str, Any]:
    """What issuing answers (a check-in too): the ticket, its place in line, its status page and print job.
    ``kiosk``: the kiosk that asked, whose printer prints the ticket (None: the site's default printer)."""
    t = issued.ticket
    public = rt.public_ticket(t, issued.waiting_ahead, issued.recent_seconds, issued.counters_serving)
    status_url = rt.status_url(t["token"])
    print_job = await rt.printing.job_of_ticket(site, t)
    if print_ and print_job is None:
        ticket_data = rt.printing.ticket_data(t, public, status_url, rt.clock.training)
        print_job = await rt.printing.enqueue(site, t["id"], ticket_data, kiosk=kiosk)
    body = {
        **rt.staff_ticket(t),
        "site": site,
        "position": public["position"],
        "waiting_ahead": public["waiting_ahead"],
        "estimated_wait_min": public["estimated_wait_min"],
        "counters_open": public["counters_open"],  # 0: no counter serves it now, the estimate means nothing yet
        "token": t["token"],
        "status_url": status_url,
        "print_job": print_job,
    }
    body.pop("operator", None)
    return body


@post("/sites/{site:str}/checkins", guards=[issuer], summary="Check in a reservation", status_code=201)
async def check_in(request: Request[Any, Any, Any], site: FromPath[str], data: JSONBody[CheckIn]) -> dict[str, Any]:
    """The reservation becomes checked_in and its ticket (channel reservation) is issued in one step; the
    answer is the ticket as issuing answers it, with the reservation's code and slot."""
    await limit(request, "checkin", CHECKIN_PER_MINUTE)
    runtime(request).store.site(site)
    entry = audit_entry(request, "reservation.checkin", site=site)
    issued, resv = await reservations.store_of(request).check_in(site, data.code, entry)
    body = await _ticket_body(request, site, issued, True)
    body["reservation"] = {"code": resv["code"], "start": resv["start"], "end": resv["end"]}
    return body


@public_get("/tickets/by-token/{token:str}", summary="A visitor's ticket status")
async def ticket_by_token(request: Request[Any, Any, Any], token: FromPath[str]) -> dict[str, Any]:
    await limit(request, "status", STATUS_PER_MINUTE)
    return await runtime(request).ticket_status(token)


ROUTES = [list_sites, site_state, calendar, issue_ticket, check_in, ticket_by_token]
