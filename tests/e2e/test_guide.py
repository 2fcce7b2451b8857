"""The general-reception guide console in a real browser: sign-in, issuing on a visitor's behalf, the live queue,
reprint and cancel, check-in, today's reservations, printer alerts."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from playwright.async_api import Page, Route, expect

from printers.fake import FakePrinter
from server.config import Config, Printer
from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import LANDSCAPE, Pages, issue_on_kiosk
from tests.e2e.test_screens import destination


async def test_sign_in_refuses_a_wrong_password_then_opens_the_console(create_server: Any, pages: Pages) -> None:
    server = create_server()
    credentials = await server.add_staff("guide", ("city-hall",))
    page = await pages.page(await pages.context(LANDSCAPE))
    response = await page.goto(f"{server.base_url}/guide/city-hall")
    assert response is not None and response.status == 401
    await page.fill("#login-id", credentials["login"])
    await page.fill("#login-password", "not-the-password")
    await page.click("#login-submit")
    await expect(page.locator("#login-message")).to_have_text(
        "ログインIDまたはパスワードが違います / Wrong login ID or password"
    )
    await page.fill("#login-password", credentials["password"])
    await page.click("#login-submit")
    await expect(page.locator("body.guide[data-ready=true]")).to_be_attached()
    await expect(page.locator("#reservations")).to_contain_text("本日の予約はありません")

    await page.click("#logout")
    await expect(page.locator("#login-form")).to_be_visible()


async def test_operator_is_refused_with_a_page_to_switch_account(create_server: Any, pages: Pages) -> None:
    server = create_server()
    operator = await server.add_staff("operator", ("city-hall",))
    page = await pages.page(await pages.context(LANDSCAPE))
    await page.goto(f"{server.base_url}/guide/city-hall")
    await page.fill("#login-id", operator["login"])
    await page.fill("#login-password", operator["password"])
    await page.click("#login-submit")
    await expect(page.locator(".login-refused")).to_contain_text("総合案内・責任者・管理者")


async def test_guide_issues_with_priority_and_the_visitors_language(create_server: Any, pages: Pages) -> None:
    server = create_server()
    guide = await pages.guide(server)

    await guide.click("#priority")
    await guide.click("[data-visitor-lang=en]")
    await guide.click(".g-service[data-service=pickup]")
    result = guide.locator("#issue-result")
    await expect(result).to_contain_text("P001 を優先で発券しました（カード交付）")
    row = guide.locator(".g-ticket[data-number=P001]")
    await expect(row.locator(".g-badge")).to_have_text("優先")
    await expect(row.locator(".g-meta")).to_contain_text("総合案内")
    await expect(row.locator(".g-meta")).to_contain_text("English")
    # the flag and the language never carry over to the next visitor
    await expect(guide.locator("#priority")).to_have_attribute("aria-pressed", "false")
    await expect(guide.locator("[data-visitor-lang=ja]")).to_have_attribute("aria-pressed", "true")

    await guide.click(".g-service[data-service=pickup]")
    await expect(result).to_contain_text("P002 を発券しました（カード交付）")
    staff = await server.login("admin")
    tickets = {t["number"]: t for t in (await staff.get("/api/v1/sites/city-hall/tickets")).json()}
    assert (tickets["P001"]["priority"], tickets["P001"]["lang"], tickets["P001"]["channel"]) == (True, "en", "guide")
    assert (tickets["P002"]["priority"], tickets["P002"]["lang"]) == (False, "ja")
    # priority first: the list shows the order the counters will call
    await expect(guide.locator("[data-service=pickup] .g-num")).to_have_text(["P001", "P002"])


async def test_reprint_and_cancel_from_the_queue(create_server: Any, pages: Pages) -> None:
    server = create_server()
    guide = await pages.guide(server)
    kiosk = await pages.kiosk(server)
    await issue_on_kiosk(kiosk, "e-cert")

    row = guide.locator(".g-ticket[data-number=E001]")
    await row.get_by_role("button", name="再印刷").click()
    await expect(guide.locator("#issue-result")).to_contain_text("E001 を再印刷します")

    await row.get_by_role("button", name="取消").click()
    dialog = guide.locator("#confirm")
    await expect(dialog).to_contain_text("E001（電子証明書（発行・失効・更新））を取り消しますか？")
    await dialog.get_by_role("button", name="取り消す").click()
    await expect(guide.locator("#issue-result")).to_have_text("E001 を取り消しました")
    await expect(row).to_be_hidden()
    await expect(kiosk.locator(".svc[data-service=e-cert] .svc-waiting")).to_have_text("0人待ち")


async def first_of_two_missed(server: LiveServer, counter: str) -> httpx.AsyncClient:
    """P001 and P002 of カード交付 issued; ``counter`` called P001, who did not come (a no-show). Its operator."""
    kiosk = await server.device("kiosk")
    for _ in range(2):
        await issue(kiosk, "pickup")
    operator = await server.login("operator", ("city-hall",))
    await open_counter(operator, counter, "pickup")
    called = (await operator.post(f"/api/v1/counters/{counter}/call-next")).json()
    assert (await operator.post(f"/api/v1/tickets/{called['id']}/no-show")).status_code == 200
    return operator


async def test_a_no_show_who_comes_back_is_reinstated_at_reception(create_server: Any, pages: Pages) -> None:
    """The visitor page sent the visitor who missed the call to reception; the guide puts the ticket back in line."""
    server = create_server()
    guide = await pages.guide(server)
    operator = await first_of_two_missed(server, "ch-booth-1")

    row = guide.locator(".g-noshow[data-number=P001]")
    await expect(guide.locator("#no-shows-box")).to_be_visible()
    await expect(row.locator(".g-meta")).to_have_text("カード交付 · 10:00 不在（1番窓口）")
    await expect(guide.locator("[data-service=pickup] .g-svc-count")).to_contain_text("1人待ち")
    await row.get_by_role("button", name="待ち列に戻す").click()
    await expect(guide.locator("#issue-result")).to_have_text("P001 を待ち列に戻しました（元の順番）")
    await expect(guide.locator("#no-shows-box")).to_be_hidden()
    # waiting again, at its old place ahead of P002, and counted in the wait
    await expect(guide.locator("[data-service=pickup] .g-num")).to_have_text(["P001", "P002"])
    await expect(guide.locator("[data-service=pickup] .g-svc-count")).to_contain_text("2人待ち")
    staff = await server.login("admin")
    status = {t["number"]: t["status"] for t in (await staff.get("/api/v1/sites/city-hall/tickets")).json()}
    assert status == {"P001": "waiting", "P002": "waiting"}
    again = (await operator.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert again["number"] == "P001"


async def test_the_servers_clock_and_english_counter_names(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    """The top bar shows the server's time of day in Tokyo (a training clock's own time, not the PC's); in English
    the counters are named in English where the console shows them (calls, no-shows)."""
    server = create_server()  # the server's clock: 24 November 2026, 10:00 in Tokyo

    async def far_off_pc_clock(page: Page) -> None:
        await page.clock.set_fixed_time(datetime.fromisoformat("2026-11-24T03:33:00+09:00"))

    guide = await pages.guide(server, before=far_off_pc_clock)
    await expect(guide.locator("#clock")).to_have_text(re.compile(r"^10:0\d$"))
    await expect(guide.locator("#business-date")).not_to_be_empty()
    operator = await first_of_two_missed(server, "ch-booth-3")
    await operator.post("/api/v1/counters/ch-booth-3/call-next")  # P002

    await expect(guide.locator("#calling .g-call")).to_have_text(["P002→3番窓口"])
    await expect(guide.locator(".g-noshow[data-number=P001] .g-meta")).to_contain_text("（3番窓口）")
    await guide.click("[data-staff-lang=en]")
    await expect(guide.locator("#calling .g-call")).to_have_text(["P002→Counter 3"])
    await expect(guide.locator(".g-noshow[data-number=P001] .g-meta")).to_contain_text("(Counter 3)")
    await expect(guide.locator("#clock")).to_have_text(re.compile(r"^10:0\d$"))
    await guide.screenshot(path=str(destination(tmp_path, "guide-en.png")))


async def test_check_in_by_code_says_when_there_is_no_such_reservation(create_server: Any, pages: Pages) -> None:
    guide = await pages.guide(create_server())
    await guide.fill("#checkin-code", "abcd2345")
    await guide.click("#checkin-form button[type=submit]")
    await expect(guide.locator("#checkin-result")).to_contain_text("この予約番号は見つかりませんでした")


RESERVATIONS = [
    {"code": "QW7K2M", "service": "pickup", "start": "10:00", "end": "10:30", "name": "ヤマダ タロウ",
     "phone": "092-555-1234", "status": "booked"},
    {"code": "ZX3P9R", "service": "application", "start": "10:30", "end": "11:00", "name": "グエン ヴァン アン",
     "phone": "090-1111-5678", "status": "checked_in"},
]  # fmt: skip


async def test_reservations_list_search_and_check_in(create_server: Any, pages: Pages) -> None:
    """The search over fixed test data (GET /api/v1/reservations answered by the test); live data: test_phone.py."""
    server = create_server()
    asked: list[str] = []

    async def reservations(route: Route) -> None:
        asked.append(route.request.url)
        await route.fulfill(status=200, content_type="application/json", body=json.dumps(RESERVATIONS))

    async def before(page: Page) -> None:
        await page.route("**/api/v1/reservations?*", reservations)

    guide = await pages.guide(server, before=before)
    rows = guide.locator(".g-res")
    await expect(rows).to_have_count(2)
    assert asked and "site=city-hall" in asked[0] and "date=2026-11-24" in asked[0]
    await expect(rows.first).to_contain_text("…1234")  # the phone's last digits only

    search = guide.locator("#reservation-search")
    for query, code in (("やまだ", "QW7K2M"), ("5678", "ZX3P9R"), ("qw7", "QW7K2M"), ("ｸﾞｴﾝ", "ZX3P9R")):
        await search.fill(query)
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_have_attribute("data-code", code)
    await search.fill("どなたでもない")
    await expect(guide.locator("#reservations")).to_contain_text("該当する予約はありません")

    await search.fill("")
    await guide.locator(".g-res[data-code=QW7K2M]").get_by_role("button", name="受付").click()
    await expect(guide.locator("#checkin-result")).to_contain_text("この予約番号は見つかりませんでした")


@pytest.fixture
async def paperless_printer() -> Any:
    printer = await FakePrinter().start()
    printer.set_paper(out=True)
    yield printer
    await printer.stop()


async def test_printer_out_of_paper_is_a_clear_alert(
    create_server: Any, config: Config, pages: Pages, paperless_printer: FakePrinter
) -> None:
    printers = (
        Printer(
            id="p1", name="1F 発券機プリンター", name_en="1F kiosk printer", uri=paperless_printer.uri + "?timeout=0.5"
        ),
    )
    sites = tuple(msgspec.structs.replace(s, printers=printers) if s.id == "city-hall" else s for s in config.sites)
    server = create_server(config=msgspec.structs.replace(config, sites=sites), print_workers=True)
    guide = await pages.guide(server)
    await issue(await server.device("kiosk"), "pickup")  # the printer is asked for its status before printing

    alert = guide.locator(".g-alert[data-alert=printer-p1]")
    await expect(alert).to_have_text("用紙切れ：1F 発券機プリンター。ロール紙を補充してください")
    await expect(guide.locator(".g-printer[data-printer=p1] .g-state")).to_have_text("用紙切れ")

    await expect(guide.locator(".staff-role")).to_have_text("(総合案内)")

    await guide.click("[data-staff-lang=en]")
    await expect(alert).to_have_text("Out of paper: 1F kiosk printer. Load a new roll")  # the printer's name_en
    await expect(guide.locator(".g-printer[data-printer=p1] .g-printer-name")).to_have_text("1F kiosk printer")
    await expect(guide.locator("#issue-title")).to_have_text("Issue a ticket")
    await expect(guide.locator(".staff-role")).to_have_text("(reception)")  # the brackets once, in either language


async def test_a_manager_posts_a_notice_that_the_kiosk_shows_and_takes_it_down(
    create_server: Any, pages: Pages
) -> None:
    server = create_server()
    manager = await pages.guide(server, role="manager")
    kiosk = await pages.kiosk(server)
    await expect(manager.locator("#notices .g-empty")).to_have_text("掲示中のお知らせはありません")

    await manager.fill("#notice-text", "マイナ保険証の登録はこちらの窓口です")
    await manager.fill("#notice-text-en", "Health insurance registration at this counter")
    await manager.click("#notice-form button[type=submit]")
    await expect(manager.locator("#notice-result")).to_have_text("お知らせを掲示しました")
    await expect(manager.locator("#notices .g-notice-text")).to_have_text(["マイナ保険証の登録はこちらの窓口です"])
    await expect(kiosk.locator("#notices-list li")).to_have_text(["マイナ保険証の登録はこちらの窓口です"])

    await manager.click("#notices .g-notice button")
    await expect(manager.locator("#notices .g-empty")).to_be_visible()
    await expect(kiosk.locator("#notices")).to_be_hidden()


async def test_the_notice_panel_is_for_managers_only(create_server: Any, pages: Pages) -> None:
    server = create_server()
    guide = await pages.guide(server)
    await expect(guide.locator("#notice-form")).to_have_count(0)
