"""The phone reservation console over plain HTTP: who gets the console, who the login form and why (always
HTML), what the page hands its script (only the sites of the account, the services that take reservations
there), and its static files."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.integration.test_pages import assert_page


def boot_of(body: str) -> dict[str, Any]:
    found = re.search(r'data-boot="([^"]*)"', body)
    assert found, "the page hands its data to the script in data-boot"
    data: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return data


async def test_without_a_session_the_page_is_a_login_form(server: Any) -> None:
    body = assert_page(await server.http().get("/phone"), 401)
    assert 'id="login-form"' in body and 'type="password"' in body
    assert "電話予約 ログイン" in body and "Phone reservations: sign in" in body
    assert "/static/web/login.js" in body and "data-boot" not in body


async def test_other_roles_and_devices_get_the_form_and_why(server: Any) -> None:
    operator = assert_page(await (await server.login("operator", ("city-hall",))).get("/phone"), 403)
    assert 'id="login-form"' in operator
    assert "電話予約・総合案内・責任者・管理者" in operator and "phone, reception, manager and admin" in operator
    kiosk = assert_page(await (await server.device("kiosk")).get("/phone"), 403)
    assert 'id="login-form"' in kiosk and "data-boot" not in kiosk
    board = assert_page(await (await server.device("board")).get("/phone"), 403)
    assert "data-boot" not in board


async def test_phone_staff_get_the_console_for_their_sites_only(server: Any) -> None:
    body = assert_page(await (await server.login("phone", ("city-hall",))).get("/phone"), 200)
    assert 'id="slots"' in body and "/static/phone/phone.js" in body and "/static/phone/phone.css" in body
    assert '<html lang="ja">' in body and "電話予約" in body
    boot = boot_of(body)
    assert [s["id"] for s in boot["sites"]] == ["city-hall"]
    city_hall = boot["sites"][0]
    assert city_hall["names"] == {"ja": "福津市役所", "en": "Fukutsu City Hall"}
    assert city_hall["reservable"] == ["application", "pickup"]  # config/fukutsu.toml [reservations]
    assert boot["horizon_days"] == 60 and boot["timezone"] == "Asia/Tokyo"
    assert {s["id"] for s in boot["services"]} >= {"application", "pickup"}

    tsuyazaki = boot_of(assert_page(await (await server.login("guide", ("tsuyazaki",))).get("/phone"), 200))
    assert [(s["id"], s["reservable"]) for s in tsuyazaki["sites"]] == [("tsuyazaki", ["application"])]


async def test_managers_and_admins_book_for_every_site_they_may_use(server: Any) -> None:
    admin = boot_of(assert_page(await (await server.login("admin")).get("/phone"), 200))
    assert [s["id"] for s in admin["sites"]][:2] == ["city-hall", "tsuyazaki"]
    manager = boot_of(assert_page(await (await server.login("manager", ("city-hall",))).get("/phone"), 200))
    assert [s["id"] for s in manager["sites"]] == ["city-hall"]


async def test_static_files_of_the_console(server: Any) -> None:
    client = server.http()
    for path in ("/static/phone/phone.js", "/static/phone/views.js", "/static/phone/text.js"):
        r = await client.get(path)
        assert r.status_code == 200 and "javascript" in r.headers["content-type"], path
        assert r.headers["cache-control"] == "no-cache"
    css = await client.get("/static/phone/phone.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert (await client.get("/static/phone/routes.py")).status_code == 404
    assert (await client.get("/static/phone/../routes.py")).status_code == 404
    assert (await client.get("/static/phone/templates/phone/phone.html")).status_code == 404
