"""The kiosk and guide pages over plain HTTP: who sees what (always HTML for a page, JSON for the API), nothing
inline that the CSP would block, the static files, and the QR code of a ticket."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx

from tests.conftest import issue

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)


def assert_page(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    body = r.text
    assert not INLINE_SCRIPT.search(body), "an inline script would be blocked by the CSP"
    assert not INLINE_STYLE.search(body), "inline styles would be blocked by the CSP"
    return body


async def test_kiosk_page_for_its_kiosk_and_an_explanation_for_anyone_else(server: Any) -> None:
    body = assert_page(await (await server.device("kiosk")).get("/kiosk/city-hall"), 200)
    assert '<html lang="ja">' in body and "<a " not in body
    boot = json.loads(html.unescape(re.search(r'data-boot="([^"]*)"', body).group(1)))  # type: ignore[union-attr]
    assert boot["site"] == "city-hall" and boot["languages"] == ["ja", "en", "zh", "ko", "vi", "ja-easy"]
    pickup = next(s for s in boot["services"] if s["id"] == "pickup")
    assert pickup["names"] == {"ja": "カード交付", "en": "Card pickup", "zh": "领取卡片", "ko": "카드 수령",
                               "vi": "Nhận thẻ", "ja-easy": "カードを うけとる"}  # fmt: skip

    unpaired = assert_page(await server.http().get("/kiosk/city-hall"), 401)
    assert "この発券機は準備中です" in unpaired and "<a " not in unpaired
    other_site = assert_page(await (await server.device("kiosk", "tsuyazaki")).get("/kiosk/city-hall"), 403)
    assert "別の拠点" in other_site
    staff = assert_page(await (await server.login("guide", ("city-hall",))).get("/kiosk/city-hall"), 403)
    assert "/guide/city-hall" in staff
    board = assert_page(await (await server.device("board")).get("/kiosk/city-hall"), 403)
    assert "表示板" in board


async def test_guide_page_login_form_and_refusal(server: Any) -> None:
    login = assert_page(await server.http().get("/guide/city-hall"), 401)
    assert 'id="login-form"' in login and "password" in login
    refused = assert_page(await (await server.login("operator", ("city-hall",))).get("/guide/city-hall"), 403)
    assert 'id="login-form"' in refused and "総合案内・責任者・管理者" in refused
    console = assert_page(await (await server.login("guide", ("city-hall",))).get("/guide/city-hall"), 200)
    assert 'id="issue-services"' in console and "/static/kiosk/guide.js" in console
    assert_page(await (await server.login("admin")).get("/guide/nowhere"), 404)


async def test_the_api_keeps_its_json_errors(server: Any) -> None:
    r = await server.http().get("/api/v1/sites/city-hall/tickets")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


async def test_static_files_and_catalogs(server: Any) -> None:
    client = server.http()
    for path in ("/static/web/ws.js", "/static/web/api.js", "/static/kiosk/kiosk.js", "/static/kiosk/guide.js"):
        r = await client.get(path)
        assert r.status_code == 200 and "javascript" in r.headers["content-type"], path
        assert r.headers["cache-control"] == "no-cache"
    catalog = await client.get("/static/i18n/vi.json")
    assert catalog.status_code == 200 and catalog.json()["lang.self"] == "Tiếng Việt"
    assert (await client.get("/static/kiosk/../routes.py")).status_code == 404
    assert (await client.get("/static/kiosk/routes.py")).status_code == 404


async def test_ticket_qr_code_is_an_svg_of_its_status_page(server: Any) -> None:
    kiosk = await server.device("kiosk")
    ticket = await issue(kiosk, "pickup")
    r = await kiosk.get(f"/api/v1/tickets/by-token/{ticket['token']}/qr.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg") and 'viewBox="0 0 ' in r.text
    missing = await kiosk.get("/api/v1/tickets/by-token/not-a-token/qr.svg")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


async def test_store_down_shows_a_page_that_tries_again_by_itself(create_redis: Any, create_server: Any) -> None:
    store = create_redis()
    server = create_server(url=store.url)
    kiosk = await server.device("kiosk")
    store.stop()
    body = assert_page(await kiosk.get("/kiosk/city-hall"), 503)
    assert "ただいま準備中です" in body and 'data-retry-after="10"' in body and "/static/web/retry.js" in body
    store.start()
    assert_page(await kiosk.get("/kiosk/city-hall"), 200)


async def test_the_index_lists_every_page_of_every_site(server: Any) -> None:
    body = assert_page(await (await server.login("admin")).get("/"), 200)  # an admin of every site
    for href in ("/console", "/phone", "/guide/city-hall", "/board/city-hall", "/board/city-hall?area=meeting-room",
                 "/board/tsuyazaki"):  # fmt: skip
        assert f'href="{html.escape(href)}"' in body, href
    # the kiosks' addresses, for setting up a kiosk PC: staff cannot open them
    for kiosk in ("/kiosk/city-hall", "/kiosk/tsuyazaki"):
        assert f"<code>{kiosk}</code>" in body and f'href="{kiosk}"' not in body, kiosk
    assert "福津市役所" in body and "津屋崎行政センター" in body
    assert "本日の受付 08:30〜16:30" in body
