"""A ticket's life over real HTTP, with every change arriving on a websocket in order."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from typing import Any

from tests.conftest import issue, open_counter


async def test_full_life_arrives_on_websocket_in_order(server: Any, http: Any, open_ws: Any) -> None:
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    snap = await board.recv()
    assert snap["type"] == "snapshot"
    start_seq = snap["seq"]
    assert {c["id"] for c in snap["state"]["counters"]} >= {"ch-booth-1", "ch-meeting-6"}

    ticket = await issue(http, "pickup")
    assert ticket["number"] == "P001"
    assert ticket["status_url"].endswith(f"/t/{ticket['token']}")
    await open_counter(http, "ch-booth-1", "pickup")
    called = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert called["number"] == "P001" and called["status"] == "called" and called["counter_label"] == "1番窓口"
    assert (await http.post(f"/api/v1/tickets/{ticket['id']}/start")).json()["status"] == "serving"
    done = await http.post(f"/api/v1/tickets/{ticket['id']}/complete", json={"outcome": "completed"})
    assert done.json()["status"] == "done" and done.json()["outcome"] == "completed"

    events = await board.events(5)
    assert [e["type"] for e in events] == [
        "ticket.issued",
        "counter.changed",
        "ticket.called",
        "ticket.serving",
        "ticket.done",
    ]
    assert [e["seq"] for e in events] == list(range(start_seq + 1, start_seq + 6))
    called_event = events[2]
    assert called_event["ticket"]["number"] == "P001"
    assert called_event["ticket"]["counter_label"] == "1番窓口"
    # the public projection carries numbers, services and counters only
    for e in events:
        if "ticket" in e:
            assert set(e["ticket"]) == {"number", "service", "status", "channel", "counter", "counter_label"}
    state = (await http.get("/api/v1/sites/city-hall/state")).json()
    assert state["seq"] == start_seq + 5
    assert state["calling"] == []
    assert state["recent"][0]["number"] == "P001"


async def test_visitor_socket_follows_its_ticket(server: Any, http: Any, open_ws: Any) -> None:
    first = await issue(http, "pickup")
    mine = await issue(http, "pickup")
    phone = await open_ws(f"{server.ws_url}/ws/v1/tickets/{mine['token']}")
    snap = await phone.recv()
    assert snap["state"]["number"] == mine["number"]
    assert snap["state"]["waiting_ahead"] == 1 and snap["state"]["position"] == 2
    assert "id" not in snap["state"] and "token" not in snap["state"]

    await open_counter(http, "ch-booth-2", "pickup")
    await http.post("/api/v1/counters/ch-booth-2/call-next")  # calls the first ticket
    moved = await phone.until(lambda m: m["type"] == "ticket.status" and m["state"]["waiting_ahead"] == 0)
    assert moved["state"]["position"] == 1
    await http.post(f"/api/v1/tickets/{first['id']}/no-show")
    await http.post("/api/v1/counters/ch-booth-2/call-next")
    called = await phone.until(lambda m: m["type"] == "ticket.called")
    assert called["ticket"]["counter_label"] == "2番窓口"
    status = await phone.until(lambda m: m["type"] == "ticket.status")
    assert status["state"]["status"] == "called" and status["state"]["counter_label"] == "2番窓口"

    by_token = (await http.get(f"/api/v1/tickets/by-token/{mine['token']}")).json()
    assert by_token["status"] == "called" and by_token["counter_label"] == "2番窓口"
    assert (await http.get("/api/v1/tickets/by-token/not-a-token")).json()["code"] == "not_found"


async def test_two_hundred_concurrent_issues_get_distinct_numbers(server: Any, http: Any) -> None:
    tickets = await asyncio.gather(*(issue(http, "pickup") for _ in range(200)))
    numbers = [t["number"] for t in tickets]
    assert len(set(numbers)) == 200
    assert sorted(numbers) == [f"P{i:03d}" for i in range(1, 201)]
    listed = (await http.get("/api/v1/sites/city-hall/tickets", params={"status": "waiting"})).json()
    assert len(listed) == 200


async def test_three_counters_racing_call_each_ticket_exactly_once(server: Any, http: Any) -> None:
    issued = [await issue(http, "pickup") for _ in range(100)]
    counters = ["ch-booth-1", "ch-booth-2", "ch-booth-3"]
    # one operator per counter: an operator holds one ticket at a time (test_console_rules.py)
    operators = {c: await server.login("operator", ("city-hall",)) for c in counters}
    for c in counters:
        await open_counter(operators[c], c, "pickup")

    async def work(counter: str) -> list[str]:
        http = operators[counter]
        got = []
        while True:
            r = await http.post(f"/api/v1/counters/{counter}/call-next")
            if r.status_code == 404:
                assert r.json()["code"] == "no_waiting_ticket"
                return got
            assert r.status_code == 200, r.text
            t = r.json()
            got.append(t["number"])
            assert (await http.post(f"/api/v1/tickets/{t['id']}/start")).status_code == 200
            assert (
                await http.post(f"/api/v1/tickets/{t['id']}/complete", json={"outcome": "completed"})
            ).status_code == 200

    results = await asyncio.gather(*(work(c) for c in counters))
    called = [n for r in results for n in r]
    assert sorted(called) == sorted(t["number"] for t in issued)
    assert len(called) == len(set(called)) == 100
    for r in results:  # each counter saw its tickets in issue order
        assert r == sorted(r)


async def test_first_come_first_served_with_priority_ahead(server: Any, http: Any) -> None:
    a = await issue(http, "pickup")
    b = await issue(http, "e-cert")
    c = await issue(http, "pickup", priority=True)
    d = await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup", "e-cert")
    order = []
    for _ in range(4):
        t = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
        order.append(t["number"])
        await http.post(f"/api/v1/tickets/{t['id']}/no-show")
    # priority first, then everyone by issue time across the counter's services
    assert order == [c["number"], a["number"], b["number"], d["number"]]


async def test_same_idempotency_key_returns_the_same_ticket(server: Any, http: Any) -> None:
    body = {"service": "pickup", "idempotency_key": "kiosk-1-touch-42"}
    first = await http.post("/api/v1/sites/city-hall/tickets", json=body)
    again = await asyncio.gather(*(http.post("/api/v1/sites/city-hall/tickets", json=body) for _ in range(5)))
    assert first.status_code == 201
    assert {r.status_code for r in again} == {200}
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    other = await issue(http, "pickup", idempotency_key="kiosk-1-touch-43")
    assert other["number"] == "P002"
    state = (await http.get("/api/v1/sites/city-hall/state")).json()
    assert next(s for s in state["services"] if s["id"] == "pickup")["waiting"] == 2


async def test_transfer_keeps_number_and_place(server: Any, http: Any) -> None:
    first = await issue(http, "pickup")
    early_cert = await issue(http, "e-cert")
    late_cert = await issue(http, "e-cert")
    await open_counter(http, "ch-booth-1", "pickup")
    await http.post("/api/v1/counters/ch-booth-1/call-next")
    await http.post(f"/api/v1/tickets/{first['id']}/start")
    moved = await http.post(f"/api/v1/tickets/{first['id']}/transfer", json={"service": "e-cert", "note": "証明書も"})
    body = moved.json()
    assert body["number"] == first["number"] and body["service"] == "e-cert" and body["status"] == "waiting"
    assert body["transfers"][0]["from"] == "pickup" and body["transfers"][0]["to"] == "e-cert"
    assert body["issued_at"] == first["issued_at"]
    await open_counter(http, "ch-booth-2", "e-cert")
    calls = []
    for _ in range(3):
        t = (await http.post("/api/v1/counters/ch-booth-2/call-next")).json()
        calls.append(t["number"])
        await http.post(f"/api/v1/tickets/{t['id']}/no-show")
    assert calls == [first["number"], early_cert["number"], late_cert["number"]]


async def test_recall_return_and_cancel(server: Any, http: Any, open_ws: Any) -> None:
    a = await issue(http, "pickup")
    b = await issue(http, "pickup")
    await open_counter(http, "ch-booth-1", "pickup")
    await http.post("/api/v1/counters/ch-booth-1/call-next")
    busy = await http.post("/api/v1/counters/ch-booth-1/call-next")
    assert busy.status_code == 409 and busy.json()["code"] == "counter_busy"
    recalled = (await http.post(f"/api/v1/tickets/{a['id']}/recall")).json()
    assert recalled["recall_count"] == 1 and recalled["status"] == "called"
    back = (await http.post(f"/api/v1/tickets/{a['id']}/return")).json()
    assert back["status"] == "waiting" and back["counter"] is None
    again = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert again["number"] == a["number"]  # kept its place ahead of b
    assert (await http.post(f"/api/v1/tickets/{b['id']}/cancel")).json()["status"] == "cancelled"
    wrong = await http.post(f"/api/v1/tickets/{b['id']}/start")
    assert wrong.status_code == 409 and wrong.json()["code"] == "invalid_transition"


async def test_call_a_given_number(server: Any, http: Any) -> None:
    await issue(http, "pickup")
    second = await issue(http, "pickup")
    await open_counter(http, "ch-booth-3", "pickup")
    r = await http.post("/api/v1/counters/ch-booth-3/call", json={"number": second["number"]})
    assert r.status_code == 200 and r.json()["number"] == second["number"]
    await http.post(f"/api/v1/tickets/{second['id']}/no-show")
    gone = await http.post("/api/v1/counters/ch-booth-3/call", json={"number": second["number"]})
    assert gone.status_code == 409 and gone.json()["code"] == "invalid_transition"
    missing = await http.post("/api/v1/counters/ch-booth-3/call", json={"number": "P999"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


async def test_counters_follow_the_season(create_server: Any) -> None:
    from datetime import datetime

    october = create_server(at=datetime.fromisoformat("2026-10-15T10:00:00+09:00"))
    state = (await (await october.login()).get("/api/v1/sites/city-hall/state")).json()
    assert len(state["counters"]) == 3
    tsuyazaki = (await (await october.login()).get("/api/v1/sites/tsuyazaki/state")).json()
    assert len(tsuyazaki["counters"]) == 1
    november = create_server(at=datetime.fromisoformat("2026-11-16T10:00:00+09:00"))
    assert len((await (await november.login()).get("/api/v1/sites/city-hall/state")).json()["counters"]) == 6
    assert len((await (await november.login()).get("/api/v1/sites/tsuyazaki/state")).json()["counters"]) == 2


async def test_wait_estimate_follows_open_counters_and_service_times(server: Any, http: Any) -> None:
    pickup_minutes = server.runtime.config.service("pickup").minutes
    first = [await issue(http, "pickup") for _ in range(4)]
    assert first[3]["waiting_ahead"] == 3 and first[3]["estimated_wait_min"] == 3 * pickup_minutes  # nobody open: one
    await open_counter(http, "ch-booth-1", "pickup")
    await open_counter(http, "ch-booth-2", "pickup", "e-cert")
    fifth = await issue(http, "pickup")
    assert fifth["waiting_ahead"] == 4 and fifth["estimated_wait_min"] == -(-4 * pickup_minutes // 2)
    # a real service time replaces the configured default
    t = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    await http.post(f"/api/v1/tickets/{t['id']}/start")
    server.clock.advance(timedelta(minutes=30))
    await http.post(f"/api/v1/tickets/{t['id']}/complete", json={"outcome": "completed"})
    done, _ = await server.call(server.runtime.store.ticket(t["id"]))
    minutes = (int(done["finished_at"]) - int(done["serving_at"])) / 60_000  # 30 min and the test's own ms
    sixth = await issue(http, "pickup")
    assert sixth["waiting_ahead"] == 4 and sixth["estimated_wait_min"] == math.ceil(4 * minutes / 2)
    state = (await http.get("/api/v1/sites/city-hall/state")).json()
    pickup = next(s for s in state["services"] if s["id"] == "pickup")
    assert pickup["estimated_wait_min"] == math.ceil(5 * minutes / 2)
