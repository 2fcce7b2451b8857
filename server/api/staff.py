"""Staff routes (DESIGN §4): counters and ticket actions, today's tickets and archived dates', day close. Each
action is audited.

Counter and ticket actions accept an ``Idempotency-Key`` header (8-128 of ``A-Z a-z 0-9 _ . : -``), one per
click of the counter console: the same key again (a double click, a retry after a 503 or a lost answer) does
the action once and answers with the ticket or counter as it is now (docs/PAGES.md, "Counter console").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api.common import audit_entry, operator, runtime
from server.api.schemas import CallNumber, Complete, OpenCounter, PauseCounter, Transfer
from server.auth.guards import ALL_ROLES, COUNTER_ROLES, DESK_ROLES, MANAGERS, allow, check, principal
from server.projection import counter_view, ms_to_iso
from server.queue.errors import NotArchived, ValidationFailed
from server.queue.models import Action, Status

counter_staff = allow(*COUNTER_ROLES, site="counter")
ticket_staff = allow(*COUNTER_ROLES, site="ticket")
desk_staff = allow(*DESK_ROLES, site="ticket")
site_staff = allow(*ALL_ROLES, site="site")
site_managers = allow(*MANAGERS, site="site")

ACTION_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")


def action_key(request: Request[Any, Any, Any]) -> str | None:
    """The click's ``Idempotency-Key`` header, if any; a malformed one is refused (400) before anything changes."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not ACTION_KEY.match(key):
        raise ValidationFailed("Idempotency-Key: 8 to 128 letters, digits or _ . : -")
    return key


async def _counter_op(request: Request[Any, Any, Any], counter: str, op: str, **kw: Any) -> dict[str, Any]:
    rt = runtime(request)
    key = action_key(request)
    entry = audit_entry(request, f"counter.{op}", site=rt.store.counter(counter)[0].id, counter=counter,
                        detail=",".join(kw.get("services") or []) or kw.get("reason"))  # fmt: skip
    return counter_view(
        await rt.store.counter_op(counter, op, operator=operator(request), audit=entry, key=key, **kw), rt.config
    )


@post("/counters/{counter:str}/open", guards=[counter_staff], status_code=200)
async def open_counter(
    request: Request[Any, Any, Any], counter: FromPath[str], data: JSONBody[OpenCounter]
) -> dict[str, Any]:
    return await _counter_op(request, counter, "open", services=data.services)


@post("/counters/{counter:str}/pause", guards=[counter_staff], status_code=200)
async def pause_counter(
    request: Request[Any, Any, Any], counter: FromPath[str], data: JSONBody[PauseCounter | None] = None
) -> dict[str, Any]:
    return await _counter_op(request, counter, "pause", reason=data.reason if data else "")


@post("/counters/{counter:str}/close", guards=[counter_staff], status_code=200)
async def close_counter(request: Request[Any, Any, Any], counter: FromPath[str]) -> dict[str, Any]:
    return await _counter_op(request, counter, "close")


async def _call(request: Request[Any, Any, Any], counter: str, number: str | None) -> dict[str, Any]:
    rt = runtime(request)
    key = action_key(request)
    entry = audit_entry(request, "ticket.call", site=rt.store.counter(counter)[0].id, counter=counter)
    called = await rt.store.call(counter, number=number, operator=operator(request), audit=entry, key=key)
    return rt.staff_ticket(called)


@post("/counters/{counter:str}/call-next", guards=[counter_staff], status_code=200)
async def call_next(request: Request[Any, Any, Any], counter: FromPath[str]) -> dict[str, Any]:
    return await _call(request, counter, None)


@post("/counters/{counter:str}/call", guards=[counter_staff], status_code=200)
async def call_number(
    request: Request[Any, Any, Any], counter: FromPath[str], data: JSONBody[CallNumber]
) -> dict[str, Any]:
    return await _call(request, counter, data.number)


async def _act(request: Request[Any, Any, Any], ticket_id: str, action: Action, **kw: str) -> dict[str, Any]:
    rt = runtime(request)
    key = action_key(request)
    detail = " ".join(v for v in (kw.get("outcome"), kw.get("service"), kw.get("note")) if v)
    site = ticket_id.partition(".")[0]
    entry = audit_entry(request, f"ticket.{action.value}", site=site, detail=detail)
    return rt.staff_ticket(
        await rt.store.act(ticket_id, action, operator=operator(request), audit=entry, key=key, **kw)
    )


@post("/tickets/{ticket_id:str}/recall", guards=[ticket_staff], status_code=200)
async def recall(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.RECALL)


@post("/tickets/{ticket_id:str}/start", guards=[ticket_staff], status_code=200)
async def start(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.START)


@post("/tickets/{ticket_id:str}/return", guards=[ticket_staff], status_code=200)
async def return_to_queue(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.RETURN)


@post("/tickets/{ticket_id:str}/no-show", guards=[ticket_staff], status_code=200)
async def no_show(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.NO_SHOW)


@post("/tickets/{ticket_id:str}/reinstate", guards=[desk_staff], status_code=200)
async def reinstate(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    """A no-show whose visitor came back after all (the visitor page sends them to reception) waits again.

    Only a ticket of today's business date, and only ``no_show`` (else 409 ``invalid_transition``). It keeps its
    number and goes back to its original place in its line, by issue order (a reservation: by its slot time), as
    "return to queue" and transfer do: ahead of everyone issued after it, behind those issued before it who still
    wait. Not the front of the line: a visitor who missed the call does not overtake people who were there first,
    and the call order (due reservations, priority, the walk-in ratio) treats it like any other ticket. The guide
    (the visitor comes to reception) and counter staff may do it; event ``ticket.reinstated``.
    """
    return await _act(request, ticket_id, Action.REINSTATE)


@post("/tickets/{ticket_id:str}/cancel", guards=[desk_staff], status_code=200)
async def cancel(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.CANCEL)


@post("/tickets/{ticket_id:str}/complete", guards=[ticket_staff], status_code=200)
async def complete(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[Complete]
) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.COMPLETE, outcome=data.outcome.value, note=data.note)


@post("/tickets/{ticket_id:str}/transfer", guards=[ticket_staff], status_code=200)
async def transfer(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[Transfer]
) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.TRANSFER, service=data.service, note=data.note)


@get(
    "/sites/{site:str}/tickets",
    guards=[site_staff],
    summary="Tickets of a site: today's (site staff), or of an earlier date from its archive (managers, admins)",
)
async def site_tickets(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    status: FromQuery[Status | None] = None,
    staff_login: Annotated[str | None, QueryParameter(name="operator", max_length=64)] = None,
    day: Annotated[date | None, QueryParameter(name="date")] = None,
) -> list[dict[str, Any]]:
    """``operator=LOGIN``: only the tickets that person acted on last (the console's "today's own count").

    ``date=YYYY-MM-DD`` other than today (managers and admins): the tickets of that date as day close archived
    them (before the close reaches a past date, as they stand), each with ``archived_at``; 404 ``not_archived``
    when the date has none. Every ticket also carries ``first_called_at`` (where its wait ended) and
    ``reservation`` (the code it was checked in with)."""
    rt = runtime(request)
    rt.store.site(site)
    today = rt.store.business_date()
    archived_at: str | None = None
    if day is None or day == today:
        rows = await rt.store.tickets(site, today.isoformat(), status.value if status else None)
    else:
        check(principal(request), site, MANAGERS, ())
        archived_at, rows = await rt.store.day_tickets(site, day.isoformat())
        if archived_at is None and not rows:
            raise NotArchived(f"{day.isoformat()} has no archive at {site}: it was never open, or is past retention")
    return [
        {
            **rt.staff_ticket(t),
            "first_called_at": ms_to_iso(t.get("first_called_at") or t.get("called_at"), rt.tz),
            "reservation": t.get("reservation") or None,
            "archived_at": archived_at,
        }
        for t in rows
        if (status is None or t.get("status") == status.value)
        and (staff_login is None or t.get("operator") == staff_login)
    ]


@post("/sites/{site:str}/day-close", guards=[site_managers], status_code=200, summary="Close a business date")
async def day_close(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
) -> dict[str, Any]:
    rt = runtime(request)
    rt.store.site(site)
    business_date = (day or rt.store.business_date()).isoformat()
    was_open, n = await rt.store.close_day(site, business_date, audit=audit_entry(request, "day.close", site=site))
    return {"site": site, "business_date": business_date, "was_open": was_open, "unserved": n}


ROUTES = [
    open_counter, pause_counter, close_counter, call_next, call_number,
    recall, start, return_to_queue, no_show, reinstate, cancel, complete, transfer, site_tickets, day_close,
]  # fmt: skip
