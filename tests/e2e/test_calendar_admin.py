"""The admin calendar in a real browser: an admin adds an outreach event for next week with its venue through the
form, the month grid shows it as an override, and the kiosk of that venue opens on that day with the venue's name.
Also the screenshots of docs/CALENDAR.md at 1920×1080 and 1366×768 (``MADOGUCHI_SCREENSHOTS=1`` writes them to
docs/screens, as tests/e2e/test_screens.py explains), each checked to fit the screen's width.

The server's clock starts on Tuesday 24 November 2026, 10:00.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from server.auth.principals import DeviceKind
from tests.conftest import LiveServer
from tests.e2e.conftest import LANDSCAPE, PORTRAIT, Pages
from tests.e2e.test_screens import destination

SMALL = {"width": 1366, "height": 768}
HOSPITAL = "outreach-hospital"
VENUE = "福津中央病院"


async def open_calendar(pages: Pages, server: LiveServer, viewport: dict[str, int] = LANDSCAPE) -> Page:
    """/admin/calendar in a browser of its own, signed in through its form as a new admin."""
    credentials = await server.add_staff("admin")
    page = await pages.page(await pages.context(viewport))
    response = await page.goto(f"{server.base_url}/admin/calendar")
    assert response is not None and response.status == 401
    await page.fill("#login-id", credentials["login"])
    await page.fill("#login-password", credentials["password"])
    await page.click("#login-submit")
    await expect(page.locator("body.calendar[data-ready=true]")).to_be_attached()
    return page


async def open_device(pages: Pages, server: LiveServer, site: str, kind: DeviceKind = DeviceKind.KIOSK) -> Page:
    """The kiosk (or board) page of a PC of ``site``, paired by its device cookie."""
    created = await server.call(server.runtime.accounts.add_device(site, kind, f"e2e {kind.value}"))
    device = await server.call(server.runtime.accounts.device_by_token(created["token"]))
    context = await pages.context(PORTRAIT if kind is DeviceKind.KIOSK else LANDSCAPE)
    await context.add_cookies(
        [
            {"name": "madoguchi_device", "value": created["token"], "url": server.base_url},
            {"name": "madoguchi_csrf", "value": device.csrf, "url": server.base_url},
        ]
    )
    page = await pages.page(context)
    await page.goto(f"{server.base_url}/{kind.value}/{site}")
    await expect(page.locator("body[data-ready=true]")).to_be_attached()
    return page


async def test_an_admin_adds_an_outreach_event_and_the_kiosk_opens_there_with_the_venue(
    create_server: Any, pages: Pages
) -> None:
    server = create_server()
    page = await open_calendar(pages, server)
    await expect(page.locator("#month-title")).to_have_text("2026年11月")
    await expect(page.locator("#month-wareki")).to_have_text("令和8年11月")
    hospital = page.locator(f"#grid-sites tr[data-site={HOSPITAL}]")
    await expect(hospital.locator("td[data-date='2026-11-24']")).to_have_attribute("data-kind", "closed")

    await page.click("#add")
    await expect(page.locator("#editor")).to_be_visible()
    await page.check("input[name=kind][value=outreach]")
    await page.select_option("#f-site", HOSPITAL)
    await page.fill("#f-date", "2026-12-01")
    await page.fill("#f-opens", "10:00")
    await page.fill("#f-closes", "09:00")  # a mistake: the API's checks say so under the form
    await page.fill("#f-venue", VENUE)
    await page.fill("#f-address", "福津市中央3丁目1番1号")
    await page.click("#save")
    await expect(page.locator("#editor-problems")).to_contain_text("closes_at: closes at 09:00 but opens at 10:00")
    await expect(page.locator("#editor")).to_be_visible()

    await page.fill("#f-closes", "15:00")
    await page.click("#save")
    await expect(page.locator("#editor")).to_be_hidden()
    await expect(page.locator("#message")).to_contain_text("追加しました")
    await expect(page.locator("body[data-loaded='2026-12']")).to_be_attached()
    day = hospital.locator("td[data-date='2026-12-01']")
    await expect(day).to_have_attribute("data-kind", "outreach")
    await expect(day).to_have_attribute("data-override", "true")
    row = page.locator(f"#days tr[data-site={HOSPITAL}][data-date='2026-12-01']")
    await expect(row).to_contain_text(f"会場：{VENUE}")
    await expect(row).to_contain_text("10:00–15:00")
    await expect(row).to_contain_text("上書き")

    server.clock.set(datetime.fromisoformat("2026-12-01T10:30:00+09:00"))
    kiosk = await open_device(pages, server, HOSPITAL)
    await expect(kiosk.locator("#site-name")).to_have_text(f"出張申請会場：{VENUE}")
    await expect(kiosk.locator(".svc[data-service=outreach-application]")).to_be_visible()
    await kiosk.click(".k-lang[data-lang=en]")
    await expect(kiosk.locator("#site-local")).to_have_text(f"Outreach desk: {VENUE}")

    board = await open_device(pages, server, HOSPITAL, DeviceKind.BOARD)
    await expect(board.locator("#site-name")).to_have_text(f"出張申請会場：{VENUE}")
    await expect(board.locator("#site-name-en")).to_have_text(f"Outreach desk: {VENUE}")
    await kiosk.click(".svc[data-service=outreach-application]")
    await expect(kiosk.locator("#ticket-number")).to_have_text("S001")
    token = str(await kiosk.locator("#ticket-qr").get_attribute("src")).split("/by-token/")[1].split("/")[0]
    visitor = await pages.page(await pages.context({"width": 390, "height": 844}))
    await visitor.goto(f"{server.base_url}/t/{token}")
    await expect(visitor.locator("#site")).to_have_text(f"Outreach desk: {VENUE}")  # the ticket's language
    await visitor.click(".v-lang[data-lang=ja]")
    await expect(visitor.locator("#site")).to_have_text(f"出張申請会場：{VENUE}")


async def test_a_change_elsewhere_shows_at_once_and_an_override_is_removed_from_its_day(
    create_server: Any, pages: Pages
) -> None:
    server = create_server()
    page = await open_calendar(pages, server)
    admin = await server.login("admin")
    closure = {"kind": "closure", "site": "tsuyazaki", "date": "2026-11-26", "note": "設備点検のため"}
    added = await admin.post("/api/v1/calendar/overrides", json=closure)
    assert added.status_code == 201, added.text
    day = page.locator("#grid-sites tr[data-site=tsuyazaki] td[data-date='2026-11-26']")
    await expect(day).to_have_attribute("data-reason", "closure")  # from calendar.changed, without a reload

    await day.locator("button").click()
    await expect(page.locator("#editor-title")).to_have_text("上書きを変更")
    await expect(page.locator("#f-note")).to_have_value("設備点検のため")
    await page.click("#remove")
    await page.click("#remove-sure")
    await expect(page.locator("#editor")).to_be_hidden()
    await expect(page.locator("#message")).to_contain_text("設定ファイルの日に戻りました")
    await expect(day).to_have_attribute("data-kind", "weekday")
    assert (await admin.get("/api/v1/calendar/overrides")).json() == []


async def test_screenshots_of_the_calendar(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server()
    admin = await server.login("admin")
    for body in (
        {"kind": "outreach", "site": HOSPITAL, "date": "2026-12-01", "opens_at": "10:00", "closes_at": "15:00",
         "venue": VENUE, "address": "福津市中央3丁目1番1号"},
        {"kind": "outreach", "site": "outreach-mall", "date": "2026-12-18", "days": 3, "opens_at": "10:00",
         "closes_at": "17:00", "venue": "イオンモール福津"},
        {"kind": "extra", "site": "city-hall", "date": "2026-12-05", "opens_at": "09:00", "closes_at": "12:00",
         "services": ["pickup", "e-cert"], "note": "臨時土曜開庁"},
        {"kind": "closure", "site": "tsuyazaki", "date": "2026-12-02", "note": "設備点検のため臨時閉庁"},
    ):  # fmt: skip
        r = await admin.post("/api/v1/calendar/overrides", json=body)
        assert r.status_code == 201, r.text
    for viewport, name in ((LANDSCAPE, "admin-calendar.png"), (SMALL, "admin-calendar-1366.png")):
        page = await open_calendar(pages, server, viewport)
        await page.click("#next")
        await expect(page.locator("body[data-loaded='2026-12']")).to_be_attached()
        # the 4 overrides (the mall 3 days), the Sunday opening of 12/13 and the hospital visit of 12/9 in the file
        await expect(page.locator("#days tr")).to_have_count(8)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: the page is {width}px wide"
        await page.screenshot(path=destination(tmp_path, name), full_page=True)
        if viewport is LANDSCAPE:
            await page.locator(f"#grid-sites tr[data-site={HOSPITAL}] td[data-date='2026-12-01'] button").click()
            await expect(page.locator("#f-venue")).to_have_value(VENUE)
            await page.screenshot(path=destination(tmp_path, "admin-calendar-form.png"))

    server.clock.set(datetime.fromisoformat("2026-12-01T10:30:00+09:00"))
    kiosk = await open_device(pages, server, HOSPITAL)
    await expect(kiosk.locator("#site-name")).to_have_text(f"出張申請会場：{VENUE}")
    await kiosk.screenshot(path=destination(tmp_path, "kiosk-venue.png"))
