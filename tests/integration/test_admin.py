"""The office's administration over HTTP: changing accounts (PATCH, never beyond one's own reach), changing one's
own password, the audit log's filters and periods, devices (pairing QR, last seen, a revoked PC's page), the test
print, the admin and index pages, and the bilingual error pages a browser gets."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import httpx

from server.auth.principals import Role
from server.queue.keys import SiteKeys
from tests.conftest import LiveServer, issue, open_counter
from tests.integration.test_pages import assert_page

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def account(server: LiveServer, login: str) -> dict[str, Any]:
    found = await server.call(server.runtime.accounts.staff_record(login))
    assert found is not None
    return dict(server.runtime.accounts.public_staff(found))


async def audit_of(server: LiveServer, action: str) -> list[dict[str, Any]]:
    admin = await server.login("admin")
    r = await admin.get("/api/v1/audit", params={"action": action})
    assert r.status_code == 200, r.text
    return list(r.json())


async def signed_in(server: LiveServer, cred: dict[str, str]) -> httpx.AsyncClient:
    client = server.http()
    r = await client.post("/api/v1/auth/login", json=cred)
    assert r.status_code == 200, r.text
    client.headers["x-csrf-token"] = r.json()["csrf"]
    return client


def boot_of(body: str) -> dict[str, Any]:
    found = re.search(r'data-boot="([^"]*)"', body)
    assert found
    data: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return data


# ---- PATCH /staff/{login} ------------------------------------------------------------------------------------


async def test_a_manager_changes_an_operators_name_role_and_sites_and_it_is_audited(server: LiveServer) -> None:
    manager = await server.login("manager")
    target = await server.add_staff("operator", ("city-hall",))
    session = await signed_in(server, target)
    r = await manager.patch(f"/api/v1/staff/{target['login']}", json={"name": "津屋崎 花子"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "津屋崎 花子" and r.json()["role"] == "operator"
    assert (await session.get("/api/v1/auth/me")).status_code == 200, "a new name keeps the person signed in"

    r = await manager.patch(f"/api/v1/staff/{target['login']}", json={"role": "guide", "sites": ["tsuyazaki"]})
    assert r.status_code == 200, r.text
    assert (await account(server, target["login"]))["role"] == "guide"
    assert (await account(server, target["login"]))["sites"] == ["tsuyazaki"]
    assert (await session.get("/api/v1/auth/me")).status_code == 401, "a new role or sites signs them out at once"
    entries = await audit_of(server, "staff.update")
    assert [e["detail"] for e in entries] == [
        f"{target['login']} name: operator {target['login']} → 津屋崎 花子",
        f"{target['login']} role: operator → guide; sites: city-hall → tsuyazaki",
    ]


async def test_patch_follows_the_rules_of_creating_an_account(server: LiveServer) -> None:
    manager = await server.login("manager")
    operator = await server.add_staff("operator", ("city-hall",))
    chief = await server.add_staff("manager", ("city-hall",))
    for body in ({"role": "manager"}, {"role": "admin"}):
        r = await manager.patch(f"/api/v1/staff/{operator['login']}", json=body)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", body
    r = await manager.patch(f"/api/v1/staff/{chief['login']}", json={"name": "x"})
    assert r.status_code == 403, "only an admin touches a manager account"
    me = (await manager.get("/api/v1/auth/me")).json()["login"]
    r = await manager.patch(f"/api/v1/staff/{me}", json={"name": "x"})
    assert r.status_code == 403, "a manager account is an admin's to change, even one's own"
    assert (await account(server, operator["login"]))["role"] == "operator"
    assert (await account(server, chief["login"]))["name"] == f"manager {chief['login']}"

    admin = await server.login("admin")
    admin_login = (await admin.get("/api/v1/auth/me")).json()["login"]
    r = await admin.patch(f"/api/v1/staff/{admin_login}", json={"role": "manager"})
    assert r.status_code == 403, "nobody changes their own role"
    assert (await admin.patch(f"/api/v1/staff/{admin_login}", json={"name": "管理者 一郎"})).status_code == 200
    r = await admin.patch(f"/api/v1/staff/{chief['login']}", json={"role": "operator"})
    assert r.status_code == 200 and r.json()["role"] == "operator"


async def test_a_tsuyazaki_manager_cannot_give_city_hall_or_every_site(server: LiveServer) -> None:
    local = await server.login("manager", ("tsuyazaki",))
    theirs = await server.add_staff("operator", ("tsuyazaki",))
    city = await server.add_staff("operator", ("city-hall",))
    for body in ({"sites": ["city-hall"]}, {"sites": ["tsuyazaki", "city-hall"]}, {"sites": []}):
        r = await local.patch(f"/api/v1/staff/{theirs['login']}", json=body)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", body
    assert (await account(server, theirs["login"]))["sites"] == ["tsuyazaki"]
    r = await local.patch(f"/api/v1/staff/{city['login']}", json={"sites": ["tsuyazaki"]})
    assert r.status_code == 403, "an account of City Hall is not theirs to move"
    assert (await account(server, city["login"]))["sites"] == ["city-hall"]
    r = await local.patch(f"/api/v1/staff/{theirs['login']}", json={"role": "guide", "sites": ["tsuyazaki"]})
    assert r.status_code == 200 and r.json()["role"] == "guide"
    listed = {a["login"] for a in (await local.get("/api/v1/staff")).json()}
    assert theirs["login"] in listed and city["login"] not in listed


async def test_bad_changes_are_4xx_and_change_nothing(server: LiveServer) -> None:
    admin = await server.login("admin")
    target = await server.add_staff("operator", ("city-hall",))
    url = f"/api/v1/staff/{target['login']}"
    cases = [
        ({}, 400, "validation_error"),
        ({"role": "chief"}, 400, "validation_error"),
        ({"sites": ["nowhere"]}, 404, "unknown_site"),
        ({"name": "   "}, 400, "validation_error"),
        ({"name": "x", "password": "sneaky-password-1"}, 400, "validation_error"),
    ]
    for body, status, code in cases:
        r = await admin.patch(url, json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), body
    r = await admin.patch("/api/v1/staff/no-such-login", json={"name": "x"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert await account(server, target["login"]) == {
        "login": target["login"], "name": f"operator {target['login']}", "role": "operator", "sites": ["city-hall"],
        "disabled": False,
    }  # fmt: skip


# ---- POST /auth/password -------------------------------------------------------------------------------------


async def test_a_person_changes_their_own_password_and_other_sessions_end(server: LiveServer) -> None:
    cred = await server.add_staff("guide", ("city-hall",))
    here = await signed_in(server, cred)
    elsewhere = await signed_in(server, cred)
    url = "/api/v1/auth/password"
    wrong = await here.post(url, json={"old": "not-my-password-1", "new": "a-brand-new-secret-9"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_password"
    weak = await here.post(url, json={"old": cred["password"], "new": "short"})
    assert weak.status_code == 400 and weak.json()["code"] == "validation_error"
    assert (await elsewhere.get("/api/v1/auth/me")).status_code == 200, "nothing changed yet"

    done = await here.post(url, json={"old": cred["password"], "new": "a-brand-new-secret-9"})
    assert done.status_code == 200 and done.json() == {"login": cred["login"], "password_changed": True}
    assert (await here.get("/api/v1/auth/me")).status_code == 200, "the page in use stays signed in"
    assert (await elsewhere.get("/api/v1/auth/me")).status_code == 401, "the other PC is signed out"
    assert (await server.http().post("/api/v1/auth/login", json=cred)).status_code == 401
    await signed_in(server, {"login": cred["login"], "password": "a-brand-new-secret-9"})
    actions = [e["action"] for e in await audit_of(server, "auth") if e["login"] == cred["login"]]
    assert actions.count("auth.password_failed") == 2 and actions.count("auth.password") == 1
    assert "a-brand-new-secret-9" not in json.dumps(await audit_of(server, "auth"))


async def test_guessing_the_current_password_is_throttled_like_a_login(server: LiveServer) -> None:
    cred = await server.add_staff("phone", ("city-hall",))
    client = await signed_in(server, cred)
    statuses = []
    for _ in range(5):
        r = await client.post("/api/v1/auth/password", json={"old": "guess-number-one", "new": "a-brand-new-secret-9"})
        statuses.append(r.status_code)
    assert statuses[:3] == [400, 400, 400] and statuses[-1] == 429
    assert (await client.get("/api/v1/auth/me")).status_code == 200


# ---- the audit log -------------------------------------------------------------------------------------------


async def _entries(server: LiveServer) -> None:
    """Entries of three dates, two sites and no site (written as the store would)."""
    rows = [
        ("2026-11-02T09:00:00+09:00", "mgr-a", "staff.add", None, "op-1 (operator)"),
        ("2026-11-02T10:00:00+09:00", "op-1", "ticket.call", "city-hall", "P001"),
        ("2026-11-20T11:00:00+09:00", "op-2", "ticket.call", "tsuyazaki", "T003"),
        ("2026-11-20T12:00:00+09:00", "mgr-a", "staff.password", None, "op-2"),
        ("2026-11-24T09:00:00+09:00", "op-1", "counter.open", "city-hall", ""),
        ("2026-12-01T09:00:00+09:00", "op-1", "ticket.call", "city-hall", "P002"),
    ]
    for at, login, action, site, detail in rows:
        entry = {"at": at, "login": login, "role": "x", "action": action, "detail": detail, "address": "10.0.0.1"}
        if site:
            entry["site"] = site
        key = SiteKeys(site).audit(at[:10]) if site else None
        if key:
            await server.call(server.runtime.redis.rpush(key, json.dumps(entry)))
        else:
            await server.call(server.runtime.audit.append(entry))


async def test_audit_filters_by_period_actor_action_and_site(server: LiveServer) -> None:
    await _entries(server)
    admin = await server.login("admin")

    async def details(**params: str) -> list[str]:
        r = await admin.get("/api/v1/audit", params=params)
        assert r.status_code == 200, r.text
        assert int(r.headers["x-total-count"]) == len(r.json())
        return [e["detail"] for e in r.json() if e["login"] != "" and not e["action"].startswith("auth.")]

    assert await details(**{"from": "2026-11-01", "to": "2026-11-30"}) == [
        "op-1 (operator)", "P001", "T003", "op-2", "",
    ]  # fmt: skip
    assert await details(date="2026-11-20") == ["T003", "op-2"]
    assert await details(**{"from": "2026-11-01", "to": "2026-11-30", "actor": "OP-1"}) == ["P001", ""]
    assert await details(**{"from": "2026-11-01", "to": "2026-11-30", "action": "staff"}) == ["op-1 (operator)", "op-2"]
    assert await details(**{"from": "2026-11-01", "to": "2026-11-30", "action": "ticket.call"}) == ["P001", "T003"]
    assert await details(**{"from": "2026-11-01", "to": "2026-11-30", "action": "ticket.cal"}) == []
    assert await details(**{"from": "2026-11-01", "to": "2026-11-30", "site": "tsuyazaki"}) == ["T003"]

    period = {"from": "2026-11-01", "to": "2026-11-30"}
    limited = await admin.get("/api/v1/audit", params={**period, "action": "ticket", "limit": "1"})
    assert [e["detail"] for e in limited.json()] == ["T003"] and limited.headers["x-total-count"] == "2"

    csv = await admin.get("/api/v1/audit", params={"from": "2026-11-01", "to": "2026-11-30", "format": "csv"})
    assert csv.status_code == 200 and "audit-2026-11-01_2026-11-30.csv" in csv.headers["content-disposition"]
    assert "T003" in csv.text and "P002" not in csv.text


async def test_a_tsuyazaki_manager_reads_only_tsuyazaki_entries_of_a_period(server: LiveServer) -> None:
    await _entries(server)
    local = await server.login("manager", ("tsuyazaki",))
    r = await local.get("/api/v1/audit", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert r.status_code == 200 and [e["detail"] for e in r.json()] == ["T003"]
    r = await local.get("/api/v1/audit", params={"from": "2026-11-01", "to": "2026-11-30", "site": "city-hall"})
    assert r.status_code == 403


async def test_audit_periods_are_bounded(server: LiveServer) -> None:
    admin = await server.login("admin")
    bad = [
        {"from": "2026-10-01", "to": "2026-11-30"},
        {"from": "2026-11-30", "to": "2026-11-01"},
        {"date": "2026-11-24", "from": "2026-11-01"},
        {"from": "2026-11-31"},
        {"limit": "0"},
        {"actor": "x" * 81},
    ]
    for params in bad:
        r = await admin.get("/api/v1/audit", params=params)
        assert r.status_code == 400 and r.json()["code"] == "validation_error", params
    r = await admin.get("/api/v1/audit", params={"from": "2026-11-01", "to": "2026-12-01"})
    assert r.status_code == 200, "31 days are allowed"


# ---- devices -------------------------------------------------------------------------------------------------


async def test_a_device_is_last_seen_at_most_once_a_minute(server: LiveServer, open_ws: Any) -> None:
    admin = await server.login("admin")
    created = (await admin.post("/api/v1/devices", json={"site": "city-hall", "kind": "board", "name": "2F"})).json()
    assert created["pairing_url"].startswith(server.base_url + "/pair/")
    assert created["pairing_qr_svg"].startswith("<svg") and "seen" not in created

    async def last_seen() -> str | None:
        listed = (await admin.get("/api/v1/devices")).json()
        seen: str | None = next(d for d in listed if d["id"] == created["id"])["last_seen"]
        return seen

    assert await last_seen() is None
    board = server.http()
    board.headers["authorization"] = f"Bearer {created['token']}"
    assert (await board.get("/api/v1/sites/city-hall/state")).status_code == 200
    first = await last_seen()
    assert first is not None and first.startswith("2026-11-24T10:0") and first.endswith("+09:00")
    server.clock.advance(timedelta(seconds=30))
    assert (await board.get("/api/v1/sites/city-hall/state")).status_code == 200
    assert await last_seen() == first, "no second write within the minute"
    server.clock.advance(timedelta(minutes=2))
    assert (await board.get("/api/v1/sites/city-hall/state")).status_code == 200
    second = await last_seen()
    assert second is not None and second > first

    # a board that only keeps its socket open is seen through its pings
    ws = await open_ws(
        f"{server.ws_url}/ws/v1/sites/city-hall", additional_headers={"Authorization": f"Bearer {created['token']}"}
    )
    assert (await ws.recv())["type"] == "snapshot"
    server.clock.advance(timedelta(minutes=5))
    await ws.send({"type": "ping"})
    assert (await ws.until(lambda m: m["type"] == "pong"))["type"] == "pong"
    third = await last_seen()
    assert third is not None and third > second


async def test_device_changes_are_audited_with_their_site(server: LiveServer) -> None:
    admin = await server.login("admin")
    created = (await admin.post("/api/v1/devices", json={"site": "tsuyazaki", "kind": "kiosk", "name": "1F"})).json()
    assert (await admin.post(f"/api/v1/devices/{created['id']}/pairing")).status_code == 200
    assert (await admin.post(f"/api/v1/devices/{created['id']}/revoke")).status_code == 200
    local = await server.login("admin", ("tsuyazaki",))
    seen = [
        (e["action"], e.get("site")) for e in (await local.get("/api/v1/audit", params={"action": "device"})).json()
    ]
    assert seen == [("device.add", "tsuyazaki"), ("device.pairing", "tsuyazaki"), ("device.revoke", "tsuyazaki")]


async def test_a_revoked_pc_is_told_so_on_its_page(server: LiveServer) -> None:
    admin = await server.login("admin")
    created = (
        await admin.post("/api/v1/devices", json={"site": "city-hall", "kind": "board", "name": "待合 2F"})
    ).json()
    pc = server.http()
    paired = await pc.get(created["pairing_url"].removeprefix(server.base_url), headers=BROWSER)
    assert paired.status_code == 303 and paired.headers["location"] == "/board/city-hall"
    assert_page(await pc.get("/board/city-hall", headers=BROWSER), 200)
    assert (await admin.post(f"/api/v1/devices/{created['id']}/revoke")).status_code == 200
    body = assert_page(await pc.get("/board/city-hall", headers=BROWSER), 401)
    assert "この端末の登録は取り消されました" in body and "待合 2F" in body and "revoked" in body
    assert (await pc.get("/api/v1/sites/city-hall/state")).status_code == 401
    never = assert_page(await server.http().get("/board/city-hall", headers=BROWSER), 401)
    assert "取り消されました" not in never and "表示板として登録されていません" in never


async def test_the_used_pairing_link_points_to_the_admin_page(server: LiveServer) -> None:
    body = assert_page(await server.http().get("/pair/no-such-code", headers=BROWSER), 404)
    assert 'href="/admin/devices"' in body


# ---- test print ------------------------------------------------------------------------------------------------


async def test_a_manager_prints_a_test_ticket_on_one_printer(create_server: Any, open_ws: Any) -> None:
    server = create_server(print_workers=True)
    manager = await server.login("manager", ("city-hall",))
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    assert (await ws.recv())["type"] == "snapshot"
    r = await manager.post("/api/v1/printers/preview/test", params={"site": "city-hall"})
    assert r.status_code == 202, r.text
    job = r.json()["print_job"]
    assert job["printer"] == "preview" and r.json()["printer"] == "preview"
    printed = await ws.until(lambda m: m["type"] == "printer.changed" and (m.get("job") or {}).get("id") == job["id"]
                             and m["job"]["state"] == "printed")  # fmt: skip
    assert printed["job"]["number"] == "TEST"
    assert not await server.call(server.runtime.redis.exists(SiteKeys("city-hall").ticket("test:preview")))
    entries = await audit_of(server, "printer.test")
    assert [(e["site"], e["detail"]) for e in entries] == [("city-hall", "preview")]

    missing = await manager.post("/api/v1/printers/no-such/test", params={"site": "city-hall"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    other = await manager.post("/api/v1/printers/preview/test", params={"site": "tsuyazaki"})
    assert other.status_code == 403
    assert (await manager.post("/api/v1/printers/preview/test")).status_code == 400


# ---- pages -----------------------------------------------------------------------------------------------------


async def test_the_admin_page_shows_a_person_their_own_sites_and_sections(server: LiveServer) -> None:
    admin = assert_page(await (await server.login("admin")).get("/admin"), 200)
    boot = boot_of(admin)
    assert (
        boot["sections"] == ["staff", "floor", "devices", "printers", "notices", "audit"] and boot["section"] == "staff"
    )
    assert [s["id"] for s in boot["sites"]] == ["city-hall", "tsuyazaki", "outreach-mall", "outreach-hospital"]
    assert 'href="/incidents"' in admin and 'href="/reports"' in admin

    local = await server.login("manager", ("tsuyazaki",))
    body = assert_page(await local.get("/admin/audit"), 200)
    boot = boot_of(body)
    assert boot["section"] == "audit" and "devices" not in boot["sections"]
    assert [s["id"] for s in boot["sites"]] == ["tsuyazaki"] and "福津市役所" not in body
    assert boot["roles"] == ["operator", "guide", "phone"]
    assert "このページは開けません" in assert_page(await local.get("/admin/devices", headers=BROWSER), 403)
    assert "ページが見つかりません" in assert_page(await local.get("/admin/no-such", headers=BROWSER), 404)

    refused = assert_page(await (await server.login("operator", ("city-hall",))).get("/admin"), 403)
    assert 'id="login-form"' in refused and "責任者・管理者" in refused
    assert 'id="login-form"' in assert_page(await server.http().get("/admin"), 401)


async def test_the_password_page_is_for_every_staff_member(server: LiveServer) -> None:
    body = assert_page(await (await server.login("phone", ("tsuyazaki",))).get("/password"), 200)
    assert 'id="password-form"' in body and "/static/admin/password.js" in body
    assert "パスワードの変更" in assert_page(await server.http().get("/password"), 401)


async def test_the_index_lists_what_the_caller_may_open(server: LiveServer) -> None:
    anonymous = assert_page(await server.http().get("/"), 200)
    assert 'href="/login"' in anonymous and "Sign in" in anonymous and "/guide/city-hall" not in anonymous

    operator = assert_page(await (await server.login("operator", ("tsuyazaki",))).get("/"), 200)
    for href in ("/console", "/incidents", "/password", "/board/tsuyazaki"):
        assert f'href="{href}"' in operator, href
    for absent in ("/admin", "/reports", "/phone", "/guide/tsuyazaki", "/board/city-hall", "福津市役所"):
        assert absent not in operator, absent
    assert "/kiosk/tsuyazaki" in operator, "the kiosk's address, for setting up its PC"

    manager = assert_page(await (await server.login("manager")).get("/"), 200)
    for href in ("/admin", "/reports", "/phone", "/guide/city-hall", "/board/city-hall?area=meeting-room"):
        assert f'href="{html.escape(href)}"' in manager, href

    board = assert_page(await (await server.device("board", "tsuyazaki")).get("/"), 200)
    assert 'href="/board/tsuyazaki"' in board and "/console" not in board


async def test_the_sign_in_page_sends_staff_on_to_the_index(server: LiveServer) -> None:
    form = assert_page(await server.http().get("/login"), 200)
    assert 'id="login-form"' in form and "職員ログイン" in form
    r = await (await server.login("guide", ("city-hall",))).get("/login")
    assert r.status_code == 303 and r.headers["location"] == "/"


async def test_errors_in_a_browser_are_pages_and_json_elsewhere(server: LiveServer) -> None:
    client = server.http()
    page = assert_page(await client.get("/foo", headers=BROWSER), 404)
    assert "ページが見つかりません" in page and "Page not found" in page and 'href="/"' in page
    assert "<code>/foo</code>" in page
    board = assert_page(await client.get("/board/no-such-site", headers=BROWSER), 404)
    assert "no-such-site" in board and 'href="/"' in board
    method = await client.post("/board/city-hall", headers=BROWSER)
    assert method.status_code == 405 and method.json()["code"] == "method_not_allowed"
    for path in ("/foo", "/api/v1/nope", "/static/web/nope.js", "/ws/v1/nope"):
        headers = BROWSER if path != "/foo" else {"accept": "application/json"}
        r = await client.get(path, headers=headers)
        assert r.status_code == 404 and r.json()["code"] == "not_found", path
    guide = await server.login("guide", ("city-hall",))
    r = await guide.get("/api/v1/staff", headers=BROWSER)
    assert r.status_code == 403 and r.json()["code"] == "forbidden", "the API keeps JSON whoever asks"


# ---- staff changes in the audit log of their sites --------------------------------------------------------------


async def test_a_site_manager_reads_the_changes_to_the_accounts_of_their_sites(server: LiveServer) -> None:
    """Every staff.* entry names the sites of the account it concerns (``sites``), so a manager limited to Tsuyazaki
    reads the changes to Tsuyazaki's accounts, and none of City Hall's or of accounts of every site."""
    admin = await server.login("admin")
    body = {"name": "津屋崎 太郎", "role": "operator", "sites": ["tsuyazaki"], "password": "Zq7-first-secret-1"}
    assert (await admin.post("/api/v1/staff", json={**body, "login": "tz-op"})).status_code == 201
    assert (
        await admin.post("/api/v1/staff", json={**body, "login": "ch-op", "sites": ["city-hall"]})
    ).status_code == 201
    assert (await admin.post("/api/v1/staff", json={**body, "login": "all-op", "sites": []})).status_code == 201
    both = {**body, "login": "two-op", "sites": ["city-hall", "tsuyazaki"]}
    assert (await admin.post("/api/v1/staff", json=both)).status_code == 201
    assert (await admin.post("/api/v1/staff/tz-op/password", json={"password": "Zq7-second-secret"})).status_code == 200
    assert (await admin.post("/api/v1/staff/tz-op/disable")).status_code == 200
    assert (await admin.post("/api/v1/staff/tz-op/enable")).status_code == 200
    assert (await admin.post("/api/v1/staff/ch-op/disable")).status_code == 200
    # moved from City Hall to Tsuyazaki: the change concerns both sites
    assert (await admin.patch("/api/v1/staff/ch-op", json={"sites": ["tsuyazaki"]})).status_code == 200

    local = await server.login("manager", ("tsuyazaki",))
    r = await local.get("/api/v1/audit", params={"action": "staff"})
    assert r.status_code == 200, r.text
    assert [(e["action"], e["detail"], e["sites"]) for e in r.json()] == [
        ("staff.add", "tz-op (operator)", ["tsuyazaki"]),
        ("staff.add", "two-op (operator)", ["city-hall", "tsuyazaki"]),
        ("staff.password", "tz-op", ["tsuyazaki"]),
        ("staff.disable", "tz-op", ["tsuyazaki"]),
        ("staff.enable", "tz-op", ["tsuyazaki"]),
        ("staff.update", "ch-op sites: city-hall → tsuyazaki", ["city-hall", "tsuyazaki"]),
    ]
    city = await server.login("manager", ("city-hall",))
    r = await city.get("/api/v1/audit", params={"action": "staff"})
    assert [(e["action"], e["detail"]) for e in r.json()] == [
        ("staff.add", "ch-op (operator)"), ("staff.add", "two-op (operator)"), ("staff.disable", "ch-op"),
        ("staff.update", "ch-op sites: city-hall → tsuyazaki"),
    ]  # fmt: skip
    narrowed = await admin.get("/api/v1/audit", params={"action": "staff.add", "site": "tsuyazaki"})
    assert [e["detail"] for e in narrowed.json()] == ["tz-op (operator)", "two-op (operator)"]
    everything = await admin.get("/api/v1/audit", params={"action": "staff.add"})
    assert "sites" not in next(e for e in everything.json() if e["detail"] == "all-op (operator)"), "every site"
    csv = await local.get("/api/v1/audit", params={"action": "staff", "format": "csv"})
    assert csv.status_code == 200 and "city-hall,tsuyazaki" in csv.text and "all-op" not in csv.text


# ---- the floor overview (/admin/floor) -------------------------------------------------------------------------


async def test_the_staff_snapshot_carries_the_longest_waits_and_todays_totals(server: LiveServer) -> None:
    """Each service line of the staff snapshot says when its longest-waiting ticket was issued (not the next one
    called: a priority ticket is called before an older walk-in); ``totals`` counts today's tickets by where they
    stand. A board's snapshot has neither."""
    admin = await server.login("admin")
    kiosk = await server.device("kiosk")
    first = await issue(kiosk, "e-cert")
    server.clock.advance(timedelta(minutes=4))
    await issue(admin, "e-cert", priority=True)
    pickup, gone, dropped = [await issue(kiosk, "pickup") for _ in range(3)]
    await open_counter(admin, "ch-booth-1", "e-cert", "pickup")

    async def state() -> dict[str, Any]:
        r = await admin.get("/api/v1/sites/city-hall/state")
        assert r.status_code == 200, r.text
        return dict(r.json())

    lines = {line["id"]: line for line in (await state())["services"]}
    assert lines["e-cert"]["waiting_since"] == first["issued_at"] and lines["e-cert"]["waiting"] == 2
    assert lines["pickup"]["waiting_since"] == pickup["issued_at"]
    assert lines["application"]["waiting_since"] is None

    called = (await admin.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert called["priority"] is True, "the priority ticket first"
    lines = {line["id"]: line for line in (await state())["services"]}
    assert lines["e-cert"]["waiting_since"] == first["issued_at"], "the older walk-in still waits"
    for action, body in (("start", None), ("complete", {"outcome": "completed"})):
        assert (await admin.post(f"/api/v1/tickets/{called['id']}/{action}", json=body)).status_code == 200
    assert (await admin.post("/api/v1/tickets/" + gone["id"] + "/cancel")).status_code == 200
    await admin.post("/api/v1/counters/ch-booth-1/call", json={"number": dropped["number"]})
    assert (await admin.post("/api/v1/tickets/" + dropped["id"] + "/no-show")).status_code == 200

    snapshot = await state()
    assert snapshot["totals"] == {
        "issued": 5, "served": 1, "waiting": 2, "called": 0, "serving": 0, "no_show": 1, "cancelled": 1, "unserved": 0,
    }  # fmt: skip
    board = await (await server.device("board")).get("/api/v1/sites/city-hall/state")
    assert "totals" not in board.json() and all("waiting_since" not in line for line in board.json()["services"])


async def test_the_floor_opens_a_site_of_ones_own_only(server: LiveServer) -> None:
    """``/admin/floor?site=`` (any section takes ``site``): a site of one's own opens with it chosen and the names
    of the services and of the staff who may work there; another site is the 403 page, an unknown one the 404."""
    await server.call(
        server.runtime.accounts.add_staff("tz-op", "津屋崎 花子", Role.OPERATOR, ("tsuyazaki",), "Zq7-first-secret-1")
    )
    await server.call(
        server.runtime.accounts.add_staff("ch-op", "市役所 太郎", Role.OPERATOR, ("city-hall",), "Zq7-first-secret-1")
    )
    local = await server.login("manager", ("tsuyazaki",))
    body = assert_page(await local.get("/admin/floor", params={"site": "tsuyazaki"}, headers=BROWSER), 200)
    boot = boot_of(body)
    assert boot["section"] == "floor" and boot["site"] == "tsuyazaki"
    assert boot["services"]["pickup"] == {"ja": "カード交付", "en": "Card pickup"}
    assert boot["names"]["tz-op"] == "津屋崎 花子" and "ch-op" not in boot["names"]
    assert "福津市役所" not in body and "市役所 太郎" not in body
    refused = assert_page(await local.get("/admin/floor", params={"site": "city-hall"}, headers=BROWSER), 403)
    assert "福津市役所" not in refused
    assert_page(await local.get("/admin/floor", params={"site": "nowhere"}, headers=BROWSER), 404)
    admin = await server.login("admin")
    boot = boot_of(assert_page(await admin.get("/admin/floor", params={"site": "city-hall"}, headers=BROWSER), 200))
    assert boot["site"] == "city-hall" and {"tz-op", "ch-op"} <= set(boot["names"])


async def test_the_admin_menu_links_the_calendar_for_admins_only(server: Any) -> None:
    admin = await server.login("admin")
    manager = await server.login("manager")
    admin_page = (await admin.get("/admin", headers={"accept": "text/html"})).text
    manager_page = (await manager.get("/admin", headers={"accept": "text/html"})).text
    assert 'href="/admin/calendar"' in admin_page and 'href="/reports"' in admin_page
    assert 'href="/admin/calendar"' not in manager_page and 'href="/reports"' in manager_page
