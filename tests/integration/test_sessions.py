"""A staff session through a working day, the login throttle, forwarded addresses, secrets at rest, and what a
person limited to one site may reach (issue 11: "a full working day without a fault")."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import httpx
import redis as redis_sync

from server.auth.accounts import digest
from server.auth.client import parse_networks
from server.auth.middleware import CSRF_COOKIE, SESSION_COOKIE
from server.queue.keys import session_key
from server.settings import Settings
from tests.conftest import issue

IDLE_S = 2 * 3600
ABSOLUTE_S = 12 * 3600


def cookie_ages(response: httpx.Response) -> dict[str, int]:
    """Max-Age of every cookie the answer sets, by name."""
    ages = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            ages[name] = int(morsel["max-age"])
    return ages


def csrf_of(client: httpx.AsyncClient) -> str:
    """What the pages send: the CSRF cookie as the browser holds it now (server/web/static/api.js)."""
    return str(client.cookies.get(CSRF_COOKIE))


async def test_a_nine_hour_shift_keeps_its_session_and_csrf_token(server: Any) -> None:
    cred = await server.add_staff("operator", ("city-hall",))
    client = server.http()
    login = await client.post("/api/v1/auth/login", json=cred)
    assert login.status_code == 200
    assert cookie_ages(login) == {SESSION_COOKIE: IDLE_S, CSRF_COOKIE: IDLE_S}
    elapsed = 0
    # a counter shift: 8:30-17:00 and an hour more, with at most 45 minutes between two clicks
    for step in range(12):
        server.clock.advance(timedelta(minutes=45))
        elapsed += 45 * 60
        if step % 2:
            r = await client.get("/api/v1/auth/me")
        else:
            r = await client.post(
                "/api/v1/counters/ch-booth-1/open",
                json={"services": ["pickup"]},
                headers={"x-csrf-token": csrf_of(client)},
            )
        assert r.status_code == 200, (elapsed, r.text)
        left = min(IDLE_S, ABSOLUTE_S - elapsed)
        assert cookie_ages(r) == {SESSION_COOKIE: left, CSRF_COOKIE: left}, elapsed  # renewed together, exactly
    assert elapsed == 9 * 3600
    me = await client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["expires_in"] == IDLE_S
    # the absolute limit (12 h after login) ends it whatever happens; the cookies then shrink with it
    server.clock.advance(timedelta(minutes=110))  # 10 h 50 min after login: 70 minutes left
    r = await client.get("/api/v1/auth/me")
    assert cookie_ages(r) == {SESSION_COOKIE: 70 * 60, CSRF_COOKIE: 70 * 60}
    server.clock.advance(timedelta(minutes=70))
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_an_idle_session_ends_with_its_cookies(server: Any) -> None:
    client = await server.login("guide", ("city-hall",))
    server.clock.advance(timedelta(seconds=IDLE_S - 60))
    r = await client.get("/api/v1/auth/me")
    assert r.status_code == 200 and cookie_ages(r) == {SESSION_COOKIE: IDLE_S, CSRF_COOKIE: IDLE_S}
    server.clock.advance(timedelta(seconds=IDLE_S))
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_logout_clears_both_cookies(server: Any) -> None:
    client = await server.login("guide", ("city-hall",))
    r = await client.post("/api/v1/auth/logout")
    assert r.status_code == 200 and cookie_ages(r) == {SESSION_COOKIE: 0, CSRF_COOKIE: 0}


async def test_a_login_works_from_a_browser_whose_csrf_cookie_expired(server: Any) -> None:
    cred = await server.add_staff("guide", ("city-hall",))
    client = server.http()
    assert (await client.post("/api/v1/auth/login", json=cred)).status_code == 200
    client.cookies.delete(CSRF_COOKIE)  # gone, while the session cookie is still there
    again = await client.post("/api/v1/auth/login", json=cred)
    assert again.status_code == 200, again.text
    r = await client.post(
        "/api/v1/sites/city-hall/tickets", json={"service": "pickup"}, headers={"x-csrf-token": csrf_of(client)}
    )
    assert r.status_code == 201, r.text
    # and any page or API read gives a browser that lost the CSRF cookie its cookie back
    client.cookies.delete(CSRF_COOKIE)
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    assert client.cookies.get(CSRF_COOKIE) == again.json()["csrf"]


async def test_a_non_ascii_csrf_token_is_refused_not_a_crash(server: Any) -> None:
    client = await server.login("guide", ("city-hall",))
    r = await client.post(
        "/api/v1/sites/city-hall/tickets", json={"service": "pickup"}, headers={"x-csrf-token": "トークン".encode()}
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def _login(client: httpx.AsyncClient, cred: dict[str, str], password: str | None = None) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"login": cred["login"], "password": password or cred["password"]}
    )


async def test_wrong_passwords_from_one_pc_do_not_lock_the_account_elsewhere(create_server: Any) -> None:
    server = create_server(settings=Settings(trusted_proxies=parse_networks("127.0.0.1")))
    cred = await server.add_staff("operator", ("city-hall",))
    attacker = server.http()
    attacker.headers["x-forwarded-for"] = "10.9.9.9"
    statuses = [(await _login(attacker, cred, "wrong-password-1")).status_code for _ in range(8)]
    assert statuses[:3] == [401, 401, 401] and 429 in statuses
    counter_pc = server.http()
    counter_pc.headers["x-forwarded-for"] = "10.0.0.21"
    assert (await _login(counter_pc, cred)).status_code == 200  # the operator at their own PC signs in


async def test_failed_logins_wait_longer_and_longer_with_retry_after(create_server: Any, redis_url: str) -> None:
    server = create_server()
    cred = await server.add_staff("operator", ("city-hall",))
    client = server.http()
    store = redis_sync.Redis.from_url(redis_url)
    waits = []
    for _ in range(3):
        assert (await _login(client, cred, "wrong-password-1")).status_code == 401
    for _ in range(4):
        limited = await _login(client, cred, "wrong-password-1")
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
        waits.append(int(limited.headers["retry-after"]))
        for key in store.scan_iter("mdg:throttle:wait:*"):  # the wait has passed ...
            store.delete(key)
        assert (await _login(client, cred, "wrong-password-1")).status_code == 401  # ... and the next try fails
    assert waits == sorted(waits) and waits[0] < waits[-1], waits  # each failure makes the next wait longer
    for key in store.scan_iter("mdg:throttle:wait:*"):
        store.delete(key)
    store.close()
    assert (await _login(client, cred)).status_code == 200  # the right password once the wait is over


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(create_server: Any) -> None:
    direct = create_server()  # no proxy configured: X-Forwarded-For is anyone's text
    cred = await direct.add_staff("operator", ("city-hall",))
    codes = []
    for n in range(6):
        client = direct.http()
        client.headers["x-forwarded-for"] = f"10.7.0.{n}"  # a new "address" for every try
        codes.append((await _login(client, cred, "wrong-password-1")).status_code)
    assert codes[:3] == [401, 401, 401] and codes[-1] == 429  # the throttle still sees one address

    behind = create_server(settings=Settings(trusted_proxies=parse_networks("127.0.0.0/8")))
    admin = await behind.login("admin")
    admin.headers["x-forwarded-for"] = "198.51.100.7, 10.0.0.99"  # client-written part, then the proxy's view
    bad = behind.http()
    bad.headers["x-forwarded-for"] = "10.0.0.99"
    await _login(bad, {"login": "someone", "password": "x" * 12})
    entries = (await admin.get("/api/v1/audit")).json()
    failed = [e for e in entries if e["action"] == "auth.login_failed"]
    assert failed and failed[-1]["address"] == "10.0.0.99"


async def test_session_ids_are_not_stored_in_the_clear(server: Any, redis_url: str) -> None:
    cred = await server.add_staff("guide", ("city-hall",))
    r = await server.http().post("/api/v1/auth/login", json=cred)
    sid = r.cookies[SESSION_COOKIE]
    store = redis_sync.Redis.from_url(redis_url, decode_responses=True)
    keys = list(store.scan_iter("*"))
    values = [v for k in keys if store.type(k) == "string" for v in [store.get(k)]]
    members = [m for k in keys if store.type(k) == "set" for m in store.smembers(k)]
    store.close()
    assert not [k for k in keys if sid in k], "a session id appears in a key name"
    assert sid not in values and sid not in members
    assert session_key(digest(sid)) in keys


async def test_a_manager_of_one_site_reaches_only_that_site(server: Any) -> None:
    admin = await server.login("admin")
    await issue(admin, "pickup")  # an audit entry of City Hall
    await server.add_staff("operator", ("city-hall",), login="ch-op")
    await server.add_staff("operator", ("tsuyazaki",), login="tz-op")
    await server.add_staff("guide", (), login="everywhere")
    manager = await server.login("manager", ("tsuyazaki",))
    tz = await server.login("guide", ("tsuyazaki",))
    await issue(tz, "e-cert", site="tsuyazaki")

    new = {"login": "new-guide", "name": "新人", "role": "guide", "password": "long-enough-pass-1"}
    r = await manager.post("/api/v1/staff", json=new)  # no sites: every site
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await manager.post("/api/v1/staff", json={**new, "sites": ["tsuyazaki", "city-hall"]})
    assert r.status_code == 403
    r = await manager.post("/api/v1/staff", json={**new, "sites": ["tsuyazaki"]})
    assert r.status_code == 201 and r.json()["sites"] == ["tsuyazaki"]

    for login in ("ch-op", "everywhere"):
        r = await manager.post(f"/api/v1/staff/{login}/password", json={"password": "another-long-pass-2"})
        assert r.status_code == 403, login
        assert (await manager.post(f"/api/v1/staff/{login}/disable")).status_code == 403
    assert (await manager.post("/api/v1/staff/tz-op/password", json={"password": "another-long-pass-2"})).is_success

    listed = {s["login"] for s in (await manager.get("/api/v1/staff")).json()}
    assert {"tz-op", "new-guide"} <= listed and not {"ch-op", "everywhere"} & listed

    entries = (await manager.get("/api/v1/audit")).json()
    # entries of the site, and account changes that concern it (they name the account's sites)
    assert entries and all(e.get("site") == "tsuyazaki" or "tsuyazaki" in e.get("sites", []) for e in entries)
    assert not [e for e in entries if e.get("site") == "city-hall" or "city-hall" in e.get("sites", [])]
    assert (await manager.get("/api/v1/audit", params={"site": "city-hall"})).status_code == 403
    assert {e.get("site") for e in (await admin.get("/api/v1/audit")).json()} >= {"city-hall", "tsuyazaki"}


async def test_an_admin_of_one_site_pairs_only_that_sites_devices(server: Any) -> None:
    admin = await server.login("admin")
    ch = (await admin.post("/api/v1/devices", json={"site": "city-hall", "kind": "board", "name": "ch board"})).json()
    local = await server.login("admin", ("tsuyazaki",))
    assert (
        await local.post("/api/v1/devices", json={"site": "city-hall", "kind": "kiosk", "name": "x"})
    ).status_code == 403
    tz = await local.post("/api/v1/devices", json={"site": "tsuyazaki", "kind": "kiosk", "name": "tz kiosk"})
    assert tz.status_code == 201
    assert {d["site"] for d in (await local.get("/api/v1/devices")).json()} == {"tsuyazaki"}
    assert (await local.post(f"/api/v1/devices/{ch['id']}/revoke")).status_code == 403
    assert (await local.post(f"/api/v1/devices/{ch['id']}/pairing")).status_code == 403
    r = await local.post("/api/v1/staff", json={"login": "chief", "name": "x", "role": "manager",
                                                 "password": "long-enough-pass-1"})  # fmt: skip
    assert r.status_code == 403  # not an account of every site
