"""Reinstating a no-show (``POST /api/v1/tickets/{id}/reinstate``): the visitor page sends a visitor who missed the
call to reception; the guide or a counter puts the ticket back in line, with its number, at its original place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from tests.conftest import issue, open_counter

SITE = "city-hall"


async def _seq(http: httpx.AsyncClient) -> int:
    return int((await http.get(f"/api/v1/sites/{SITE}/state")).json()["seq"])


async def _pickup_line(http: httpx.AsyncClient) -> dict[str, Any]:
    state = (await http.get(f"/api/v1/sites/{SITE}/state")).json()
    line: dict[str, Any] = next(s for s in state["services"] if s["id"] == "pickup")
    return line


async def _no_show(op: httpx.AsyncClient, counter: str = "ch-booth-1") -> dict[str, Any]:
    """Call the next ticket to ``counter`` and mark it a no-show."""
    called = (await op.post(f"/api/v1/counters/{counter}/call-next")).json()
    r = await op.post(f"/api/v1/tickets/{called['id']}/no-show")
    assert r.status_code == 200 and r.json()["status"] == "no_show", r.text
    data: dict[str, Any] = r.json()
    return data


async def test_a_reinstated_no_show_waits_again_at_its_place(server: Any, http: Any, open_ws: Any) -> None:
    kiosk = await server.device("kiosk")
    first, second, third = [await issue(kiosk, "pickup") for _ in range(3)]
    op = await server.login("operator", (SITE,))
    await open_counter(op, "ch-booth-1", "pickup")
    missed = await _no_show(op)
    assert missed["number"] == first["number"]
    assert (await _pickup_line(http))["waiting"] == 2
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    await board.recv()
    phone = await open_ws(f"{server.ws_url}/ws/v1/tickets/{first['token']}")
    assert (await phone.recv())["state"]["status"] == "no_show"

    # the visitor comes back to reception: the guide puts the ticket back
    guide = await server.login("guide", (SITE,))
    r = await guide.post(f"/api/v1/tickets/{first['id']}/reinstate")
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["status"] == "waiting" and back["number"] == first["number"] and back["id"] == first["id"]
    assert back["counter"] is None and back["finished_at"] is None and back["issued_at"] == first["issued_at"]

    event = await board.until(lambda m: m["type"] == "ticket.reinstated")
    assert event["ticket"] == {
        "number": first["number"], "service": "pickup", "status": "waiting", "channel": "walk_in",
        "counter": None, "counter_label": None,
    }  # fmt: skip
    status = await phone.until(lambda m: m["type"] == "ticket.status")
    assert status["state"]["status"] == "waiting" and status["state"]["position"] == 1
    assert status["state"]["waiting_ahead"] == 0
    # it counts as waiting again, in the estimate too
    line = await _pickup_line(http)
    assert line["waiting"] == 3 and line["estimated_wait_min"] > 0
    ahead_of_second = (await http.get(f"/api/v1/tickets/by-token/{second['token']}")).json()
    assert ahead_of_second["waiting_ahead"] == 1 and ahead_of_second["position"] == 2
    waiting = (await http.get(f"/api/v1/sites/{SITE}/tickets", params={"status": "waiting"})).json()
    assert [t["number"] for t in waiting] == [first["number"], second["number"], third["number"]]
    assert (await http.get(f"/api/v1/sites/{SITE}/tickets", params={"status": "no_show"})).json() == []

    # its original place by issue order: ahead of the tickets issued after it
    again = (await op.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert again["id"] == first["id"] and again["status"] == "called"

    manager = await server.login("manager")
    entries = (await manager.get("/api/v1/audit", params={"date": "2026-11-24"})).json()
    entry = next(e for e in entries if e["action"] == "ticket.reinstate")
    assert entry["number"] == first["number"] and entry["role"] == "guide" and entry["site"] == SITE


async def test_only_a_no_show_can_be_reinstated(server: Any, http: Any) -> None:
    waiting = await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup")
    done = (await http.post("/api/v1/counters/ch-booth-1/call", json={"number": waiting["number"]})).json()
    await http.post(f"/api/v1/tickets/{done['id']}/start")
    await http.post(f"/api/v1/tickets/{done['id']}/complete", json={"outcome": "completed"})
    still = await issue(http, "pickup")
    before = await _seq(http)
    for ticket, status in ((done, "done"), (still, "waiting")):
        r = await http.post(f"/api/v1/tickets/{ticket['id']}/reinstate")
        assert r.status_code == 409 and r.json()["code"] == "invalid_transition", r.text
        assert r.json()["detail"] == f"{ticket['number']} is {status}: it cannot be reinstate"
    missing = await http.post(f"/api/v1/tickets/{SITE}.0000000000000000/reinstate")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert await _seq(http) == before  # refusals change nothing
    assert (await _pickup_line(http))["waiting"] == 1


async def test_calling_a_no_show_by_number_says_to_reinstate_it_first(server: Any, http: Any) -> None:
    ticket = await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup")
    await _no_show(http)
    before = await _seq(http)
    r = await http.post("/api/v1/counters/ch-booth-1/call", json={"number": ticket["number"]})
    assert r.status_code == 409, r.text
    assert r.json() == {
        "code": "invalid_transition",
        "detail": f"{ticket['number']} was marked as a no-show: reinstate it first",
    }
    assert await _seq(http) == before
    assert (await http.post(f"/api/v1/tickets/{ticket['id']}/reinstate")).status_code == 200
    called = await http.post("/api/v1/counters/ch-booth-1/call", json={"number": ticket["number"]})
    assert called.status_code == 200 and called.json()["id"] == ticket["id"]


async def test_a_reinstate_click_sent_twice_reinstates_once(server: Any, http: Any, open_ws: Any) -> None:
    ticket = await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup")
    await _no_show(http)
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    start = (await board.recv())["seq"]
    key = {"Idempotency-Key": "console-reinstate-0001"}
    first = await http.post(f"/api/v1/tickets/{ticket['id']}/reinstate", headers=key)
    again = await http.post(f"/api/v1/tickets/{ticket['id']}/reinstate", headers=key)
    assert first.status_code == 200 and again.status_code == 200, again.text
    assert first.json() == again.json()
    assert (await board.recv())["type"] == "ticket.reinstated"
    assert await _seq(http) == start + 1  # one event for two clicks
    reused = await http.post(f"/api/v1/tickets/{ticket['id']}/cancel", headers=key)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    # without a key the state machine refuses the repeat
    twice = await http.post(f"/api/v1/tickets/{ticket['id']}/reinstate")
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"
    bad = await http.post(f"/api/v1/tickets/{ticket['id']}/reinstate", headers={"Idempotency-Key": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"


async def test_reinstating_is_for_the_tickets_site_staff(server: Any, http: Any) -> None:
    ticket = await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup")
    await _no_show(http)
    for role, sites in (("operator", ("tsuyazaki",)), ("guide", ("tsuyazaki",)), ("phone", (SITE,))):
        other = await server.login(role, sites)
        r = await other.post(f"/api/v1/tickets/{ticket['id']}/reinstate")
        assert r.status_code == 403 and r.json()["code"] == "forbidden", (role, sites, r.text)
    kiosk = await server.device("kiosk")
    assert (await kiosk.post(f"/api/v1/tickets/{ticket['id']}/reinstate")).status_code == 403
    assert (await http.get(f"/api/v1/tickets/by-token/{ticket['token']}")).json()["status"] == "no_show"
    op = await server.login("operator", (SITE,))
    assert (await op.post(f"/api/v1/tickets/{ticket['id']}/reinstate")).json()["status"] == "waiting"


async def test_a_no_show_of_an_earlier_date_stays_one(server: Any, http: Any) -> None:
    ticket = await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup")
    await _no_show(http)
    server.clock.set(datetime.fromisoformat("2026-11-25T09:00:00+09:00"))
    staff = await server.login("admin")
    r = await staff.post(f"/api/v1/tickets/{ticket['id']}/reinstate")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert "only today's tickets" in r.json()["detail"]
    assert (await _pickup_line(staff))["waiting"] == 0
