"""The office in a real browser: tally buttons on the guide and phone consoles, and incident reports from the
form to the printed A4 sheet. Also the screenshots of docs/PAGES.md (``MADOGUCHI_SCREENSHOTS=1`` writes them
to docs/screens, as tests/e2e/test_screens.py explains).

The server's clock starts on Tuesday 24 November 2026, 10:00 (令和8年).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from tests.conftest import LiveServer
from tests.e2e.conftest import LANDSCAPE, SITE, Pages
from tests.e2e.test_phone import DESKTOP, PHONE, open_phone
from tests.e2e.test_screens import busy_morning, destination

TALLIES = f"/api/v1/sites/{SITE}/tallies"


def topic(page: Page, topic_id: str) -> Any:
    return page.locator(f"#tally-topics .t-topic[data-topic='{topic_id}']")


async def counts(server: LiveServer) -> dict[str, Any]:
    staff = await server.login("admin")
    r = await staff.get(TALLIES)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["counts"]
    return data


async def open_incidents(pages: Pages, server: LiveServer, role: str, viewport: dict[str, int] = LANDSCAPE) -> Page:
    """/incidents signed in through its own form as a new account of ``role`` at City Hall."""
    credentials = await server.add_staff(role, (SITE,))
    page = await pages.page(await pages.context(viewport))
    response = await page.goto(f"{server.base_url}/incidents")
    assert response is not None and response.status == 401
    await page.fill("#login-id", credentials["login"])
    await page.fill("#login-password", credentials["password"])
    await page.click("#login-submit")
    await expect(page.locator("body.incidents[data-ready=true]")).to_be_attached()
    return page


async def fill_report(page: Page, *, category: str, title: str, description: str, actions: str = "") -> None:
    await page.click(f"#f-category .i-chip[data-category={category}]")
    await page.fill("#f-title", title)
    await page.fill("#f-occurred", "2026-11-24T09:40")
    await page.fill("#f-description", description)
    await page.fill("#f-actions", actions)
    await page.fill("#f-follow-up", "毎朝、開庁前に用紙の残りを確認する。")


async def confirm(page: Page) -> None:
    await expect(page.locator("#confirm")).to_be_visible()
    await page.click("#confirm-yes")


# ---- tallies -----------------------------------------------------------------------------------------


async def test_a_guide_counts_a_directed_visitor_and_the_other_console_sees_it(
    create_server: Any, pages: Pages
) -> None:
    server = create_server()
    guide = await pages.guide(server)
    other = await pages.guide(server)
    for page in (guide, other):
        await expect(topic(page, "documents")).to_contain_text("必要書類")
        await expect(topic(page, "documents").locator(".t-count")).to_have_text("0")

    await topic(guide, "documents").click()
    await expect(topic(guide, "documents").locator(".t-count")).to_have_text("1")
    await expect(topic(other, "documents").locator(".t-count")).to_have_text("1")
    await expect(guide.locator("#tally-total")).to_have_text("計 1件")
    await expect(guide.locator("#tally-undo")).to_have_text("取り消す：必要書類（案内のみ）")
    assert (await counts(server))["guide"]["documents"] == 1

    await guide.click("#tally-undo")
    await expect(topic(other, "documents").locator(".t-count")).to_have_text("0")
    await expect(guide.locator("#tally-result")).to_contain_text("1件取り消しました")
    await expect(guide.locator("#tally-undo")).to_be_disabled()

    # a call taken at the desk: the phone switch, then the topic
    await guide.click("#tally-kinds .t-kind[data-kind=phone]")
    await topic(guide, "reservation").click()
    await expect(topic(guide, "reservation").locator(".t-count")).to_have_text("1")
    await expect(topic(other, "reservation").locator(".t-count")).to_have_text("0"), "the other console shows 案内のみ"
    assert (await counts(server))["phone"]["reservation"] == 1
    assert (await counts(server))["guide"]["documents"] == 0


async def test_the_phone_console_counts_every_call_for_the_chosen_site(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await open_phone(pages, server, viewport=PHONE)
    await page.click("#tab-tally")
    await expect(page.locator("#tally-site")).to_have_text("福津市役所")
    await expect(page.locator("#tally-topics .t-topic")).to_have_count(7)
    for _ in range(2):
        await topic(page, "hours-place").click()
        await expect(page.locator("#tally-result")).to_contain_text("受付時間・場所（電話）を記録しました")
    await expect(topic(page, "hours-place").locator(".t-count")).to_have_text("2")
    assert (await counts(server))["phone"]["hours-place"] == 2
    # a count made elsewhere (the guide console) shows at once
    guide = await server.login("guide", (SITE,))
    r = await guide.post(TALLIES, json={"kind": "phone", "topic": "e-cert"})
    assert r.status_code == 200, r.text
    await expect(topic(page, "e-cert").locator(".t-count")).to_have_text("1")
    await expect(page.locator("#tally-total")).to_have_text("計 3件")


# ---- incidents ---------------------------------------------------------------------------------------


async def test_a_guide_records_a_report_with_the_privacy_warning_in_sight(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await open_incidents(pages, server, "guide")
    await expect(page.locator("#privacy")).to_contain_text("個人情報")
    await expect(page.locator("#privacy")).to_be_in_viewport()
    await page.click("#f-submit")
    await expect(page.locator("#f-result")).to_contain_text("「件名」を入力してください")
    await fill_report(
        page, category="complaint", title="待ち時間への苦情", description="待ち時間が長いとの苦情があった。"
    )
    await page.click("#f-submit")
    await expect(page.locator("#f-result")).to_contain_text("報告 2026-0001 を記録しました")
    await expect(page.locator("#rows .i-row")).to_have_count(1)
    await expect(page.locator("#rows .i-row .i-status")).to_have_text("未報告")
    await expect(page.locator("#rows [data-action]")).to_have_count(0), "only managers edit, move and print"
    admin = await server.login("admin")
    stored = (await admin.get("/api/v1/incidents/city-hall.2026-0001")).json()
    assert (stored["category"], stored["title"], stored["occurred_at"]) == (
        "complaint", "待ち時間への苦情", "2026-11-24T09:40:00+09:00",
    )  # fmt: skip


async def test_a_report_is_recorded_reported_closed_and_printed(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    server = create_server()
    page = await open_incidents(pages, server, "manager")
    await fill_report(
        page,
        category="trouble",
        title="発券機の紙詰まり",
        description="9時40分ごろ、1階の発券機で番号札が詰まり、約10分間発券できなかった。\n待っていた来庁者3名には総合案内で番号札を発券した。",
        actions="ロール紙をセットし直し、試し印刷で直ったことを確かめた。",
    )
    await page.click("#f-submit")
    row = page.locator(".i-row[data-id='city-hall.2026-0001']")
    await expect(row.locator(".i-status")).to_have_text("未報告")
    await expect(row.locator(".i-meta")).to_contain_text("11月24日(火) 9:40")

    await row.locator("[data-action=reported]").click()
    await confirm(page)
    await expect(row.locator(".i-status")).to_have_text("報告済み")
    await row.locator("[data-action=edit]").click()
    await expect(page.locator("#form-title")).to_have_text("報告 2026-0001 を編集")
    await page.fill("#f-follow-up", "毎朝、開庁前に用紙の残りを確認する。予備のロール紙を発券機の横に置く。")
    await page.click("#f-submit")
    await expect(page.locator("#f-result")).to_contain_text("報告 2026-0001 を保存しました")
    await page.screenshot(path=str(destination(tmp_path, "incidents.png")))

    async with page.context.expect_page() as opened:
        await row.locator("[data-action=print]").click()
    form = await opened.value
    await expect(form.locator("body[data-ready=true]")).to_be_attached()
    await expect(form.locator(".pf-title")).to_have_text("トラブル報告書")
    await expect(form.locator(".pf-number")).to_have_text("2026-0001")
    await expect(form.locator(".pf-city")).to_have_text("福津市 マイナンバーカード窓口")
    await expect(form.locator("time").nth(1)).to_have_text("令和8年11月24日(火) 9時40分")
    await expect(form.locator(".pf-stamps th")).to_have_text(["責任者", "確認"])
    await expect(form.locator(".pf-status")).to_have_text("報告済み")
    await expect(form.locator(".pf-text-main td")).to_contain_text("総合案内で番号札を発券した")
    await form.emulate_media(media="print")
    await expect(form.locator(".pf-toolbar")).to_be_hidden()
    pdf = destination(tmp_path, "incident-form.pdf")
    await form.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    await _pdf_to_png(pdf, destination(tmp_path, "incident-form.png"), form)
    pdf.unlink()

    await row.locator("[data-action=closed]").click()
    await confirm(page)
    await expect(row.locator(".i-status")).to_have_text("完了")
    await expect(row.locator("[data-action=edit]")).to_have_count(0), "a closed report is final"
    await page.select_option("#q-status", "open")
    await page.click("#filters button[type=submit]")
    await expect(page.locator("#rows .i-empty")).to_have_text("この条件の報告はありません")


async def _pdf_to_png(pdf: Path, png: Path, form: Page) -> None:
    """The first page of the PDF as an image (pdftoppm), or the sheet as chromium prints it when there is none."""
    if shutil.which("pdftoppm"):
        args = ["-png", "-r", "80", "-singlefile", str(pdf), str(png.with_suffix(""))]
        converted = await asyncio.create_subprocess_exec("pdftoppm", *args)
        assert await converted.wait() == 0
    else:
        await form.screenshot(path=str(png), full_page=True)


# ---- screenshots ---------------------------------------------------------------------------------------


async def test_tally_screens(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server(print_workers=True)
    await busy_morning(server)
    guide_staff = await server.login("guide", (SITE,))
    for kind, topic_id, n in (("guide", "documents", 4), ("guide", "hours-place", 6), ("guide", "pickup", 2),
                              ("phone", "reservation", 5), ("phone", "documents", 3)):  # fmt: skip
        for _ in range(n):
            assert (await guide_staff.post(TALLIES, json={"kind": kind, "topic": topic_id})).status_code == 200
    guide = await pages.guide(server, role="manager", viewport=LANDSCAPE)
    await expect(topic(guide, "hours-place").locator(".t-count")).to_have_text("6")
    await topic(guide, "how-to-apply").click()
    await expect(topic(guide, "how-to-apply").locator(".t-count")).to_have_text("1")
    width = await guide.evaluate("document.scrollingElement.scrollWidth")
    assert width <= LANDSCAPE["width"], "the console never scrolls sideways"
    await guide.screenshot(path=str(destination(tmp_path, "guide-tally.png")))

    phone = await open_phone(pages, server, viewport=PHONE)
    await phone.click("#tab-tally")
    await topic(phone, "reservation").click()
    await expect(topic(phone, "reservation").locator(".t-count")).to_have_text("6")
    await phone.screenshot(path=str(destination(tmp_path, "phone-tally.png")))
    desktop = await open_phone(pages, server, viewport=DESKTOP)
    await expect(topic(desktop, "documents").locator(".t-count")).to_have_text("3")
    await desktop.screenshot(path=str(destination(tmp_path, "phone-tally-desktop.png")))
