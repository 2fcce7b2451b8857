"""Requests that must be refused: a 4xx with a machine-readable code, and nothing changed (same seq)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
from websockets.exceptions import ConnectionClosed

from server.auth.limits import STATUS_PER_MINUTE
from tests.conftest import issue, open_counter

CLOSED_TIMES = [
    ("2026-11-21T10:00", "Saturday"),
    ("2026-11-22T10:00", "Sunday without a Sunday opening"),
    ("2026-11-23T10:00", "勤労感謝の日 (national holiday)"),
    ("2026-12-30T10:00", "year-end closure"),
    ("2027-01-02T10:00", "new-year closure"),
    ("2026-11-24T07:00", "before opening"),
    ("2026-11-24T16:31", "after the last-ticket time"),
    ("2026-11-24T17:30", "after closing"),
]


async def _seq(http: Any, site: str = "city-hall") -> int:
    return int((await http.get(f"/api/v1/sites/{site}/state")).json()["seq"])


@pytest.mark.parametrize(("at", "why"), CLOSED_TIMES, ids=[w for _, w in CLOSED_TIMES])
async def test_closed_times_refuse_tickets(create_server: Any, at: str, why: str) -> None:
    server = create_server(at=datetime.fromisoformat(at + ":00+09:00"))
    http = await server.login()
    before = await _seq(http)
    r = await http.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
    assert r.status_code == 409, why
    body = r.json()
    assert body["code"] == "site_closed"
    assert "next opening" in body["detail"]
    assert await _seq(http) == before
    state = (await http.get("/api/v1/sites/city-hall/state")).json()
    assert state["open"] is False


async def test_last_ticket_minute_still_issues(create_server: Any) -> None:
    server = create_server(at=datetime.fromisoformat("2026-11-24T16:30:30+09:00"))
    assert (
        await (await server.login()).post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
    ).status_code == 201


async def test_sunday_opening_offers_only_its_services(create_server: Any) -> None:
    server = create_server(at=datetime.fromisoformat("2026-12-13T10:00:00+09:00"))  # a Sunday opening
    http = await server.login()
    assert (await http.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})).status_code == 201
    before = await _seq(http)
    r = await http.post("/api/v1/sites/city-hall/tickets", json={"service": "application"})
    assert r.status_code == 409 and r.json()["code"] == "service_unavailable"
    assert await _seq(http) == before
    # Tsuyazaki has no Sunday opening
    closed = await http.post("/api/v1/sites/tsuyazaki/tickets", json={"service": "pickup"})
    assert closed.json()["code"] == "site_closed"


async def test_service_not_offered_at_site(server: Any, http: Any) -> None:
    before = await _seq(http, "tsuyazaki")
    r = await http.post("/api/v1/sites/tsuyazaki/tickets", json={"service": "pickup"})  # City Hall only
    assert r.status_code == 409 and r.json()["code"] == "service_unavailable"
    assert await _seq(http, "tsuyazaki") == before


BAD_BODIES = [
    (b"{bad json", "validation_error"),
    (b"", "validation_error"),
    (b"[]", "validation_error"),
    (b'{"service": 12}', "validation_error"),
    (b'{"service": "pickup", "priority": "yes"}', "validation_error"),
    (b'{"service": "pickup", "lang": "fr"}', "validation_error"),
    (b'{"service": "pickup", "surprise": 1}', "validation_error"),
    (b'{"service": "pickup", "idempotency_key": ""}', "validation_error"),
    (b'{"service": "../../etc"}', "validation_error"),
    (b'{"service": "' + b"x" * 5000 + b'"}', "validation_error"),
    (b'{"service": "no-such-service"}', "unknown_service"),
    ('{"service": "ピックアップ"}'.encode(), "validation_error"),
]


@pytest.mark.parametrize(("body", "code"), BAD_BODIES)
async def test_bad_issue_bodies(server: Any, http: Any, body: bytes, code: str) -> None:
    before = await _seq(http)
    r = await http.post("/api/v1/sites/city-hall/tickets", content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["code"] == code
    assert isinstance(r.json()["detail"], str) and r.json()["detail"]
    assert await _seq(http) == before


async def test_unknown_things(server: Any, http: Any) -> None:
    before = await _seq(http)
    cases = [
        ("post", "/api/v1/sites/nowhere/tickets", {"service": "pickup"}, 404, "unknown_site"),
        ("get", "/api/v1/sites/nowhere/state", None, 404, "unknown_site"),
        ("post", "/api/v1/counters/nope/call-next", None, 404, "unknown_counter"),
        ("post", "/api/v1/counters/nope/open", {"services": ["pickup"]}, 404, "unknown_counter"),
        ("post", "/api/v1/counters/ch-booth-1/open", {"services": ["bogus"]}, 404, "unknown_service"),
        ("post", "/api/v1/counters/ch-booth-1/open", {"services": []}, 400, "validation_error"),
        ("post", "/api/v1/counters/ch-booth-1/call-next", None, 409, "counter_not_open"),
        ("post", "/api/v1/counters/ch-booth-1/call", {"number": "p1"}, 400, "validation_error"),
        ("post", "/api/v1/tickets/city-hall.0000/start", None, 404, "not_found"),
        ("post", "/api/v1/tickets/garbage/start", None, 404, "not_found"),
        ("post", "/api/v1/tickets/city-hall.0000/complete", {"outcome": "great"}, 400, "validation_error"),
        ("get", "/api/v1/tickets/by-token/xyz", None, 404, "not_found"),
        ("get", "/api/v1/nothing-here", None, 404, "not_found"),
        ("delete", "/api/v1/sites", None, 405, "method_not_allowed"),
        ("get", "/api/v1/calendar?site=nowhere", None, 404, "unknown_site"),
        ("get", "/api/v1/calendar?site=city-hall&from=2026-13-01", None, 400, "validation_error"),
        ("get", "/api/v1/calendar?site=city-hall&from=2026-12-01&to=2026-11-01", None, 400, "validation_error"),
        ("get", "/api/v1/calendar?site=city-hall&from=2026-01-01&to=2028-01-01", None, 400, "validation_error"),
        ("get", "/api/v1/sites/city-hall/tickets?status=lost", None, 400, "validation_error"),
        ("post", "/api/v1/sites/city-hall/checkins", {"code": "ABCD23"}, 404, "reservation_not_found"),
        ("post", "/api/v1/sites/city-hall/checkins", {"code": "<script>"}, 400, "validation_error"),
    ]
    for method, url, body, status, code in cases:
        r = await http.request(method, url, json=body) if body is not None else await http.request(method, url)
        assert (r.status_code, r.json().get("code")) == (status, code), f"{method} {url}: {r.text}"
    assert await _seq(http) == before


async def test_invalid_transitions_change_nothing(server: Any, http: Any) -> None:
    t = await issue(http, "pickup")
    before = await _seq(http)
    for action in ("recall", "start", "return", "no-show"):
        r = await http.post(f"/api/v1/tickets/{t['id']}/{action}")
        assert r.status_code == 409 and r.json()["code"] == "invalid_transition", action
    r = await http.post(f"/api/v1/tickets/{t['id']}/complete", json={"outcome": "completed"})
    assert r.json()["code"] == "invalid_transition"
    r = await http.post(f"/api/v1/tickets/{t['id']}/transfer", json={"service": "e-cert"})
    assert r.json()["code"] == "invalid_transition"
    assert await _seq(http) == before
    await open_counter(http, "ch-booth-1", "pickup")
    await http.post("/api/v1/counters/ch-booth-1/call-next")
    close = await http.post("/api/v1/counters/ch-booth-1/close")
    assert close.status_code == 409 and close.json()["code"] == "counter_busy"
    assert close.json()["held"] == {"number": "P001", "counter": "ch-booth-1"}
    assert close.json()["detail"] == "the counter still holds P001; finish or return it first"


async def test_calendar_lists_openings(server: Any, http: Any) -> None:
    r = await http.get("/api/v1/calendar", params={"site": "city-hall", "from": "2026-11-20", "to": "2026-11-24"})
    days = r.json()
    assert [d["kind"] for d in days] == ["weekday", "closed", "closed", "closed", "weekday"]
    assert days[0]["opens_at"] == "08:30" and days[0]["last_ticket_at"] == "16:30"
    assert len(days[4]["counters"]) == 6
    sites = (await http.get("/api/v1/sites")).json()
    ch = next(s for s in sites if s["id"] == "city-hall")
    assert ch["open_now"] is True and ch["today"]["kind"] == "weekday"
    pickup = next(s for s in ch["services"] if s["id"] == "pickup")
    assert pickup["name"] == "カード交付" and pickup["prefix"] == "P" and pickup["available_now"] is True


DEEP = b"[" * 1000 + b"]" * 1000


@pytest.mark.parametrize(
    "body",
    [DEEP, b'{"login": ' + DEEP + b', "password": "x"}', b'{"a":' * 1000 + b"1" + b"}" * 1000],
    ids=["array", "in-a-field", "objects"],
)
async def test_deeply_nested_json_is_bad_input(server: Any, http: Any, body: bytes) -> None:
    """1,000 levels of nesting are a malformed body like any other: 400, and the server goes on as before."""
    json_type = {"content-type": "application/json"}
    before = await _seq(http)
    anonymous = server.http()
    for client, url in ((anonymous, "/api/v1/auth/login"), (http, "/api/v1/sites/city-hall/tickets")):
        r = await client.post(url, content=body, headers=json_type)
        assert r.status_code == 400, f"{url}: {r.text}"
        assert r.json()["code"] == "validation_error" and "nested too deeply" in r.json()["detail"]
    assert await _seq(http) == before
    cred = await server.add_staff("operator", ("city-hall",))
    assert (await anonymous.post("/api/v1/auth/login", json=cred)).status_code == 200


async def test_deeply_nested_websocket_message_gets_an_error_reply(server: Any, open_ws: Any) -> None:
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    assert (await ws.recv())["type"] == "snapshot"
    await ws.send('{"type": "ping", "x": ' + "[" * 5000 + "]" * 5000 + "}")
    error = await ws.recv()
    assert error["type"] == "error" and error["code"] == "validation_error"
    await ws.send({"type": "ping"})
    assert (await ws.recv())["type"] == "pong"  # the socket lives on


STATIC_FILES = [
    ("/static/web", "api.js"),
    ("/static/i18n", "ja.json"),
    ("/static/kiosk", "kiosk.js"),
    ("/static/board", "board.js"),
    ("/static/console", "counter.js"),
    ("/static/phone", "phone.js"),
]
IMPOSSIBLE_NAMES = [
    ("%00", "a NUL byte"),
    ("{file}%00.png", "a NUL byte after a real name"),
    ("x" * 5000, "5,000 characters"),
    ("{file}/x", "below a file"),
    ("nope.js", "an unknown file"),
]


@pytest.mark.parametrize(("router", "file"), STATIC_FILES, ids=[r for r, _ in STATIC_FILES])
async def test_static_names_no_file_can_have_are_not_found(server: Any, router: str, file: str) -> None:
    client = server.http()
    assert (await client.get(f"{router}/{file}")).status_code == 200
    for name, why in IMPOSSIBLE_NAMES:
        for method in ("GET", "HEAD"):
            r = await client.request(method, f"{router}/{name.format(file=file)}")
            assert r.status_code == 404, f"{method} {router} {why}: {r.status_code} {r.text[:200]}"
            if method == "GET":
                assert r.headers["content-type"].startswith("application/json"), why
                assert r.json()["code"] == "not_found" and r.json()["detail"], why


async def _closed_with(ws: Any) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as info:
        await ws.recv()
    assert info.value.rcvd is not None, "closed without a close frame"
    return info.value.rcvd.code, info.value.rcvd.reason


BAD_SINCE = ["-2", "abc", "1.5", "", "１２", "9" * 5000]


@pytest.mark.parametrize("since", BAD_SINCE, ids=["negative", "letters", "fraction", "empty", "full-width", "huge"])
async def test_websockets_refuse_a_bad_since_with_a_code_and_reason(
    server: Any, http: Any, open_ws: Any, since: str
) -> None:
    ticket = await issue(http, "pickup")
    for path in ("/ws/v1/sites/city-hall", f"/ws/v1/tickets/{ticket['token']}"):
        ws = await open_ws(f"{server.ws_url}{path}?since={quote(since)}")
        code, reason = await _closed_with(ws)
        assert code == 4400, f"{path}?since={since[:10]}: {code} {reason}"
        assert reason == "validation_error: since must be a whole number >= 0"


async def test_websockets_take_a_good_since(server: Any, http: Any, open_ws: Any) -> None:
    ticket = await issue(http, "pickup")
    site = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall?since=0")
    assert (await site.recv())["type"] == "ticket.issued"  # the one event missed since 0
    own = await open_ws(f"{server.ws_url}/ws/v1/tickets/{ticket['token']}?since=1")
    snapshot = await own.recv()
    assert snapshot["type"] == "snapshot" and snapshot["state"]["number"] == ticket["number"]


async def _until_limited(attempt: Callable[[], Awaitable[int]], limit: int = STATUS_PER_MINUTE) -> None:
    """Make requests until one is refused for the rate (at most two windows' worth, whatever the clock)."""
    for _ in range(2 * limit + 2):
        if await attempt() == 429:
            return
    pytest.fail("never rate-limited")


def _retry_after(r: Any) -> int:
    seconds = int(r.headers["retry-after"])
    assert 1 <= seconds <= 60, seconds
    return seconds


async def test_every_429_says_when_to_try_again(server: Any, open_ws: Any) -> None:
    """The visitor status API, the visitor page and the visitor socket share one limit per address."""
    client = server.http()

    async def status() -> int:
        r = await client.get("/api/v1/tickets/by-token/guess")
        if r.status_code == 429:
            assert r.json()["code"] == "rate_limited" and r.json()["detail"]
            _retry_after(r)
        return r.status_code

    await _until_limited(status)

    async def visitor_page() -> int:
        r = await client.get("/t/guess")
        if r.status_code == 429:
            assert r.headers["content-type"].startswith("text/html")
            _retry_after(r)
        return r.status_code

    await _until_limited(visitor_page)

    async def socket() -> int:
        code, reason = await _closed_with(await open_ws(f"{server.ws_url}/ws/v1/tickets/guess"))
        if code == 4429:
            seconds = int(reason.removeprefix("rate_limited: try again in ").removesuffix(" seconds"))
            assert 1 <= seconds <= 60, reason
            return 429
        return code

    await _until_limited(socket)
