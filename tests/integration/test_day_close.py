"""Closing a business day: leftovers become unserved, counters let go, the next day starts empty."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.conftest import issue, open_counter


async def _one_done_one_called(http: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """Booth 1 calls the first ticket in line and finishes it; booth 2 calls the next and holds it."""
    await open_counter(http, "ch-booth-1", "pickup")
    await open_counter(http, "ch-booth-2", "pickup")
    done: dict[str, Any] = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    await http.post(f"/api/v1/tickets/{done['id']}/start")
    await http.post(f"/api/v1/tickets/{done['id']}/complete", json={"outcome": "guidance_only"})
    called: dict[str, Any] = (await http.post("/api/v1/counters/ch-booth-2/call-next")).json()
    return done, called


async def test_day_close_makes_leftovers_unserved(server: Any, http: Any, open_ws: Any) -> None:
    waiting = await issue(http, "pickup")
    called = await issue(http, "pickup")
    done = await issue(http, "pickup")
    # waiting ticket is first in line; call it to booth 1 and finish it, then call the others
    t1, t2 = await _one_done_one_called(http)
    assert {t1["number"], t2["number"]} == {waiting["number"], called["number"]}
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()

    was_open, n = await server.call(server.runtime.store.close_day("city-hall", "2026-11-24"))
    assert (was_open, n) == (True, 2)
    event = await board.until(lambda m: m["type"] == "day.closed")
    assert event["business_date"] == "2026-11-24" and event["unserved"] == 2
    rows = {t["number"]: t["status"] for t in (await http.get("/api/v1/sites/city-hall/tickets")).json()}
    assert rows == {t1["number"]: "done", t2["number"]: "unserved", done["number"]: "unserved"}
    state = (await http.get("/api/v1/sites/city-hall/state")).json()
    assert state["calling"] == [] and all(c["current_number"] is None for c in state["counters"])
    # closing again changes nothing and says so
    assert await server.call(server.runtime.store.close_day("city-hall", "2026-11-24")) == (False, 0)


async def test_past_days_are_closed_by_the_server_and_numbering_restarts(server: Any, http: Any) -> None:
    old = await issue(http, "pickup")
    assert old["number"] == "P001"
    server.clock.advance(timedelta(days=1))  # Wednesday 10:00
    http = await server.login("admin")  # yesterday's session has ended with the server's clock
    closed = await server.call(server.runtime.store.close_past_days())
    assert closed == [("city-hall", "2026-11-24", 1)]
    new = await issue(http, "pickup")
    assert new["number"] == "P001" and new["business_date"] == "2026-11-25"
    await open_counter(http, "ch-booth-1", "pickup")
    called = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert called["id"] == new["id"]  # yesterday's ticket is not called today


async def test_the_next_business_date_shows_none_of_yesterdays_calls(server: Any, http: Any, open_ws: Any) -> None:
    """Numbers restart every day: a call of 11/24 shown on 11/25 would tell today's P001 it was called."""
    for _ in range(3):
        await issue(http, "pickup")
    _, held = await _one_done_one_called(http)
    assert (await http.post(f"/api/v1/tickets/{held['id']}/recall")).status_code == 200
    before = (await http.get("/api/v1/sites/city-hall/state")).json()
    assert [c["number"] for c in before["calling"]] == ["P002"]
    assert [c["number"] for c in before["recent"]] == ["P002", "P002", "P001"]

    # 8:45 the next morning; the day-close job has not run yet, so booth 2 still holds yesterday's P002
    server.clock.set(datetime.fromisoformat("2026-11-25T08:45:00+09:00"))
    http = await server.login("admin")  # a new shift signs in
    state = (await http.get("/api/v1/sites/city-hall/state")).json()
    assert state["business_date"] == "2026-11-25"
    assert state["calling"] == [] and state["recent"] == []
    assert all(c["current_number"] is None for c in state["counters"])
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    snap = await board.recv()
    assert snap["type"] == "snapshot" and snap["state"]["business_date"] == "2026-11-25"
    assert snap["state"]["calling"] == [] and snap["state"]["recent"] == []

    # today's P001 is today's call only
    closed = await server.call(server.runtime.store.close_past_days())
    assert closed == [("city-hall", "2026-11-24", 2)]
    today = await issue(http, "pickup")
    called = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert called["id"] == today["id"] and called["number"] == "P001"
    state = (await http.get("/api/v1/sites/city-hall/state")).json()
    assert [(c["number"], c["counter"]) for c in state["recent"]] == [("P001", "ch-booth-1")]
    assert [c["number"] for c in state["calling"]] == ["P001"]


async def test_closing_a_date_takes_its_calls_off_the_boards(server: Any, http: Any, open_ws: Any) -> None:
    """A manager closes today after hours: a board loaded afterwards shows no call of the closed date."""
    await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup")
    called = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    await http.post(f"/api/v1/tickets/{called['id']}/no-show")
    assert [c["number"] for c in (await http.get("/api/v1/sites/city-hall/state")).json()["recent"]] == ["P001"]
    r = await http.post("/api/v1/sites/city-hall/day-close")
    assert r.status_code == 200, r.text
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    snap = await board.recv()
    assert snap["state"]["calling"] == [] and snap["state"]["recent"] == []


async def test_a_date_that_has_not_come_cannot_be_closed(server: Any, http: Any) -> None:
    """Closing archives the date and stops issuing on it: tomorrow closed today would open with no tickets."""
    r = await http.post("/api/v1/sites/city-hall/day-close", params={"date": "2026-11-25"})
    assert r.status_code == 400 and r.json()["code"] == "validation_error", r.text
    server.clock.set(datetime.fromisoformat("2026-11-25T09:00:00+09:00"))
    http = await server.login("admin")
    assert (await issue(http, "pickup"))["business_date"] == "2026-11-25"


async def test_after_closing_today_the_kiosk_shows_closed_and_issues_nothing(server: Any, http: Any) -> None:
    kiosk = await server.device("kiosk", "city-hall")
    ticket = (await kiosk.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})).json()
    assert (await kiosk.get("/api/v1/sites/city-hall/state")).json()["open"] is True
    assert (await http.post("/api/v1/sites/city-hall/day-close")).status_code == 200
    assert (await kiosk.get("/api/v1/sites/city-hall/state")).json()["open"] is False
    r = await kiosk.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
    assert r.status_code == 409 and r.json()["code"] == "day_closed", r.text
    rows = (await http.get("/api/v1/sites/city-hall/tickets")).json()
    assert [(t["number"], t["status"]) for t in rows] == [(ticket["number"], "unserved")]
