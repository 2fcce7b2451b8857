"""Service pause for upstream outages (``POST /api/v1/sites/{site}/services/{service}/pause`` and ``/resume``): the
kiosk and the guide are refused with the reason, boards, kiosks and the visitor pages of waiting tickets learn it
live, and the guide moves waiting tickets to another service or cancels them with a printed slip."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from tests.conftest import issue, open_counter

SITE = "city-hall"
PAUSE = "/api/v1/sites/city-hall/services/pickup/pause"
RESUME = "/api/v1/sites/city-hall/services/pickup/resume"
OUTAGE = {"reason_ja": "国のシステム（J-LIS）の障害のため", "reason_en": "The national J-LIS system is down"}


async def _state(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get(f"/api/v1/sites/{SITE}/state")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _line(state: dict[str, Any], service: str = "pickup") -> dict[str, Any]:
    line: dict[str, Any] = next(s for s in state["services"] if s["id"] == service)
    return line


async def test_a_paused_service_is_refused_with_its_reason_and_resumed_live(server: Any, open_ws: Any) -> None:
    manager = await server.login("manager", (SITE,))
    kiosk = await server.device("kiosk")
    guide = await server.login("guide", (SITE,))
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    snapshot = await board.recv()
    assert (_line(snapshot["state"])["paused"], _line(snapshot["state"])["pause"]) == (False, None)

    r = await manager.post(PAUSE, json=OUTAGE)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["paused"], answer["changed"], answer["pause"]["reason_ja"]) == (True, True, OUTAGE["reason_ja"])
    assert answer["pause"]["by"].startswith("manager")

    event = await board.until(lambda m: m["type"] == "service.changed")
    assert {k: event[k] for k in ("service", "paused", "reason_ja", "reason_en")} == {
        "service": "pickup", "paused": True, **OUTAGE,
    }  # fmt: skip
    assert event["at"] and event["since"] == event["at"]
    assert "by" not in event, "the public never learns who paused it"

    seq = (await _state(manager))["seq"]
    for who in (kiosk, guide):
        refused = await who.post(f"/api/v1/sites/{SITE}/tickets", json={"service": "pickup"})
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["code"] == "service_paused" and OUTAGE["reason_ja"] in body["detail"]
        assert (body["service"], body["reason_ja"], body["reason_en"]) == ("pickup", *OUTAGE.values())
    after = await _state(manager)
    assert after["seq"] == seq and _line(after)["waiting"] == 0, "a refused ticket changes nothing"
    assert (await issue(kiosk, "e-cert"))["number"] == "E001", "other services go on"

    # what the kiosk's snapshot and the public site list say
    kiosk_line = _line(await _state(kiosk))
    assert kiosk_line["paused"] is True and kiosk_line["available_now"] is True
    assert kiosk_line["pause"] == {**OUTAGE, "since": event["since"]}
    staff_line = _line(after)
    assert staff_line["pause"]["by"] == answer["pause"]["by"]
    sites = (await server.http().get("/api/v1/sites")).json()
    listed = _line(next(s for s in sites if s["id"] == SITE))
    assert listed["paused"] is True and listed["pause"]["reason_en"] == OUTAGE["reason_en"]

    r = await guide.post(RESUME)
    assert r.status_code == 200 and r.json() == {
        "site": SITE, "service": "pickup", "paused": False, "pause": None, "changed": True,
    }, r.text  # fmt: skip
    resumed = await board.until(lambda m: m["type"] == "service.changed")
    assert (resumed["paused"], resumed["reason_ja"]) == (False, None)
    assert (await issue(kiosk, "pickup"))["number"] == "P001"
    assert _line(await _state(kiosk))["pause"] is None

    # resuming a running service: 200, nothing changes, no event
    seq = (await _state(manager))["seq"]
    again = await manager.post(RESUME)
    assert again.status_code == 200 and again.json()["changed"] is False
    assert (await _state(manager))["seq"] == seq

    actions = [(e["action"], e.get("detail")) for e in (await manager.get("/api/v1/audit")).json()]
    assert ("service.pause", f"pickup: {OUTAGE['reason_ja']}") in actions
    assert actions.count(("service.resume", "pickup")) == 1, "the no-op resume is not audited"


async def test_pausing_again_changes_the_reason_and_a_retry_returns_the_ticket_issued_before(
    server: Any, open_ws: Any
) -> None:
    guide = await server.login("guide", (SITE,))
    kiosk = await server.device("kiosk")
    before = await issue(kiosk, "pickup", idempotency_key="touch-1")
    assert (await guide.post(PAUSE, json={"reason_ja": "システム障害"})).status_code == 200
    first = _line(await _state(guide))["pause"]
    assert first["reason_en"] is None

    # the kiosk's retry of a touch answered before the pause gets its ticket, not a refusal
    retry = await kiosk.post(f"/api/v1/sites/{SITE}/tickets", json={"service": "pickup", "idempotency_key": "touch-1"})
    assert retry.status_code == 200 and retry.json()["number"] == before["number"]

    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    await board.recv()
    r = await guide.post(PAUSE, json={"reason_ja": "J-LISの障害。復旧は14時の見込み", "reason_en": "Back around 14:00"})
    assert r.status_code == 200 and r.json()["changed"] is True
    changed = await board.until(lambda m: m["type"] == "service.changed")
    assert changed["reason_ja"] == "J-LISの障害。復旧は14時の見込み" and changed["since"] == first["since"]
    seq = changed["seq"]
    same = await guide.post(
        PAUSE, json={"reason_ja": "J-LISの障害。復旧は14時の見込み", "reason_en": "Back around 14:00"}
    )
    assert same.status_code == 200 and same.json()["changed"] is False
    assert (await _state(guide))["seq"] == seq, "the same reasons again append no event"


async def test_the_visitor_page_of_a_waiting_ticket_shows_the_reason_live(server: Any, open_ws: Any) -> None:
    kiosk = await server.device("kiosk")
    ticket = await issue(kiosk, "pickup", lang="en")
    other = await issue(kiosk, "e-cert")
    phone = await open_ws(f"{server.ws_url}/ws/v1/tickets/{ticket['token']}")
    assert (await phone.recv())["state"]["pause"] is None
    other_phone = await open_ws(f"{server.ws_url}/ws/v1/tickets/{other['token']}")
    await other_phone.recv()

    manager = await server.login("manager", (SITE,))
    assert (await manager.post(PAUSE, json=OUTAGE)).status_code == 200
    status = await phone.until(lambda m: m["type"] == "ticket.status")
    assert status["state"]["pause"] == {**OUTAGE, "since": status["state"]["pause"]["since"]}
    assert status["state"]["status"] == "waiting" and status["state"]["number"] == ticket["number"]
    by_token = (await server.http().get(f"/api/v1/tickets/by-token/{ticket['token']}")).json()
    assert by_token["pause"]["reason_ja"] == OUTAGE["reason_ja"]

    assert (await manager.post(RESUME)).status_code == 200
    status = await phone.until(lambda m: m["type"] == "ticket.status")
    assert status["state"]["pause"] is None
    # the e-cert visitor's page never changed: its service was not paused
    assert (await server.http().get(f"/api/v1/tickets/by-token/{other['token']}")).json()["pause"] is None


async def test_a_booked_visitor_is_still_checked_in_while_the_service_is_paused(server: Any) -> None:
    """The visitor kept the appointment: the check-in records it and issues the ticket (not a no-show later), and
    the ticket waits with the others of the service for the guide to move, rebook or send home."""
    phone = await server.login("phone", (SITE,))
    body = {"site": SITE, "service": "pickup", "date": "2026-11-24", "start": "10:30", "name": "フクツ ハナコ",
            "phone": "090-1234-5678"}  # fmt: skip
    booked = await phone.post("/api/v1/reservations", json=body)
    assert booked.status_code == 201, booked.text
    manager = await server.login("manager", (SITE,))
    assert (await manager.post(PAUSE, json=OUTAGE)).status_code == 200
    kiosk = await server.device("kiosk")
    r = await kiosk.post(f"/api/v1/sites/{SITE}/checkins", json={"code": booked.json()["code"]})
    assert r.status_code == 201, r.text
    ticket = r.json()
    status = (await server.http().get(f"/api/v1/tickets/by-token/{ticket['token']}")).json()
    assert status["status"] == "waiting" and status["pause"]["reason_ja"] == OUTAGE["reason_ja"]


async def test_move_keeps_the_number_and_the_place_by_issue_order(server: Any, open_ws: Any) -> None:
    kiosk = await server.device("kiosk")
    e1 = await issue(kiosk, "e-cert")
    p1 = await issue(kiosk, "pickup")
    e2 = await issue(kiosk, "e-cert")
    p2 = await issue(kiosk, "pickup")
    guide = await server.login("guide", (SITE,))
    assert (await guide.post(PAUSE, json=OUTAGE)).status_code == 200
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    await board.recv()

    for ticket in (p2, p1):
        r = await guide.post(f"/api/v1/tickets/{ticket['id']}/move", json={"service": "e-cert"})
        assert r.status_code == 200, r.text
        moved = r.json()
        assert (moved["number"], moved["service"], moved["status"]) == (ticket["number"], "e-cert", "waiting")
        assert moved["issued_at"] == ticket["issued_at"]
        assert [(x["from"], x["to"]) for x in moved["transfers"]] == [("pickup", "e-cert")]
    event = await board.until(lambda m: m["type"] == "ticket.moved")
    assert event["ticket"]["number"] == p2["number"] and event["ticket"]["service"] == "e-cert"
    assert event["from_service"] == "pickup" and "id" not in event["ticket"]

    state = await _state(guide)
    assert (_line(state)["waiting"], _line(state, "e-cert")["waiting"]) == (0, 4)
    ahead = (await server.http().get(f"/api/v1/tickets/by-token/{p1['token']}")).json()
    assert (ahead["service"], ahead["waiting_ahead"]) == ("e-cert", 1), "P001 was issued after E001 only"

    # a counter of e-cert calls them in the order they were issued
    op = await server.login("operator", (SITE,))
    await open_counter(op, "ch-booth-1", "e-cert")
    called = []
    for _ in range(4):
        c = (await op.post("/api/v1/counters/ch-booth-1/call-next")).json()
        called.append(c["number"])
        assert (await op.post(f"/api/v1/tickets/{c['id']}/no-show")).status_code == 200
    assert called == [e1["number"], p1["number"], e2["number"], p2["number"]]

    manager = await server.login("manager", (SITE,))
    audit = [e for e in (await manager.get("/api/v1/audit")).json() if e["action"] == "ticket.move"]
    assert {(e["number"], e["detail"]) for e in audit} == {(p1["number"], "e-cert"), (p2["number"], "e-cert")}


async def test_move_refusals_change_nothing(server: Any) -> None:
    kiosk = await server.device("kiosk")
    ticket = await issue(kiosk, "pickup")
    called = await issue(kiosk, "application")
    guide = await server.login("guide", (SITE,))
    op = await server.login("operator", (SITE,))
    await open_counter(op, "ch-booth-1", "application")
    assert (await op.post("/api/v1/counters/ch-booth-1/call-next")).json()["number"] == called["number"]
    assert (await guide.post("/api/v1/sites/city-hall/services/e-cert/pause", json=OUTAGE)).status_code == 200
    seq = (await _state(guide))["seq"]
    move = f"/api/v1/tickets/{ticket['id']}/move"
    cases = [
        (move, {"service": "e-cert"}, 409, "service_paused"),
        (move, {"service": "pickup"}, 409, "invalid_transition"),
        (move, {"service": "no-such"}, 404, "unknown_service"),
        (move, {"service": "outreach-application"}, 409, "service_unavailable"),
        (move, {"service": "Bad Id"}, 400, "validation_error"),
        (move, {}, 400, "validation_error"),
        (move, {"service": "inquiry", "extra": 1}, 400, "validation_error"),
        (f"/api/v1/tickets/{called['id']}/move", {"service": "inquiry"}, 409, "invalid_transition"),
        (f"/api/v1/tickets/{SITE}.0000000000000000/move", {"service": "inquiry"}, 404, "not_found"),
    ]
    for url, body, status, code in cases:
        r = await guide.post(url, json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
        assert r.json()["detail"]
    assert (await _state(guide))["seq"] == seq
    tickets = {t["number"]: t for t in (await guide.get(f"/api/v1/sites/{SITE}/tickets")).json()}
    assert tickets[ticket["number"]]["service"] == "pickup" and tickets[ticket["number"]]["transfers"] == []


async def test_cancel_with_slip_queues_a_come_back_slip_in_two_languages(server: Any, open_ws: Any) -> None:
    kiosk = await server.device("kiosk")
    ticket = await issue(kiosk, "pickup", lang="vi")
    guide = await server.login("guide", (SITE,))
    url = f"/api/v1/tickets/{ticket['id']}/cancel-with-slip"

    not_paused = await guide.post(url, json={})
    assert (not_paused.status_code, not_paused.json()["code"]) == (409, "service_not_paused")
    assert (await guide.post(PAUSE, json=OUTAGE)).status_code == 200
    bad_printer = await guide.post(url, json={"printer": "nowhere"})
    assert (bad_printer.status_code, bad_printer.json()["code"]) == (400, "validation_error")
    assert (await server.http().get(f"/api/v1/tickets/by-token/{ticket['token']}")).json()["status"] == "waiting"

    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    await board.recv()
    r = await guide.post(url)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["ticket"]["status"] == "cancelled" and answer["print_job"]["state"] == "queued"
    event = await board.until(lambda m: m["type"] == "ticket.cancelled")
    assert event["ticket"]["number"] == ticket["number"]

    record = await server.call(server.runtime.printing.job(SITE, answer["print_job"]["id"]))
    slip = msgspec.json.decode(record["data"])
    assert (slip["kind"], slip["number"], slip["lang"]) == ("paused", ticket["number"], "vi")
    assert (slip["service_name"], slip["service_name_local"]) == ("カード交付", "Nhận thẻ")
    assert (slip["lines"], slip["notes"]) == ([OUTAGE["reason_ja"]], [OUTAGE["reason_en"]])
    assert slip["status_url"] is None, "a slip is no ticket: no QR code of a status page"
    assert record["ticket"] == f"slip:{ticket['id']}"

    again = await guide.post(url)
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition"), "one slip per ticket"
    manager = await server.login("manager", (SITE,))
    audit = [e for e in (await manager.get("/api/v1/audit")).json() if e["action"] == "ticket.cancel"]
    assert [(e["number"], e["detail"]) for e in audit] == [(ticket["number"], "paused pickup: slip")]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason_ja": ""},
        {"reason_ja": "   "},
        {"reason_ja": "改行\nあり"},
        {"reason_ja": "x" * 201},
        {"reason_ja": "障害", "reason_en": "tab\there"},
        {"reason_ja": "障害", "reason_en": "y" * 201},
        {"reason_ja": "障害", "until": "14:00"},
        {"reason_ja": 3},
    ],
)
async def test_bad_pauses_are_refused_and_change_nothing(server: Any, body: dict[str, Any]) -> None:
    manager = await server.login("manager", (SITE,))
    seq = (await _state(manager))["seq"]
    r = await manager.post(PAUSE, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "validation_error" and r.json()["detail"]
    after = await _state(manager)
    assert after["seq"] == seq and _line(after)["paused"] is False


async def test_unknown_and_unoffered_services_and_sites(server: Any) -> None:
    admin = await server.login("admin")
    cases = [
        ("/api/v1/sites/city-hall/services/no-such/pause", 404, "unknown_service"),
        ("/api/v1/sites/nowhere/services/pickup/pause", 404, "unknown_site"),
        ("/api/v1/sites/tsuyazaki/services/pickup/pause", 409, "service_unavailable"),  # City Hall only
        ("/api/v1/sites/city-hall/services/no-such/resume", 404, "unknown_service"),
    ]
    for url, status, code in cases:
        r = await admin.post(url, json=OUTAGE) if url.endswith("pause") else await admin.post(url)
        assert (r.status_code, r.json()["code"]) == (status, code), (url, r.text)
    sites = (await server.http().get("/api/v1/sites")).json()
    assert not [s["id"] for site in sites for s in site["services"] if s["paused"]]


async def test_a_counter_cannot_transfer_a_visitor_into_a_paused_service(server: Any) -> None:
    kiosk = await server.device("kiosk")
    ticket = await issue(kiosk, "application")
    op = await server.login("operator", (SITE,))
    await open_counter(op, "ch-booth-1", "application")
    assert (await op.post("/api/v1/counters/ch-booth-1/call-next")).json()["number"] == ticket["number"]
    assert (await op.post(f"/api/v1/tickets/{ticket['id']}/start")).status_code == 200
    manager = await server.login("manager", (SITE,))
    assert (await manager.post(PAUSE, json=OUTAGE)).status_code == 200
    seq = (await _state(manager))["seq"]
    r = await op.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={"service": "pickup"})
    assert (r.status_code, r.json()["code"]) == (409, "service_paused")
    assert OUTAGE["reason_ja"] in r.json()["detail"]
    assert (await _state(manager))["seq"] == seq  # nothing changed: the visitor is still at the counter
    held = {t["number"]: t for t in (await op.get(f"/api/v1/sites/{SITE}/tickets")).json()}[ticket["number"]]
    assert (held["status"], held["service"]) == ("serving", "application")
    assert (await manager.post(RESUME)).status_code == 200
    r = await op.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={"service": "pickup"})
    assert r.status_code == 200 and r.json()["service"] == "pickup"
