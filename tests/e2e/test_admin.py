"""The admin page in a real browser: an admin adds a manager limited to Tsuyazaki (first password shown once), who
signs in and never sees City Hall; a board paired through the link of its QR code, then revoked, says so; an
unknown address is a bilingual page with the way back. Also the screenshots of docs/ADMIN.md at 1920×1080 and
1366×768 (``MADOGUCHI_SCREENSHOTS=1`` writes them to docs/screens, as tests/e2e/test_screens.py explains), each
checked to fit the screen's width.

The server's clock starts on Tuesday 24 November 2026, 10:00.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page, expect

from tests.conftest import LiveServer
from tests.e2e.conftest import LANDSCAPE, Pages
from tests.e2e.test_screens import busy_morning, destination

SMALL = {"width": 1366, "height": 768}


async def sign_in(page: Page, login: str, password: str) -> None:
    await page.fill("#login-id", login)
    await page.fill("#login-password", password)
    await page.click("#login-submit")


async def open_admin(
    pages: Pages, server: LiveServer, *, role: str = "admin", sites: tuple[str, ...] = (), section: str = "",
    viewport: dict[str, int] = LANDSCAPE,
) -> Page:  # fmt: skip
    """/admin[/section] in a browser of its own, signed in through its form as a new account of ``role``."""
    credentials = await server.add_staff(role, sites)
    page = await pages.page(await pages.context(viewport))
    response = await page.goto(f"{server.base_url}/admin/{section}".rstrip("/"))
    assert response is not None and response.status == 401
    await sign_in(page, credentials["login"], credentials["password"])
    await expect(page.locator("#main[data-ready=true]")).to_be_attached()
    return page


async def test_an_admin_adds_a_tsuyazaki_manager_who_never_sees_city_hall(create_server: Any, pages: Pages) -> None:
    server = create_server()
    await server.add_staff("operator", ("city-hall",), login="ch-operator")
    await server.add_staff("operator", ("tsuyazaki",), login="tz-operator")
    admin = await open_admin(pages, server)
    await expect(admin.locator("#staff-rows tr[data-login=ch-operator]")).to_be_visible()

    await admin.click("#staff-add-open")
    await admin.fill("#sf-login", "tz-chief")
    await admin.fill("#sf-name", "津屋崎 責任者")
    await admin.select_option("#sf-role", "manager")
    await admin.check("#sf-sites input[data-site=tsuyazaki]")
    await admin.click("#sf-submit")
    await expect(admin.locator("#once")).to_be_visible()
    await expect(admin.locator("#once-title")).to_have_text("tz-chief の最初のパスワード")
    await expect(admin.locator("#once-note")).to_contain_text("二度と表示されません")
    password = str(await admin.locator("#once-secret").text_content())
    assert len(password) >= 12
    await admin.click("#once-done")
    await expect(admin.locator("#once")).to_be_hidden()
    await expect(admin.locator("#once-secret")).to_be_empty(), "gone from the page once closed"
    row = admin.locator("#staff-rows tr[data-login=tz-chief]")
    await expect(row).to_contain_text("責任者")
    await expect(row.locator(".a-sites")).to_have_text("津屋崎行政センター")

    chief = await pages.page(await pages.context(SMALL))
    await chief.goto(f"{server.base_url}/admin")
    await sign_in(chief, "tz-chief", password)
    await expect(chief.locator("#main[data-ready=true]")).to_be_attached()
    await expect(chief.locator(".staff-name")).to_contain_text("津屋崎 責任者")
    await expect(chief.locator("#staff-rows tr[data-login=tz-operator]")).to_be_visible()
    await expect(chief.locator("#staff-rows tr[data-login=ch-operator]")).to_have_count(0)
    await expect(chief.locator(".a-nav-link[data-section=devices]")).to_have_count(0)
    await chief.click(".a-nav-link[data-section=printers]")
    await expect(chief).to_have_url(f"{server.base_url}/admin/printers")
    await expect(chief.locator(".a-printers[data-site=tsuyazaki] .a-printer")).to_have_count(1)
    await chief.click(".a-nav-link[data-section=audit]")
    await expect(chief.locator("#audit-site option")).to_have_text(["担当のすべての拠点", "津屋崎行政センター"])
    assert "福津市役所" not in await chief.content()
    # the manager of Tsuyazaki adds a guide of Tsuyazaki, and cannot choose City Hall or every site at all
    await chief.click(".a-nav-link[data-section=staff]")
    await chief.click("#staff-add-open")
    await expect(chief.locator("#sf-role option")).to_have_text(["窓口担当", "総合案内", "電話予約"])
    await expect(chief.locator("#sf-sites input")).to_have_count(1)
    await expect(chief.locator("#sf-all-row")).to_be_hidden()
    await chief.click("#staff-dialog button[value=cancel]")
    # in English, the texts the page drew itself too
    await chief.click("[data-staff-lang=en]")
    await expect(chief.locator(".a-nav-link[data-section=staff]")).to_have_text("Staff")
    await expect(chief.locator("#staff-rows tr[data-login=tz-operator] .a-sites")).to_have_text(
        "Tsuyazaki Administrative Center"
    )
    await expect(chief.locator("#staff-rows tr[data-login=tz-operator] [data-action=reset]")).to_have_text(
        "New password"
    )


async def test_a_board_paired_through_its_qr_link_then_revoked_says_so(create_server: Any, pages: Pages) -> None:
    server = create_server()
    admin = await open_admin(pages, server, section="devices")
    await admin.select_option("#pair-site", "city-hall")
    await admin.select_option("#pair-kind", "board")
    await admin.fill("#pair-name", "2F 待合表示板")
    await admin.click("#pair-submit")
    await expect(admin.locator("#once-title")).to_have_text("2F 待合表示板 のペアリングリンク")
    await expect(admin.locator("#once-qr")).to_be_visible()
    qr_size = await admin.locator("#once-qr").evaluate("img => [img.complete, img.naturalWidth]")
    assert qr_size[0] and qr_size[1] > 0, "the QR code is drawn"
    link = str(await admin.locator("#once-secret").text_content())
    assert link.startswith(f"{server.base_url}/pair/")

    board_pc: BrowserContext = await pages.context(LANDSCAPE)
    board = await pages.page(board_pc)
    await board.goto(link)
    await expect(board).to_have_url(f"{server.base_url}/board/city-hall")
    await expect(board.locator("body[data-ready=true]")).to_be_attached()

    await admin.click("#once-done")
    row = admin.locator("#dev-rows tr", has_text="2F 待合表示板")
    await expect(row).to_contain_text("待合表示板")
    await admin.reload()  # the list again: the board has been seen since
    await expect(row.locator(".a-seen")).to_have_text("11/24 10:00")
    await row.locator("[data-action=revoke]").click()
    await expect(admin.locator("#confirm-text")).to_contain_text("福津市役所 の「2F 待合表示板」の登録を取り消しますか")
    await admin.click("#confirm-yes")
    await expect(admin.locator("#dev-result")).to_have_text("「2F 待合表示板」の登録を取り消しました")
    await expect(row).to_have_count(0), "revoked devices are hidden unless asked for"

    await expect(board.locator("#revoked")).to_have_text("この端末の登録は取り消されました")
    await expect(board.locator("main")).to_contain_text("2F 待合表示板")
    await expect(board.locator("main")).to_contain_text("This PC's registration was revoked")


async def test_a_manager_posts_a_notice_and_finds_it_in_the_audit_log(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await open_admin(pages, server, role="manager", sites=("city-hall",), section="notices")
    await expect(page.locator("#notice-rows .a-empty")).to_have_text("掲示中のお知らせはありません")
    await page.fill("#notice-ja", "午後は大変混み合います")
    await page.fill("#notice-en", "Very busy this afternoon")
    await page.click("#notice-submit")
    notice = page.locator("#notice-rows .a-notice")
    await expect(notice.locator(".a-notice-text")).to_have_text("午後は大変混み合います")
    await expect(notice.locator(".a-notice-en")).to_have_text("Very busy this afternoon")
    # one posted from elsewhere shows at once (the site's socket)
    admin = await server.login("admin")
    r = await admin.post("/api/v1/sites/city-hall/notices", json={"text": "駐車場が満車です"})
    assert r.status_code == 201, r.text
    await expect(notice).to_have_count(2)
    await notice.first.locator("[data-action=remove]").click()
    await page.click("#confirm-yes")
    await expect(notice).to_have_count(1)

    await page.click(".a-nav-link[data-section=audit]")
    await page.select_option("#audit-action", "notice")
    await page.click("#audit-show")
    await expect(page.locator("#audit-rows tr")).to_have_count(3)
    await expect(page.locator("#audit-rows tr").first).to_contain_text("notice.clear")
    href = await page.locator("#audit-csv").get_attribute("href")
    assert href is not None and "action=notice" in href and "format=csv" in href
    async with page.expect_download() as downloaded:
        await page.click("#audit-csv")
    saved = Path(await (await downloaded.value).path())
    csv = await asyncio.to_thread(saved.read_text, encoding="utf-8-sig")
    assert csv.count("notice.set") == 2 and "午後は大変混み合います" in csv


async def test_an_unknown_address_is_a_bilingual_page_with_the_way_back(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await pages.page(await pages.context(SMALL))
    response = await page.goto(f"{server.base_url}/foo")
    assert response is not None and response.status == 404
    await expect(page.locator("h1")).to_have_text("ページが見つかりません")
    await expect(page.locator(".second")).to_contain_text("Page not found")
    await page.click("#back")
    await expect(page).to_have_url(f"{server.base_url}/")
    await expect(page.locator("#sign-in")).to_be_visible()
    await page.click("#sign-in")
    await expect(page.locator("#login-form")).to_be_visible()


# ---- screenshots ---------------------------------------------------------------------------------------------


async def office_data(server: LiveServer) -> None:
    """A morning at City Hall (busy_morning), named staff, a kiosk and a board, two print agents (one low on paper,
    one out of it)."""
    await busy_morning(server)
    admin = await server.login("admin")
    people = [
        ("yamada", "山田 花子", "manager", ["city-hall"]), ("sato", "佐藤 一郎", "operator", ["city-hall"]),
        ("suzuki", "鈴木 美咲", "operator", ["city-hall"]), ("tanaka", "田中 健", "guide", ["city-hall"]),
        ("ito", "伊藤 さくら", "phone", []), ("watanabe", "渡辺 誠", "operator", ["tsuyazaki"]),
        ("kobayashi", "小林 由美", "manager", ["tsuyazaki"]),
    ]  # fmt: skip
    for login, name, role, sites in people:
        body = {"login": login, "name": name, "role": role, "sites": sites, "password": "Zq7-first-secret-1"}
        assert (await admin.post("/api/v1/staff", json=body)).status_code == 201
    assert (await admin.post("/api/v1/staff/watanabe/disable")).status_code == 200
    for site, kind, name in (("city-hall", "kiosk", "1F 発券機"), ("city-hall", "board", "1F 待合表示板"),
                             ("tsuyazaki", "kiosk", "発券機")):  # fmt: skip
        created = (await admin.post("/api/v1/devices", json={"site": site, "kind": kind, "name": name})).json()
        device = server.http()
        device.headers["authorization"] = f"Bearer {created['token']}"
        if kind == "kiosk":
            status = {"online": True, "cover_open": False, "paper_near_end": True, "paper_out": site == "tsuyazaki"}
            assert (await device.post("/api/v1/agent/status", json=status)).status_code == 200
        else:
            assert (await device.get(f"/api/v1/sites/{site}/state")).status_code == 200


async def fits(page: Page) -> None:
    """Nothing is cut off at the side: the page is no wider than the screen."""
    wide = await page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
    assert wide <= 0, f"{page.url} is {wide}px too wide"


async def test_admin_screens(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server(print_workers=True)
    await office_data(server)
    near_end = ".a-printers[data-site=city-hall] .a-printer[data-state=paper_near_end]"
    ready = {
        "staff": "#staff-rows tr[data-login=yamada]",
        "devices": "#dev-rows tr[data-device^=board]",
        "printers": ".a-printers[data-site=city-hall] [data-test=printed]",
        "notices": "#notice-rows .a-notice",
        "audit": "#audit-rows tr[data-action='ticket.issue']",
    }
    for viewport, suffix in ((LANDSCAPE, ""), (SMALL, "-1366")):
        page = await open_admin(pages, server, viewport=viewport)
        for section, shown in ready.items():
            await page.click(f".a-nav-link[data-section={section}]")
            if section == "printers":  # paper near its end and out stand out; a test print comes out
                await expect(page.locator(near_end)).to_be_visible()
                await expect(page.locator(".a-printers[data-site=tsuyazaki] [data-state=paper_out]")).to_be_visible()
                await page.locator(".a-printers[data-site=city-hall] [data-printer=preview] [data-action=test]").click()
            await expect(page.locator(shown).first).to_be_visible()
            await fits(page)
            await page.screenshot(path=str(destination(tmp_path, f"admin-{section}{suffix}.png")))

    # the dialogs: a first password, a pairing link with its QR code
    await page.click(".a-nav-link[data-section=devices]")
    await page.fill("#pair-name", "2F 待合表示板")
    await page.select_option("#pair-kind", "board")
    await page.click("#pair-submit")
    await expect(page.locator("#once-qr")).to_be_visible()
    await page.screenshot(path=str(destination(tmp_path, "admin-pairing-1366.png")))
    await page.click("#once-done")
    await page.click(".a-nav-link[data-section=staff]")
    await page.locator("#staff-rows tr[data-login=sato] [data-action=reset]").click()
    await page.click("#confirm-yes")
    await expect(page.locator("#once-secret")).not_to_be_empty()
    await page.screenshot(path=str(destination(tmp_path, "admin-password-1366.png")))
    await page.click("#once-done")

    index = await pages.page(page.context)
    await index.goto(f"{server.base_url}/")
    await expect(index.locator("body[data-ready=true]")).to_be_attached()
    await fits(index)
    await index.screenshot(path=str(destination(tmp_path, "index-1366.png")))
    await index.goto(f"{server.base_url}/no-such-page")
    await index.screenshot(path=str(destination(tmp_path, "error-404-1366.png")))
