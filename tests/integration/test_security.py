"""Accounts, sessions, devices and the audit log, tried the way an attacker or a careless user would."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from csv import DictReader
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from server.auth.accounts import digest
from server.auth.devicecache import DeviceCache
from server.auth.middleware import SESSION_COOKIE
from tests.conftest import issue, open_counter


async def test_no_credentials_wrong_role_other_site(server: Any) -> None:
    anon = server.http()
    r = await anon.post("/api/v1/counters/ch-booth-1/call-next")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    guide = await server.login("guide", ("city-hall",))
    r = await guide.post("/api/v1/counters/ch-booth-1/call-next")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    other = await server.device("kiosk", "tsuyazaki")
    r = await other.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    board = await server.device("board", "city-hall")
    assert (await board.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})).status_code == 403
    assert (await board.get("/api/v1/sites/city-hall/state")).status_code == 200
    forged = server.http()
    forged.headers["authorization"] = "Bearer not-a-real-token"
    assert (await forged.get("/api/v1/sites/city-hall/state")).status_code == 401


async def test_repeated_bad_logins_are_throttled(server: Any) -> None:
    cred = await server.add_staff("operator", ("city-hall",))
    client = server.http()
    unknown = await client.post("/api/v1/auth/login", json={"login": "nobody-here", "password": "whatever-123"})
    wrong = await client.post("/api/v1/auth/login", json={"login": cred["login"], "password": "wrong-password-1"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()  # no hint whether the login exists
    for _ in range(4):
        await client.post("/api/v1/auth/login", json={"login": cred["login"], "password": "wrong-password-1"})
    limited = await client.post("/api/v1/auth/login", json=cred)  # even the right password now
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert int(limited.headers.get("retry-after", "0")) > 0 or "seconds" in limited.json()["detail"]


async def test_session_fixation_is_impossible(server: Any) -> None:
    cred = await server.add_staff("operator", ("city-hall",))
    planted = {"cookie": f"{SESSION_COOKIE}=attacker-chosen-id"}
    assert (await server.http().get("/api/v1/auth/me", headers=planted)).status_code == 401
    first = await server.http().post("/api/v1/auth/login", json=cred, headers=planted)
    sid = first.cookies.get(SESSION_COOKIE)
    assert first.status_code == 200 and sid and sid != "attacker-chosen-id"
    assert (await server.http().get("/api/v1/auth/me", headers=planted)).status_code == 401
    holder = {"cookie": f"{SESSION_COOKIE}={sid}"}
    assert (await server.http().get("/api/v1/auth/me", headers=holder)).status_code == 200
    holder["x-csrf-token"] = first.json()["csrf"]  # a signed-in browser sends its CSRF token with every post
    again = await server.http().post("/api/v1/auth/login", json=cred, headers=holder)  # logging in again ...
    assert again.status_code == 200, again.text
    new_sid = again.cookies.get(SESSION_COOKIE)
    assert new_sid and new_sid != sid  # ... rotates the id ...
    assert (await server.http().get("/api/v1/auth/me", headers=holder)).status_code == 401  # ... ends the old one
    fresh = {"cookie": f"{SESSION_COOKIE}={new_sid}", "x-csrf-token": again.json()["csrf"]}
    assert (await server.http().post("/api/v1/auth/logout", headers=fresh)).status_code == 200
    assert (await server.http().get("/api/v1/auth/me", headers=fresh)).status_code == 401


async def test_cookie_sessions_need_the_csrf_token(server: Any) -> None:
    client = await server.login("admin")
    good = client.headers.pop("x-csrf-token")
    r = await client.post("/api/v1/counters/ch-booth-1/open", json={"services": ["pickup"]})
    assert r.status_code == 403
    client.headers["x-csrf-token"] = "guessed"
    assert (await client.post("/api/v1/counters/ch-booth-1/open", json={"services": ["pickup"]})).status_code == 403
    client.headers["x-csrf-token"] = good
    assert (await client.post("/api/v1/counters/ch-booth-1/open", json={"services": ["pickup"]})).status_code == 200
    cross = server.http()
    cred = await server.add_staff("guide", ("city-hall",))
    r = await cross.post("/api/v1/auth/login", json=cred, headers={"origin": "http://evil.example"})
    assert r.status_code == 403


async def test_revoked_device_is_refused_at_once(server: Any, open_ws: Any) -> None:
    admin = await server.login("admin")
    created = (await admin.post("/api/v1/devices", json={"site": "city-hall", "kind": "board", "name": "lobby"})).json()
    assert created["pairing_url"].startswith(server.base_url + "/pair/")
    board = server.http()
    board.headers["authorization"] = f"Bearer {created['token']}"
    assert (await board.get("/api/v1/sites/city-hall/state")).status_code == 200
    ws = await open_ws(
        f"{server.ws_url}/ws/v1/sites/city-hall", additional_headers={"Authorization": f"Bearer {created['token']}"}
    )
    assert (await ws.recv())["type"] == "snapshot"
    assert (await admin.post(f"/api/v1/devices/{created['id']}/revoke")).status_code == 200
    with pytest.raises(ConnectionClosed) as info:
        await ws.until(lambda m: False)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401
    assert (await board.get("/api/v1/sites/city-hall/state")).status_code == 401
    listed = (await admin.get("/api/v1/devices")).json()
    assert next(d for d in listed if d["id"] == created["id"])["revoked"] is True


async def test_disabled_staff_loses_sessions_and_sockets(server: Any, open_ws: Any) -> None:
    manager = await server.login("manager")
    cred = await server.add_staff("operator", ("city-hall",))
    op = server.http()
    op.headers["x-csrf-token"] = (await op.post("/api/v1/auth/login", json=cred)).json()["csrf"]
    cookie = f"{SESSION_COOKIE}={op.cookies.get(SESSION_COOKIE)}"
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall", additional_headers={"Cookie": cookie})
    snap = await ws.recv()
    assert "operator" in snap["state"]["counters"][0]  # staff projection
    assert (await manager.post(f"/api/v1/staff/{cred['login']}/disable")).status_code == 200
    with pytest.raises(ConnectionClosed) as info:
        await ws.until(lambda m: False)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401
    assert (await op.get("/api/v1/auth/me")).status_code == 401
    assert (await server.http().post("/api/v1/auth/login", json=cred)).status_code == 401
    # managers may not touch admin accounts
    admin = await server.add_staff("admin")
    assert (await manager.post(f"/api/v1/staff/{admin['login']}/disable")).status_code == 403


async def test_password_policy_and_no_secret_ever_leaves(server: Any, open_ws: Any) -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    logging.getLogger().addHandler(handler)
    try:
        admin = await server.login("admin")
        weak = await admin.post(
            "/api/v1/staff", json={"login": "shorty", "name": "s", "role": "guide", "password": "short"}
        )
        assert weak.status_code == 400 and weak.json()["code"] == "validation_error"
        has_login = {"login": "tanaka", "name": "田中", "role": "guide", "password": "xx-tanaka-2026-xx"}
        assert (await admin.post("/api/v1/staff", json=has_login)).status_code == 400
        secret = "correct horse battery staple"
        made = await admin.post(
            "/api/v1/staff", json={"login": "suzuki", "name": "鈴木", "role": "operator", "password": secret,
                                   "sites": ["city-hall"]},
        )  # fmt: skip
        assert made.status_code == 201
        logged = server.http()
        me = await logged.post("/api/v1/auth/login", json={"login": "suzuki", "password": secret})
        await logged.post("/api/v1/auth/login", json={"login": "suzuki", "password": secret + "x"})
        listing = await admin.get("/api/v1/staff")
        audit = await admin.get("/api/v1/audit", params={"format": "csv"})
        texts = [made.text, me.text, listing.text, audit.text, *records]
        for text in texts:
            assert secret not in text and "$argon2" not in text
        assert any("suzuki" in r for r in [audit.text])
    finally:
        logging.getLogger().removeHandler(handler)


async def test_public_projections_carry_no_operator(server: Any, http: Any, open_ws: Any) -> None:
    operator = await server.login("operator", ("city-hall",))
    t = await issue(http, "pickup")
    await open_counter(operator, "ch-booth-2", "pickup")
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    called = (await operator.post("/api/v1/counters/ch-booth-2/call-next")).json()
    login = called["operator"]
    assert login and login.startswith("operator-")
    event = await board.until(lambda m: m["type"] == "ticket.called")
    board_state = (await (await server.device("board")).get("/api/v1/sites/city-hall/state")).json()
    phone = await server.http().get(f"/api/v1/tickets/by-token/{t['token']}")
    for public in (event, board_state, phone.json()):
        text = json.dumps(public, ensure_ascii=False)
        assert login not in text and '"operator"' not in text and t["token"] not in text and t["id"] not in text
    staff_state = (await operator.get("/api/v1/sites/city-hall/state")).json()
    assert login in json.dumps(staff_state)


async def test_audit_log_records_who_did_what(server: Any) -> None:
    op = await server.login("operator", ("city-hall",))
    guide = await server.login("guide", ("city-hall",))
    manager = await server.login("manager")
    t = (await guide.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup", "priority": True})).json()
    await open_counter(op, "ch-booth-1", "pickup")
    await op.post("/api/v1/counters/ch-booth-1/call-next")
    await op.post(f"/api/v1/tickets/{t['id']}/start")
    await op.post(f"/api/v1/tickets/{t['id']}/complete", json={"outcome": "missing_documents", "note": "住民票"})
    entries = (await manager.get("/api/v1/audit", params={"date": "2026-11-24"})).json()
    actions = [(e["action"], e.get("number")) for e in entries if e["action"].startswith("ticket.")]
    assert actions == [
        ("ticket.issue", t["number"]), ("ticket.call", t["number"]),
        ("ticket.start", t["number"]), ("ticket.complete", t["number"]),
    ]  # fmt: skip
    done = next(e for e in entries if e["action"] == "ticket.complete")
    assert done["login"].startswith("operator-") and done["role"] == "operator" and done["counter"] == "ch-booth-1"
    assert done["address"] == "127.0.0.1" and done["at"].startswith("2026-11-24T") and "住民票" in done["detail"]
    csv = await manager.get("/api/v1/audit", params={"date": "2026-11-24", "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and "ticket.complete" in csv.text
    assert (await op.get("/api/v1/audit")).status_code == 403
    assert (await manager.get("/api/v1/audit", params={"date": "not-a-date"})).json()["code"] == "validation_error"


async def test_first_admin_with_the_setup_token(create_server: Any) -> None:
    server = create_server()
    accounts = server.runtime.accounts
    token = await server.call(accounts.issue_setup_token())
    assert token
    client = server.http()
    body = {"token": token, "login": "admin", "name": "管理者", "password": "a-long-secret-for-setup"}
    wrong = await client.post("/api/v1/setup", json={**body, "token": "guess"})
    assert wrong.status_code == 401
    made = await client.post("/api/v1/setup", json=body)
    assert made.status_code == 201 and made.json()["role"] == "admin"
    again = await client.post("/api/v1/setup", json={**body, "login": "admin2"})
    assert again.status_code == 401  # once only
    assert await server.call(accounts.issue_setup_token()) is None  # no token once an admin exists
    assert (
        await client.post("/api/v1/auth/login", json={"login": "admin", "password": body["password"]})
    ).status_code == 200


async def test_security_headers(server: Any) -> None:
    r = await server.http().get("/api/v1/sites")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    err = await server.http().get("/api/v1/nowhere")
    assert err.headers["x-content-type-options"] == "nosniff"


async def test_status_page_is_rate_limited(server: Any) -> None:
    client = server.http()
    codes = [(await client.get(f"/api/v1/tickets/by-token/guess-{i}")).status_code for i in range(125)]
    assert codes[0] == 404 and codes[-1] == 429
    assert codes.index(429) == 120


async def test_a_pairing_link_opened_in_a_browser_lands_on_its_page_once(server: Any) -> None:
    admin = await server.login("admin")
    created = (await admin.post("/api/v1/devices", json={"site": "city-hall", "kind": "kiosk", "name": "1F"})).json()
    path = created["pairing_url"].removeprefix(server.base_url)
    browser = server.http()
    browser.headers["accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"
    r = await browser.get(path)
    assert r.status_code == 303 and r.headers["location"] == "/kiosk/city-hall"
    kiosk_page = await browser.get("/kiosk/city-hall")
    assert kiosk_page.status_code == 200 and 'class="k-screen"' in kiosk_page.text

    again = await server.http().get(path, headers={"accept": "text/html"})
    assert again.status_code == 404
    assert "このペアリングリンクは使えません" in again.text and "This pairing link cannot be used" in again.text
    scripted = await server.http().get(path)
    assert scripted.status_code == 404 and scripted.json()["code"] == "not_found"


async def test_a_login_typed_as_a_spreadsheet_formula_is_text_in_the_audit_csv(server: Any) -> None:
    formula = '=HYPERLINK("http://x","y")'
    r = await server.http().post("/api/v1/auth/login", json={"login": formula, "password": "whatever-123"})
    assert r.status_code == 401
    admin = await server.login("admin")
    download = await admin.get("/api/v1/audit", params={"format": "csv"})
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"  # one character set, not two
    assert download.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in download.content
    rows = list(DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    failed = [row for row in rows if row["action"] == "auth.login_failed"]
    assert [row["login"] for row in failed] == ["'" + formula.lower()]  # shown as text, never run
    signed_in = [row for row in rows if row["action"] == "auth.login"]
    assert signed_in and all(row["login"].startswith("admin-") for row in signed_in)  # plain cells untouched


async def test_a_device_revoked_through_one_process_is_refused_by_every_other_at_once(create_server: Any) -> None:
    """Each process keeps the device tokens it read (server/auth/devicecache.py) while it follows the control channel;
    the revocation's message drops them in every process before the revoking one answers."""
    one, two = create_server(), create_server()
    for live in (one, two):
        await live.call(asyncio.wait_for(live.runtime.accounts.device_cache.subscribed.wait(), 10))
    admin = await one.login("admin")
    created = (await admin.post("/api/v1/devices", json={"site": "city-hall", "kind": "kiosk", "name": "hall"})).json()
    kiosk = two.http()
    kiosk.headers["authorization"] = f"Bearer {created['token']}"
    for _ in range(2):
        assert (await kiosk.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})).status_code == 201
    assert two.runtime.accounts.device_cache.get(digest(created["token"])) is not None  # the second was a cache hit
    assert (await admin.post(f"/api/v1/devices/{created['id']}/revoke")).status_code == 200
    r = await kiosk.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    assert (await kiosk.get("/api/v1/sites/city-hall/state")).status_code == 401


async def test_a_device_read_while_it_was_revoked_is_not_kept() -> None:
    """A lookup that read the store before a revocation's message arrived must not keep what it read, and nothing
    is kept while the process does not follow the control channel."""
    cache = DeviceCache()
    record = {"id": "kiosk-1", "site": "city-hall", "kind": "kiosk", "name": "hall", "csrf": "x"}
    cache.put(cache.stamp(), "t1", record)
    assert cache.get("t1") is None  # not subscribed: never cached
    cache._set_live(True)
    stamp = cache.stamp()
    cache.on_message(b'{"revoke": "device", "id": "kiosk-1"}')
    cache.put(stamp, "t1", record)
    assert cache.get("t1") is None
    cache.put(cache.stamp(), "t1", record)
    assert cache.get("t1") == record
    cache.on_message(b'{"revoke": "session", "id": "kiosk-1"}')
    assert cache.get("t1") == record
    cache.on_message(b'{"revoke": "device", "id": "kiosk-1"}')
    assert cache.get("t1") is None
    cache.put(cache.stamp(), "t2", record)
    cache._set_live(False)  # the listener lost the store: whatever it missed, nothing cached is used
    assert cache.get("t2") is None
