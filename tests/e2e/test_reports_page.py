"""The reports page (/reports) in a real browser: a manager picks a month and sees the totals of what the test
did, downloads the CSV and opens the printable report; a manager of Tsuyazaki only is offered Tsuyazaki only;
the page at 1920×1080 and 1366×768 (``MADOGUCHI_SCREENSHOTS=1`` writes the pictures of docs/REPORTS.md to
docs/screens, as tests/e2e/test_screens.py explains).

The server's clock starts on Tuesday 24 November 2026, 10:00 (令和8年).
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import LANDSCAPE, SITE, Pages
from tests.e2e.test_screens import destination

LAPTOP = {"width": 1366, "height": 768}


async def open_reports(
    pages: Pages, server: LiveServer, sites: tuple[str, ...] = (), viewport: dict[str, int] = LANDSCAPE
) -> Page:
    """/reports signed in through its own form as a new manager of ``sites`` (none: every site)."""
    credentials = await server.add_staff("manager", sites)
    page = await pages.page(await pages.context(viewport))
    response = await page.goto(f"{server.base_url}/reports")
    assert response is not None and response.status == 401
    await page.fill("#login-id", credentials["login"])
    await page.fill("#login-password", credentials["password"])
    await page.click("#login-submit")
    await expect(page.locator("body.reports[data-ready=true]")).to_be_attached()
    return page


async def serve_next(server: LiveServer, staff: httpx.AsyncClient, counter: str, minutes: int) -> None:
    """Call the next ticket at ``counter``, serve it for ``minutes`` and complete it."""
    r = await staff.post(f"/api/v1/counters/{counter}/call-next")
    assert r.status_code == 200, r.text
    ticket = r.json()
    for action, body in (("start", None), ("complete", {"outcome": "completed"})):
        if action == "complete":
            server.clock.advance(timedelta(minutes=minutes))
        r = await staff.post(f"/api/v1/tickets/{ticket['id']}/{action}", json=body)
        assert r.status_code == 200, r.text


def figure(page: Page, key: str) -> Any:
    return page.locator(f".r-figures [data-figure={key}] .r-value")


async def test_a_manager_picks_a_month_sees_its_totals_and_downloads_the_csv(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    server = create_server()
    kiosk = await server.device("kiosk", SITE)
    for _ in range(3):
        await issue(kiosk, "pickup")
    admin = await server.login("admin")
    await open_counter(admin, "ch-booth-1", "pickup")
    server.clock.advance(timedelta(minutes=12))
    for _ in range(2):
        await serve_next(server, admin, "ch-booth-1", 8)

    page = await open_reports(pages, server)
    await expect(page.locator("#report-title")).to_have_text("令和8年11月24日 日報")  # today's, at first
    await expect(page.locator("#date-wareki")).to_have_text("令和8年11月24日")
    await page.fill("#date", "2019-05-01")
    await expect(page.locator("#date-wareki")).to_have_text("令和元年5月1日")

    await page.click(".r-kind:has(input[value=monthly])")
    await expect(page.locator("#date")).to_be_hidden()
    await page.select_option("#month", "2026-11")
    await expect(page.locator("#month option:checked")).to_have_text("2026年11月（令和8年11月）")
    await page.click("#show")
    await expect(page.locator("#report-title")).to_have_text("令和8年11月分 月報")
    assert page.url.endswith("/reports?kind=monthly&site=all&month=2026-11"), page.url
    await expect(figure(page, "issued")).to_have_text("3")
    await expect(figure(page, "served")).to_have_text("2")
    await expect(page.locator(".r-meta")).to_contain_text("2026-11-24 まで集計")
    await expect(page.locator(".r-chart svg")).to_have_count(4)  # per hour and per day: tickets and waits
    services = page.locator(".r-table[data-table=業務別] tr.total")
    await expect(services.locator("td").first).to_have_text("3")

    async with page.expect_download() as started:
        await page.click("#download-csv")
    download = await started.value
    assert download.suggested_filename == "report-monthly-all-2026-11.csv"
    data = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert data.startswith(b"\xef\xbb\xbf"), "Excel in Japan needs the BOM"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["令和8年11月分 月報", "全拠点"]
    header = rows.index(["【業務別】"]) + 1
    total = dict(zip(rows[header], next(r for r in rows[header:] if r[0] == "合計"), strict=False))
    assert (total["発券数"], total["対応済"]) == ("3", "2")

    async with page.context.expect_page() as opened:
        await page.click("#download-html")
    printed = await opened.value
    await expect(printed.locator("h1")).to_have_text("令和8年11月分 月報")

    # what is due: today is the deadline of Friday's daily report, a click shows it
    due = page.locator("#due .r-due-item[data-kind=daily][data-site=city-hall][data-period='2026-11-20']")
    await expect(due.locator(".r-due-state")).to_have_text("今日が期限")
    await due.locator("a").click()
    await expect(page.locator("#report-title")).to_have_text("令和8年11月20日 日報")
    await expect(page.locator(".r-site-name")).to_have_text("福津市役所")
    await expect(figure(page, "issued")).to_have_text("0")
    await expect(due.locator("a")).to_have_attribute("aria-current", "page")  # the report on screen

    await page.click("[data-staff-lang=en]")
    await expect(page.locator("#show")).to_have_text("Show")
    await expect(page.locator("#due-title")).to_have_text("Reports due")
    await expect(page.locator("#report-title")).to_have_text("令和8年11月20日 日報"), "the report stays Japanese"


async def test_a_manager_of_tsuyazaki_cannot_pick_city_hall(create_server: Any, pages: Pages) -> None:
    server = create_server()
    kiosk = await server.device("kiosk", SITE)
    await issue(kiosk, "pickup")
    page = await open_reports(pages, server, sites=("tsuyazaki",))
    await expect(page.locator("#site option")).to_have_count(2)
    assert await page.locator("#site option").evaluate_all("(options) => options.map((o) => o.value)") == [
        "all",
        "tsuyazaki",
    ]
    await expect(page.locator(".r-site-name")).to_have_text("津屋崎行政センター")
    await expect(figure(page, "issued")).to_have_text("0"), "City Hall's ticket is not in this manager's 'all'"
    await expect(page.locator("#due .r-due-item").first).to_be_visible()
    assert set(await page.locator("#due .r-due-item").evaluate_all("(items) => items.map((i) => i.dataset.site)")) == {
        "tsuyazaki"
    }

    response = await page.goto(f"{server.base_url}/reports?kind=daily&site={SITE}&date=2026-11-24")
    assert response is not None and response.status == 403
    await expect(page.locator("#problem")).to_be_visible()
    await expect(page.locator("#report")).to_have_count(0)
    await expect(page.locator("#site")).to_have_value("all")


# ---- the pictures ------------------------------------------------------------------------------------


async def busy_weekdays(server: LiveServer) -> None:
    """Six business days of November 2026 at City Hall (16-20 and 24), busier in the morning; most served."""
    per_hour = [6, 8, 5, 3, 4, 5, 3, 2]  # 9時台 to 16時台
    for n, day in enumerate([16, 17, 18, 19, 20, 24]):
        server.clock.set(datetime.fromisoformat(f"2026-11-{day}T08:45:00+09:00"))
        admin = await server.login("admin")
        operator = await server.login("operator", (SITE,))
        kiosk = await server.device("kiosk", SITE)
        await open_counter(admin, "ch-booth-1", "pickup")
        await open_counter(operator, "ch-booth-2", "application")
        last = 2 if day == 24 else len(per_hour)  # today: up to 10時台
        for hour, count in enumerate(per_hour[:last], start=9):
            server.clock.set(datetime.fromisoformat(f"2026-11-{day}T{hour:02d}:05:00+09:00"))
            pickups, applications = count + n % 3, count // 2 + 1
            for service in ["pickup"] * pickups + ["application"] * applications:
                await issue(kiosk, service)
            server.clock.advance(timedelta(minutes=10 + 3 * (count % 4)))
            for _ in range(pickups - 1):  # one more waits each hour: waits grow through the day
                await serve_next(server, admin, "ch-booth-1", 4)
            for _ in range(applications):
                await serve_next(server, operator, "ch-booth-2", 3)
    server.clock.set(datetime.fromisoformat("2026-11-24T11:20:00+09:00"))


async def test_the_reports_page_at_1920_and_1366(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server(at=datetime.fromisoformat("2026-11-16T08:30:00+09:00"))
    await busy_weekdays(server)
    for viewport, kind, name in ((LANDSCAPE, "monthly&month=2026-11", "reports.png"),
                                 (LAPTOP, "daily&date=2026-11-20", "reports-1366.png")):  # fmt: skip
        page = await open_reports(pages, server, viewport=viewport)
        await page.goto(f"{server.base_url}/reports?site={SITE}&kind={kind}")
        await expect(page.locator("body.reports[data-ready=true]")).to_be_attached()
        await expect(page.locator("#due .r-due-item").first).to_be_visible()
        await expect(page.locator(".r-chart svg").first).to_be_visible()
        wide = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{name}: the page scrolls sideways by {wide}px (wide tables scroll in their own box)"
        await page.screenshot(path=str(destination(tmp_path, name)))
