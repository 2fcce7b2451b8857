"""A kiosk's issue request is answered before the framework (``server.api.fast_issue``): the same answer as the
framework's route, and every request it does not take gets the framework's own answer with nothing changed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.app import App
from tests.conftest import LiveServer, issue

SITE = "city-hall"
TICKETS = f"/api/v1/sites/{SITE}/tickets"


def _fast(server: LiveServer) -> int:
    """Requests the fast path answered so far."""
    app = server._server.config.app
    assert isinstance(app, App)
    return app.fast_issue.answered


async def _seq(http: httpx.AsyncClient) -> int:
    r = await http.get(f"/api/v1/sites/{SITE}/state")
    assert r.status_code == 200, r.text
    return int(r.json()["seq"])


async def test_a_kiosk_gets_the_answer_the_framework_gives_a_guide(server: LiveServer) -> None:
    kiosk = await server.device("kiosk")
    guide = await server.login("guide", (SITE,))

    before = _fast(server)
    by_kiosk = await kiosk.post(TICKETS, json={"service": "pickup", "idempotency_key": "k-1", "print": False})
    assert _fast(server) == before + 1, "a kiosk's plain issue request is answered by the fast path"
    by_guide = await guide.post(TICKETS, json={"service": "pickup", "print": False})
    assert _fast(server) == before + 1, "a guide's session goes to the framework"

    assert (by_kiosk.status_code, by_guide.status_code) == (201, 201), (by_kiosk.text, by_guide.text)
    kiosk_body, guide_body = by_kiosk.json(), by_guide.json()
    assert kiosk_body.keys() == guide_body.keys()
    assert (kiosk_body["channel"], guide_body["channel"]) == ("walk_in", "guide")
    assert (kiosk_body["number"], guide_body["number"]) == ("P001", "P002")
    assert guide_body["waiting_ahead"] == kiosk_body["waiting_ahead"] + 1
    assert kiosk_body["status_url"].endswith(f"/t/{kiosk_body['token']}")
    # the same headers: content type, length and every security header the framework's hook adds
    assert set(by_kiosk.headers) - {"date", "server"} == set(by_guide.headers) - {"date", "server", "set-cookie"}
    assert by_kiosk.headers["content-security-policy"] == by_guide.headers["content-security-policy"]

    again = await kiosk.post(TICKETS, json={"service": "pickup", "idempotency_key": "k-1", "print": False})
    assert again.status_code == 200, "the same idempotency key returns the ticket issued the first time"
    assert (again.json()["id"], again.json()["number"]) == (kiosk_body["id"], "P001")

    # the visitor's status page knows the token the fast path stored with the ticket
    status = await kiosk.get(f"/api/v1/tickets/by-token/{kiosk_body['token']}")
    assert status.status_code == 200 and status.json()["number"] == "P001", status.text


async def test_a_printed_ticket_from_the_fast_path_has_its_print_job(server: LiveServer) -> None:
    kiosk = await server.device("kiosk")
    body = await issue(kiosk)
    job = body["print_job"]
    assert job is not None and job["id"] and job["state"] == "queued", body


@pytest.mark.parametrize(
    ("case", "body", "status", "code"),
    [
        ("priority by a kiosk", {"service": "pickup", "priority": True}, 403, "forbidden"),
        ("malformed JSON", b'{"service": "pickup"', 400, "validation_error"),
        ("an unknown field", {"service": "pickup", "colour": "red"}, 400, "validation_error"),
        ("a bad service id", {"service": "Pick Up!"}, 400, "validation_error"),
        ("a body of 5 KB", {"service": "pickup", "idempotency_key": "k" * 5000}, 400, "validation_error"),
        ("nested too deeply", b"[" * 1000 + b"]" * 1000, 400, "validation_error"),
    ],
)
async def test_a_body_the_fast_path_does_not_take_gets_the_frameworks_refusal(
    server: LiveServer, case: str, body: Any, status: int, code: str
) -> None:
    kiosk = await server.device("kiosk")
    manager = await server.login("manager", (SITE,))
    seq, fast = await _seq(manager), _fast(server)
    if isinstance(body, bytes):
        r = await kiosk.post(TICKETS, content=body, headers={"content-type": "application/json"})
    else:
        r = await kiosk.post(TICKETS, json=body)
    assert (r.status_code, r.json()["code"]) == (status, code), f"{case}: {r.text}"
    assert r.json()["detail"], case
    assert r.headers["x-content-type-options"] == "nosniff"
    assert (await _seq(manager), _fast(server)) == (seq, fast), f"{case}: nothing issued, framework answered"


async def test_credentials_the_fast_path_does_not_take_get_the_frameworks_answer(server: LiveServer) -> None:
    manager = await server.login("manager", (SITE,))
    seq, fast = await _seq(manager), _fast(server)
    board = await server.device("board")
    other_site = await server.device("kiosk", "tsuyazaki")
    stranger = server.http()
    stranger.headers["authorization"] = "Bearer not-a-token"
    cookie_kiosk = server.http()  # a kiosk page's device cookie without the CSRF header it must echo
    cookie_kiosk.cookies.set("madoguchi_device", await server.device_token("kiosk"))

    for who, status, code in [
        (board, 403, "forbidden"),
        (other_site, 403, "forbidden"),
        (stranger, 401, "unauthorized"),
        (server.http(), 401, "unauthorized"),
        (cookie_kiosk, 403, "forbidden"),
    ]:
        r = await who.post(TICKETS, json={"service": "pickup"})
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert (await _seq(manager), _fast(server)) == (seq, fast)


async def test_a_refusal_after_the_fast_path_took_the_request_is_the_frameworks_refusal(server: LiveServer) -> None:
    """An unknown service, or one not offered at the site today: the store refuses, and the kiosk's answer is the
    one the guide gets from the framework for the same request."""
    kiosk = await server.device("kiosk")
    guide = await server.login("guide", (SITE,))
    manager = await server.login("manager", (SITE,))
    seq = await _seq(manager)
    for service in ("no-such-service", "outreach-application"):
        fast = _fast(server)
        by_kiosk = await kiosk.post(TICKETS, json={"service": service})
        by_guide = await guide.post(TICKETS, json={"service": service})
        assert _fast(server) == fast + 1
        assert by_kiosk.status_code == by_guide.status_code and by_kiosk.status_code in (404, 409), by_kiosk.text
        assert by_kiosk.json() == by_guide.json()
    assert await _seq(manager) == seq
