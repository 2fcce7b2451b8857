"""Staff routes (DESIGN §4): counters and ticket actions, and the staff list of today's tickets."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from server.api import guards
from server.api.public import runtime
from server.api.schemas import CallNumber, Complete, OpenCounter, PauseCounter, Transfer
from server.projection import counter_view
from server.queue.models import Action, Status

staff_post = partial(post, guards=guards.STAFF, status_code=200)
staff_get = partial(get, guards=guards.STAFF)


def operator(request: Request[Any, Any, Any]) -> str:
    """Login of the staff member acting (empty until a session is attached to the request)."""
    user = request.scope.get("user")
    return str(getattr(user, "login", "") or "")


@staff_post("/counters/{counter:str}/open")
async def open_counter(
    request: Request[Any, Any, Any], counter: FromPath[str], data: JSONBody[OpenCounter]
) -> dict[str, Any]:
    rt = runtime(request)
    view = await rt.store.counter_op(counter, "open", services=data.services, operator=operator(request))
    return counter_view(view, rt.config)


@staff_post("/counters/{counter:str}/pause")
async def pause_counter(
    request: Request[Any, Any, Any], counter: FromPath[str], data: JSONBody[PauseCounter | None] = None
) -> dict[str, Any]:
    rt = runtime(request)
    reason = data.reason if data else ""
    return counter_view(
        await rt.store.counter_op(counter, "pause", operator=operator(request), reason=reason), rt.config
    )


@staff_post("/counters/{counter:str}/close")
async def close_counter(request: Request[Any, Any, Any], counter: FromPath[str]) -> dict[str, Any]:
    rt = runtime(request)
    return counter_view(await rt.store.counter_op(counter, "close", operator=operator(request)), rt.config)


@staff_post("/counters/{counter:str}/call-next")
async def call_next(request: Request[Any, Any, Any], counter: FromPath[str]) -> dict[str, Any]:
    rt = runtime(request)
    return rt.staff_ticket(await rt.store.call(counter, operator=operator(request)))


@staff_post("/counters/{counter:str}/call")
async def call_number(
    request: Request[Any, Any, Any], counter: FromPath[str], data: JSONBody[CallNumber]
) -> dict[str, Any]:
    rt = runtime(request)
    return rt.staff_ticket(await rt.store.call(counter, number=data.number, operator=operator(request)))


async def _act(request: Request[Any, Any, Any], ticket_id: FromPath[str], action: Action, **kw: str) -> dict[str, Any]:
    rt = runtime(request)
    return rt.staff_ticket(await rt.store.act(ticket_id, action, operator=operator(request), **kw))


@staff_post("/tickets/{ticket_id:str}/recall")
async def recall(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.RECALL)


@staff_post("/tickets/{ticket_id:str}/start")
async def start(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.START)


@staff_post("/tickets/{ticket_id:str}/return")
async def return_to_queue(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.RETURN)


@staff_post("/tickets/{ticket_id:str}/no-show")
async def no_show(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.NO_SHOW)


@staff_post("/tickets/{ticket_id:str}/cancel")
async def cancel(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.CANCEL)


@staff_post("/tickets/{ticket_id:str}/complete")
async def complete(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[Complete]
) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.COMPLETE, outcome=data.outcome.value, note=data.note)


@staff_post("/tickets/{ticket_id:str}/transfer")
async def transfer(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[Transfer]
) -> dict[str, Any]:
    return await _act(request, ticket_id, Action.TRANSFER, service=data.service, note=data.note)


@staff_get("/sites/{site:str}/tickets", summary="Today's tickets of a site (staff view)")
async def site_tickets(
    request: Request[Any, Any, Any], site: FromPath[str], status: FromQuery[Status | None] = None
) -> list[dict[str, Any]]:
    rt = runtime(request)
    rt.store.site(site)
    rows = await rt.store.tickets(site, rt.store.business_date().isoformat(), status.value if status else None)
    return [rt.staff_ticket(t) for t in rows]


ROUTES = [
    open_counter, pause_counter, close_counter, call_next, call_number,
    recall, start, return_to_queue, no_show, cancel, complete, transfer, site_tickets,
]  # fmt: skip
