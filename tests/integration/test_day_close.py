"""Closing a business day: leftovers become unserved, counters let go, the next day starts empty."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import issue, open_counter


async def test_day_close_makes_leftovers_unserved(server: Any, http: Any, open_ws: Any) -> None:
    waiting = await issue(http, "pickup")
    called = await issue(http, "pickup")
    done = await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup")
    await open_counter(http, "ch-booth-2", "pickup")
    # waiting ticket is first in line; call it to booth 1 and finish it, then call the others
    t1 = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    await http.post(f"/api/v1/tickets/{t1['id']}/start")
    await http.post(f"/api/v1/tickets/{t1['id']}/complete", json={"outcome": "guidance_only"})
    t2 = (await http.post("/api/v1/counters/ch-booth-2/call-next")).json()
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
    closed = await server.call(server.runtime.store.close_past_days())
    assert closed == [("city-hall", "2026-11-24", 1)]
    new = await issue(http, "pickup")
    assert new["number"] == "P001" and new["business_date"] == "2026-11-25"
    await open_counter(http, "ch-booth-1", "pickup")
    called = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert called["id"] == new["id"]  # yesterday's ticket is not called today
