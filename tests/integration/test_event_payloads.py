"""Push only, on the sockets (DESIGN §5): events carry what a page needs to update itself.

Ticket events carry the new ``waiting`` and ``estimated_wait_min`` of the services they touch (both services of a
transfer), counter events those whose estimate follows the counter; staff events add the waiting tickets in the
order the server will call them. A visitor's socket follows its ticket from the events, reading nothing from the
store after its snapshot, and a page may ask its socket for a fresh snapshot when its day changes with the clock.
"""

from __future__ import annotations

import math
from typing import Any

import httpx

from tests.conftest import LiveServer, issue, open_counter

SITE = "city-hall"


async def staff_socket(server: LiveServer, open_ws: Any, client: httpx.AsyncClient) -> Any:
    """The site socket of a signed-in console (its session cookie): the staff projection."""
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}", additional_headers={"Cookie": cookie})
    assert (await ws.recv())["type"] == "snapshot"
    return ws


def line(event: dict[str, Any], service: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in event["services"] if s["id"] == service)
    return found


async def test_ticket_and_counter_events_carry_the_lines_they_change(
    server: LiveServer, http: httpx.AsyncClient, open_ws: Any
) -> None:
    pickup = server.runtime.config.service("pickup")
    ecert = server.runtime.config.service("e-cert")
    assert pickup is not None and ecert is not None
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    await board.recv()
    staff = await staff_socket(server, open_ws, http)

    for n in (1, 2, 3):
        await issue(http, "pickup")
        event = await board.until(lambda m: m["type"] == "ticket.issued")
        # nobody serves pickup yet: the estimate assumes one counter
        assert [(s["id"], s["waiting"], s["estimated_wait_min"]) for s in event["services"]] == [
            ("pickup", n, n * pickup.minutes)
        ]
        assert "order" not in line(event, "pickup") and "id" not in event["ticket"], "the public sees no ticket ids"

    # a counter opens for pickup: the estimate halves with the second counter
    await open_counter(http, "ch-booth-1", "pickup")
    opened = await board.until(lambda m: m["type"] == "counter.changed")
    assert line(opened, "pickup")["estimated_wait_min"] == 3 * pickup.minutes
    await open_counter(http, "ch-booth-2", "pickup", "e-cert")
    opened = await board.until(lambda m: m["type"] == "counter.changed")
    assert line(opened, "pickup")["estimated_wait_min"] == math.ceil(3 * pickup.minutes / 2)
    assert line(opened, "e-cert")["waiting"] == 0

    called = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    event = await board.until(lambda m: m["type"] == "ticket.called")
    assert event["ticket"]["number"] == called["number"] and line(event, "pickup")["waiting"] == 2
    await http.post(f"/api/v1/tickets/{called['id']}/start")
    await http.post(f"/api/v1/tickets/{called['id']}/transfer", json={"service": "e-cert"})
    moved = await board.until(lambda m: m["type"] == "ticket.transferred")
    assert {s["id"]: s["waiting"] for s in moved["services"]} == {"e-cert": 1, "pickup": 2}
    assert moved["from_service"] == "pickup"

    # staff: the same events with the ticket's id and the lines' call order
    staffed = await staff.until(lambda m: m["type"] == "ticket.transferred")
    waiting = (await http.get(f"/api/v1/sites/{SITE}/tickets", params={"status": "waiting"})).json()
    assert line(staffed, "e-cert")["order"] == [called["id"]]
    assert line(staffed, "pickup")["order"] == [t["id"] for t in waiting if t["service"] == "pickup"]
    assert staffed["ticket"]["id"] == called["id"] and staffed["from_status"] == "serving"


async def test_the_staff_order_is_the_order_the_server_calls(
    server: LiveServer, http: httpx.AsyncClient, open_ws: Any
) -> None:
    guide = await server.login("guide", (SITE,))
    staff = await staff_socket(server, open_ws, http)
    walk = await issue(http, "pickup")
    await staff.until(lambda m: m["type"] == "ticket.issued")
    prio = await issue(guide, "pickup", priority=True)
    event = await staff.until(lambda m: m["type"] == "ticket.issued")
    assert line(event, "pickup")["order"] == [prio["id"], walk["id"]], "a priority ticket goes ahead"
    await open_counter(http, "ch-booth-1", "pickup")
    first = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert first["id"] == prio["id"]
    event = await staff.until(lambda m: m["type"] == "ticket.called")
    assert line(event, "pickup")["order"] == [walk["id"]]


async def test_a_visitor_socket_follows_its_ticket_without_reading_the_store(
    server: LiveServer, http: httpx.AsyncClient, open_ws: Any
) -> None:
    tickets = [await issue(http, "pickup") for _ in range(4)]
    mine = tickets[3]
    phone = await open_ws(f"{server.ws_url}/ws/v1/tickets/{mine['token']}")
    snap = await phone.recv()
    assert (snap["type"], snap["state"]["position"], snap["state"]["waiting_ahead"]) == ("snapshot", 4, 3)

    reads: list[str] = []
    scripts = server.runtime.store._scripts
    for name in ("ticket_status", "snapshot"):
        script = scripts[name]

        async def counted(*args: Any, _name: str = name, _script: Any = script, **kw: Any) -> Any:
            reads.append(_name)
            return await _script(*args, **kw)

        scripts[name] = counted  # type: ignore[assignment]

    await open_counter(http, "ch-booth-2", "pickup")  # the estimate assumed one counter already; now one is open
    status = await phone.until(lambda m: m["type"] == "ticket.status")
    assert status["state"]["counters_open"] == 1
    await open_counter(http, "ch-booth-1", "pickup")
    status = await phone.until(lambda m: m["type"] == "ticket.status")  # two counters now: the estimate halves
    assert status["state"]["counters_open"] == 2
    pickup = server.runtime.config.service("pickup")
    assert pickup is not None and status["state"]["estimated_wait_min"] == math.ceil(3 * pickup.minutes / 2)
    for ahead in (2, 1, 0):
        called = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
        status = await phone.until(lambda m, n=ahead: m["type"] == "ticket.status" and m["state"]["waiting_ahead"] == n)
        assert status["state"]["position"] == ahead + 1
        await http.post(f"/api/v1/tickets/{called['id']}/start")
        await http.post(f"/api/v1/tickets/{called['id']}/complete", json={"outcome": "completed"})
    await http.post("/api/v1/counters/ch-booth-1/call-next")
    event = await phone.until(lambda m: m["type"] == "ticket.called")
    assert event["ticket"]["number"] == mine["number"]
    status = await phone.until(lambda m: m["type"] == "ticket.status")
    assert status["state"]["status"] == "called" and status["state"]["counter"] == "ch-booth-1"
    assert reads == [], f"the visitor's socket read the store after its snapshot: {reads}"


async def test_a_page_may_ask_its_socket_for_a_fresh_snapshot(
    server: LiveServer, http: httpx.AsyncClient, open_ws: Any
) -> None:
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    first = await board.recv()
    await issue(http, "pickup")
    issued = await board.until(lambda m: m["type"] == "ticket.issued")
    await board.send({"type": "snapshot"})
    again = await board.until(lambda m: m["type"] == "snapshot")
    assert again["seq"] == issued["seq"] == first["seq"] + 1
    assert line(again["state"], "pickup")["waiting"] == 1
