"""Rules the counter console relies on, enforced by the store scripts themselves (call.lua, action.lua,
counter.lua): an operator holds one ticket at a time, a click's ``Idempotency-Key`` acts once, two consoles on
one counter see the same events, and operators racing call-next never get the same ticket."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx

from tests.conftest import issue, open_counter

SITE = "city-hall"


async def _seq(http: httpx.AsyncClient) -> int:
    return int((await http.get(f"/api/v1/sites/{SITE}/state")).json()["seq"])


async def _waiting(http: httpx.AsyncClient) -> list[str]:
    rows = (await http.get(f"/api/v1/sites/{SITE}/tickets", params={"status": "waiting"})).json()
    return [t["number"] for t in rows]


async def _staff_socket(server: Any, open_ws: Any, client: httpx.AsyncClient) -> Any:
    """The site socket of a signed-in console (its session cookie): the staff projection."""
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}", additional_headers={"Cookie": cookie})
    snap = await ws.recv()
    assert snap["type"] == "snapshot"
    return ws


async def _finish(http: httpx.AsyncClient, ticket_id: str) -> None:
    assert (await http.post(f"/api/v1/tickets/{ticket_id}/start")).status_code == 200
    r = await http.post(f"/api/v1/tickets/{ticket_id}/complete", json={"outcome": "completed"})
    assert r.status_code == 200, r.text


async def test_an_operator_holds_one_ticket_at_a_time(server: Any, http: Any) -> None:
    op = await server.login("operator", (SITE,))
    first, second, third = [await issue(http, "pickup") for _ in range(3)]
    await open_counter(op, "ch-booth-1", "pickup")
    await open_counter(http, "ch-booth-2", "pickup")
    called = (await op.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert called["number"] == first["number"]
    before = await _seq(http)

    # the same counter: counter_busy; another counter: operator_busy, naming the number held and where (the
    # counter's id in `held`, for a console to name in its language; its label in the English detail)
    held = {"number": first["number"], "counter": "ch-booth-1"}
    again = await op.post("/api/v1/counters/ch-booth-1/call-next")
    assert again.status_code == 409 and again.json()["code"] == "counter_busy"
    assert again.json()["held"] == held
    elsewhere = await op.post("/api/v1/counters/ch-booth-2/call-next")
    assert elsewhere.status_code == 409 and elsewhere.json()["code"] == "operator_busy"
    assert elsewhere.json()["held"] == held
    assert elsewhere.json()["detail"] == (
        f"you already hold {first['number']} at 1番窓口; finish or return it before calling another number"
    )
    by_number = await op.post("/api/v1/counters/ch-booth-2/call", json={"number": second["number"]})
    assert by_number.status_code == 409 and by_number.json()["code"] == "operator_busy"
    assert by_number.json()["held"] == held
    # refused calls change nothing
    assert await _seq(http) == before
    assert await _waiting(http) == [second["number"], third["number"]]

    # serving still holds; completing lets go
    assert (await op.post(f"/api/v1/tickets/{first['id']}/start")).status_code == 200
    busy = await op.post("/api/v1/counters/ch-booth-2/call-next")
    assert busy.json()["code"] == "operator_busy"
    await op.post(f"/api/v1/tickets/{first['id']}/complete", json={"outcome": "guidance_only"})
    nxt = await op.post("/api/v1/counters/ch-booth-2/call-next")
    assert nxt.status_code == 200 and nxt.json()["number"] == second["number"]

    # returning to the queue and no-show let go too
    assert (await op.post(f"/api/v1/tickets/{second['id']}/return")).status_code == 200
    r = await op.post("/api/v1/counters/ch-booth-1/call-next")
    assert r.status_code == 200 and r.json()["number"] == second["number"]
    assert (await op.post(f"/api/v1/tickets/{second['id']}/no-show")).status_code == 200
    r = await op.post("/api/v1/counters/ch-booth-2/call", json={"number": third["number"]})
    assert r.status_code == 200 and r.json()["number"] == third["number"]


async def test_transfer_and_cancel_let_the_operator_go(server: Any, http: Any) -> None:
    op = await server.login("operator", (SITE,))
    a = await issue(http, "pickup")
    b = await issue(http, "pickup")
    await open_counter(op, "ch-booth-1", "pickup")
    await open_counter(http, "ch-booth-2", "pickup", "e-cert")
    await op.post("/api/v1/counters/ch-booth-1/call-next")
    await op.post(f"/api/v1/tickets/{a['id']}/start")
    moved = await op.post(f"/api/v1/tickets/{a['id']}/transfer", json={"service": "e-cert"})
    assert moved.status_code == 200 and moved.json()["status"] == "waiting"
    r = await op.post("/api/v1/counters/ch-booth-2/call-next")
    assert r.status_code == 200 and r.json()["number"] == a["number"]  # kept its place: issued first
    # a guide cancels the called ticket (the visitor left): the operator is free again
    guide = await server.login("guide", (SITE,))
    assert (await guide.post(f"/api/v1/tickets/{a['id']}/cancel")).status_code == 200
    r = await op.post("/api/v1/counters/ch-booth-1/call-next")
    assert r.status_code == 200 and r.json()["number"] == b["number"]


async def test_start_by_another_operator_hands_the_ticket_over(server: Any, http: Any) -> None:
    """Two operators sharing one counter: whoever starts the ticket holds it from then on."""
    alice = await server.login("operator", (SITE,))
    bob = await server.login("operator", (SITE,))
    a, b, c = [await issue(http, "pickup") for _ in range(3)]
    await open_counter(alice, "ch-booth-1", "pickup")
    await open_counter(http, "ch-booth-2", "pickup")
    await open_counter(http, "ch-booth-3", "pickup")
    await alice.post("/api/v1/counters/ch-booth-1/call-next")
    started = await bob.post(f"/api/v1/tickets/{a['id']}/start")
    bob_login = (await bob.get("/api/v1/auth/me")).json()["login"]
    assert started.status_code == 200 and started.json()["operator"] == bob_login
    # alice is free, bob holds a
    r = await alice.post("/api/v1/counters/ch-booth-2/call-next")
    assert r.status_code == 200 and r.json()["number"] == b["number"]
    refused = await bob.post("/api/v1/counters/ch-booth-3/call-next")
    assert refused.status_code == 409 and refused.json()["code"] == "operator_busy"
    assert a["number"] in refused.json()["detail"]
    # bob may not take over alice's b while holding a
    take = await bob.post(f"/api/v1/tickets/{b['id']}/start")
    assert take.status_code == 409 and take.json()["code"] == "operator_busy"
    assert take.json()["held"] == {"number": a["number"], "counter": "ch-booth-1"}  # started where alice called it
    await bob.post(f"/api/v1/tickets/{a['id']}/complete", json={"outcome": "completed"})
    r = await bob.post("/api/v1/counters/ch-booth-3/call-next")
    assert r.status_code == 200 and r.json()["number"] == c["number"]


async def test_a_double_click_on_call_next_calls_one_ticket(server: Any, http: Any, open_ws: Any) -> None:
    op = await server.login("operator", (SITE,))
    first = await issue(http, "pickup")
    second = await issue(http, "pickup")
    await open_counter(op, "ch-booth-1", "pickup")
    ws = await _staff_socket(server, open_ws, op)
    before = await _seq(http)

    headers = {"Idempotency-Key": "console-click-0001"}
    both = await asyncio.gather(*(op.post("/api/v1/counters/ch-booth-1/call-next", headers=headers) for _ in range(2)))
    assert [r.status_code for r in both] == [200, 200]
    assert {r.json()["id"] for r in both} == {first["id"]}
    called = await ws.until(lambda m: m["type"] == "ticket.called")
    assert called["ticket"]["number"] == first["number"] and called["seq"] == before + 1
    assert await _seq(http) == before + 1  # one event, one ticket called
    assert await _waiting(http) == [second["number"]]

    # the same key later (a retry after a lost answer) answers with that ticket as it is now
    await op.post(f"/api/v1/tickets/{first['id']}/start")
    retry = await op.post("/api/v1/counters/ch-booth-1/call-next", headers=headers)
    assert retry.status_code == 200 and retry.json()["id"] == first["id"] and retry.json()["status"] == "serving"
    # two clicks without a key: the counter refuses the second, still one ticket
    await op.post(f"/api/v1/tickets/{first['id']}/complete", json={"outcome": "completed"})
    plain = await asyncio.gather(*(op.post("/api/v1/counters/ch-booth-1/call-next") for _ in range(2)))
    assert sorted(r.status_code for r in plain) == [200, 409]
    assert {r.json()["code"] for r in plain if r.status_code == 409} <= {"counter_busy", "operator_busy"}
    assert await _waiting(http) == []


async def test_two_complete_clicks_make_one_done_event(server: Any, http: Any, open_ws: Any) -> None:
    op = await server.login("operator", (SITE,))
    t = await issue(http, "pickup")
    await open_counter(op, "ch-booth-1", "pickup")
    await op.post("/api/v1/counters/ch-booth-1/call-next")
    await op.post(f"/api/v1/tickets/{t['id']}/start")
    ws = await _staff_socket(server, open_ws, op)
    before = await _seq(http)

    headers = {"Idempotency-Key": "console-click-0002"}
    body = {"outcome": "missing_documents", "note": "住民票"}
    both = await asyncio.gather(
        *(op.post(f"/api/v1/tickets/{t['id']}/complete", json=body, headers=headers) for _ in range(2))
    )
    assert [r.status_code for r in both] == [200, 200]
    assert {(r.json()["status"], r.json()["outcome"]) for r in both} == {("done", "missing_documents")}
    done = await ws.until(lambda m: m["type"] == "ticket.done")
    assert done["seq"] == before + 1 and await _seq(http) == before + 1

    # the key names one action on one ticket: reused for anything else it is refused and changes nothing
    reused = await op.post(f"/api/v1/tickets/{t['id']}/recall", headers=headers)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    elsewhere = await op.post("/api/v1/counters/ch-booth-1/call-next", headers=headers)
    assert elsewhere.status_code == 409 and elsewhere.json()["code"] == "idempotency_key_reused"
    # without a key a second complete is simply an invalid transition
    plain = await op.post(f"/api/v1/tickets/{t['id']}/complete", json=body)
    assert plain.status_code == 409 and plain.json()["code"] == "invalid_transition"
    assert await _seq(http) == before + 1


async def test_counter_actions_with_a_key_act_once(server: Any, http: Any, open_ws: Any) -> None:
    op = await server.login("operator", (SITE,))
    await open_counter(op, "ch-booth-1", "pickup")
    before = await _seq(http)
    headers = {"Idempotency-Key": "console-click-0003"}
    both = await asyncio.gather(
        *(op.post("/api/v1/counters/ch-booth-1/pause", json={"reason": "休憩"}, headers=headers) for _ in range(2))
    )
    assert [(r.status_code, r.json()["status"], r.json()["reason"]) for r in both] == [(200, "paused", "休憩")] * 2
    assert await _seq(http) == before + 1
    refused = await op.post("/api/v1/counters/ch-booth-1/call-next")
    assert refused.status_code == 409 and refused.json()["code"] == "counter_not_open"
    resumed = await op.post("/api/v1/counters/ch-booth-1/open", json={"services": ["pickup"]})
    assert resumed.json()["status"] == "open" and resumed.json()["reason"] is None


async def test_a_malformed_key_is_refused_and_changes_nothing(server: Any, http: Any) -> None:
    op = await server.login("operator", (SITE,))
    await issue(http, "pickup")
    await open_counter(op, "ch-booth-1", "pickup")
    before = await _seq(http)
    for key in ("short", "has space in it", "x" * 129, "日本語のキーです日本語"):
        r = await op.post("/api/v1/counters/ch-booth-1/call-next", headers={"Idempotency-Key": key.encode()})
        assert r.status_code == 400 and r.json()["code"] == "validation_error", key
    assert await _seq(http) == before


async def test_two_consoles_on_one_counter_see_the_same_state(server: Any, http: Any, open_ws: Any) -> None:
    alice = await server.login("operator", (SITE,))
    bob = await server.login("operator", (SITE,))
    t = await issue(http, "pickup")
    consoles = [await _staff_socket(server, open_ws, who) for who in (alice, bob)]
    await open_counter(alice, "ch-booth-1", "pickup")
    for ws in consoles:
        changed = await ws.until(lambda m: m["type"] == "counter.changed")
        assert changed["counter"]["id"] == "ch-booth-1" and changed["counter"]["status"] == "open"
        assert changed["counter"]["operator"] and changed["counter"]["services"] == ["pickup"]

    called = (await alice.post("/api/v1/counters/ch-booth-1/call-next")).json()
    for ws in consoles:
        e = await ws.until(lambda m: m["type"] == "ticket.called")
        seen = (e["ticket"]["id"], e["ticket"]["counter"], e["ticket"]["operator"])
        assert seen == (t["id"], "ch-booth-1", called["operator"])
    await bob.post(f"/api/v1/tickets/{t['id']}/start")
    for ws in consoles:
        e = await ws.until(lambda m: m["type"] == "ticket.serving")
        assert e["ticket"]["id"] == t["id"] and e["ticket"]["operator"] != called["operator"]
    views = [(await who.get(f"/api/v1/sites/{SITE}/state")).json() for who in (alice, bob)]
    counters = [next(c for c in v["counters"] if c["id"] == "ch-booth-1") for v in views]
    assert counters[0] == counters[1]
    assert counters[0]["ticket"]["status"] == "serving" and counters[0]["ticket"]["serving_at"]


async def test_two_operators_racing_call_next_get_different_tickets(server: Any, http: Any) -> None:
    issued = [await issue(http, "pickup") for _ in range(30)]
    ops = [await server.login("operator", (SITE,)) for _ in range(2)]
    counters = ["ch-booth-1", "ch-booth-2"]
    for op, counter in zip(ops, counters, strict=True):
        await open_counter(op, counter, "pickup")
    seen: list[str] = []
    for _ in range(15):
        calls = await asyncio.gather(
            *(op.post(f"/api/v1/counters/{c}/call-next") for op, c in zip(ops, counters, strict=True))
        )
        assert [r.status_code for r in calls] == [200, 200]
        pair = [r.json() for r in calls]
        assert pair[0]["id"] != pair[1]["id"]
        seen += [t["number"] for t in pair]
        await asyncio.gather(*(_finish(op, t["id"]) for op, t in zip(ops, pair, strict=True)))
    assert sorted(seen) == sorted(t["number"] for t in issued)


async def test_own_count_lists_only_the_operators_tickets(server: Any, http: Any) -> None:
    alice = await server.login("operator", (SITE,))
    bob = await server.login("operator", (SITE,))
    for _ in range(3):
        await issue(http, "pickup")
    await open_counter(alice, "ch-booth-1", "pickup")
    await open_counter(bob, "ch-booth-2", "pickup")
    for who, counter in ((alice, "ch-booth-1"), (bob, "ch-booth-2"), (alice, "ch-booth-1")):
        t = (await who.post(f"/api/v1/counters/{counter}/call-next")).json()
        await _finish(who, t["id"])
    me = (await alice.get("/api/v1/auth/me")).json()["login"]
    mine = await alice.get(f"/api/v1/sites/{SITE}/tickets", params={"status": "done", "operator": me})
    assert mine.status_code == 200 and len(mine.json()) == 2 and {t["operator"] for t in mine.json()} == {me}


async def test_console_pages_sign_in_refuse_and_know_their_counters(server: Any) -> None:
    """The pages answer HTML: the sign-in form (401), the same form and why (403), 404 for a counter not in the
    configuration; the counter page carries its counter and site for its script."""
    for path in ("/console", "/console/ch-booth-1"):
        r = await server.http().get(path)
        assert r.status_code == 401 and 'id="login-form"' in r.text and "窓口端末 ログイン" in r.text, path
    guide = await server.login("guide", (SITE,))
    r = await guide.get("/console")
    assert r.status_code == 403 and "窓口担当・責任者・管理者" in r.text and 'id="login-form"' in r.text
    elsewhere = await server.login("operator", ("tsuyazaki",))
    assert (await elsewhere.get("/console")).status_code == 200
    assert (await elsewhere.get("/console/ch-booth-1")).status_code == 403
    assert (await elsewhere.get("/console/tz-1")).status_code == 200
    op = await server.login("operator", (SITE,))
    page = await op.get("/console/ch-booth-1")
    assert page.status_code == 200 and "/static/console/counter.js" in page.text
    assert 'data-counter="ch-booth-1"' in page.text and "1番窓口" in page.text
    missing = await op.get("/console/no-such-counter")
    assert missing.status_code == 404 and "no-such-counter" in missing.text


async def test_a_counter_opens_only_on_a_day_it_is_in_use(create_server: Any) -> None:
    sunday = create_server(at=datetime.fromisoformat("2026-11-22T10:00:00+09:00"))  # closed: no Sunday opening
    http = await sunday.login("operator", (SITE,))
    r = await http.post("/api/v1/counters/ch-booth-1/open", json={"services": ["pickup"]})
    assert (r.status_code, r.json()["code"]) == (409, "site_closed")
    state = (await http.get(f"/api/v1/sites/{SITE}/state")).json()
    assert state["seq"] == 0 and state["counters"] == []

    october = create_server(at=datetime.fromisoformat("2026-10-20T10:00:00+09:00"))  # meeting room: Nov–Mar
    http = await october.login("operator", (SITE,))
    r = await http.post("/api/v1/counters/ch-meeting-4/open", json={"services": ["pickup"]})
    assert (r.status_code, r.json()["code"]) == (409, "counter_not_in_use")
    assert "4番窓口" in r.json()["detail"]
    assert (await http.post("/api/v1/counters/ch-booth-1/open", json={"services": ["pickup"]})).status_code == 200
    state = (await http.get(f"/api/v1/sites/{SITE}/state")).json()
    assert [c["id"] for c in state["counters"]] == ["ch-booth-1", "ch-booth-2", "ch-booth-3"]
    assert [c["status"] for c in state["counters"]] == ["open", "closed", "closed"]
