"""The phone reservation console in a real browser, on the city's reservation smartphones (390×844) and a PC:
two operators booking the same slots live, the last place, read-back, search, move and cancel; then the
kiosk checks the reservation in at its time, the counter calls it ahead of an earlier walk-in and the board
shows the call. Also the kiosk's answers to a reservation that is too early or too late (a walk-in ticket
instead), and screenshots.

Times are the server's (tests start it on Tuesday 24 November 2026, 10:00, and move its clock): City Hall has
6 counters in November, so each slot of a reservable service has 6 places.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.conftest import LiveServer, open_counter
from tests.e2e.conftest import SITE, Pages
from tests.e2e.test_board import open_board
from tests.e2e.test_kiosk import _kiosk_problems
from tests.e2e.test_screens import destination

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
TODAY = "2026-11-24"
TOMORROW = "2026-11-25"


def at(hhmm: str, day: str = TODAY) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+09:00")


async def open_phone(
    pages: Pages,
    server: LiveServer,
    *,
    viewport: dict[str, int] = PHONE,
    role: str = "phone",
    sites: tuple[str, ...] = (SITE,),
) -> Page:
    """The phone console on a smartphone (or a PC), signed in through its own form as a new account."""
    credentials = await server.add_staff(role, sites)
    mobile = viewport["width"] < 600
    context = await pages.browser.new_context(
        viewport=viewport, locale="ja-JP", timezone_id="Asia/Tokyo", is_mobile=mobile, has_touch=mobile
    )
    pages.contexts.append(context)
    page = await pages.page(context)
    response = await page.goto(f"{server.base_url}/phone")
    assert response is not None and response.status == 401
    await page.fill("#login-id", credentials["login"])
    await page.fill("#login-password", credentials["password"])
    await page.click("#login-submit")
    await expect(page.locator("body.phone[data-ready=true]")).to_be_attached()
    await expect(page.locator("body[data-connection=live]")).to_be_attached()
    await expect(page.locator("#slots .p-slot").first).to_be_visible()
    return page


async def choose(page: Page, *, service: str = "pickup", day: str = TODAY) -> None:
    await page.click(f".p-service[data-service={service}]")
    await expect(page.locator(f".p-service[data-service={service}]")).to_have_attribute("aria-pressed", "true")
    await page.click(f".p-date[data-date='{day}']")
    await expect(page.locator("#slots-title")).to_contain_text(day_label(day))
    await expect(page.locator("body[data-slots=ready]")).to_be_attached()


def day_label(day: str) -> str:
    month, dom = (int(x) for x in day.split("-")[1:])
    return f"{month}月{dom}日"


def slot(page: Page, start: str) -> Any:
    return page.locator(f".p-slot[data-start='{start}']")


async def book_on(page: Page, start: str, name: str, phone: str) -> str:
    """Book slot ``start`` of the day on screen; the code the read-back screen shows."""
    await slot(page, start).click()
    await expect(page.locator("#book-dialog")).to_be_visible()
    await page.fill("#book-name", name)
    await page.fill("#book-phone", phone)
    await page.click("#book-submit")
    await expect(page.locator("#readback")).to_be_visible()
    code = await page.locator("#readback-code").get_attribute("data-code")
    assert code
    return code


async def book_by_api(
    staff: httpx.AsyncClient,
    start: str,
    *,
    day: str = TODAY,
    service: str = "pickup",
    name: str = "テスト ハナコ",
    phone: str = "0940-42-1111",
) -> str:
    body = {"site": SITE, "service": service, "date": day, "start": start, "name": name, "phone": phone}
    r = await staff.post("/api/v1/reservations", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


async def test_two_phones_book_live_and_the_last_place_goes_once(create_server: Any, pages: Pages) -> None:
    server = create_server()
    first = await open_phone(pages, server)
    second = await open_phone(pages, server)
    await second.evaluate("window.notReloaded = true")
    for page in (first, second):
        await choose(page, day=TOMORROW)
        await expect(slot(page, "11:00")).to_have_attribute("data-available", "6")

    code = await book_on(first, "11:00", "ふくつ たろう", "０９０-１２３４-５６７８")
    await expect(first.locator("#readback-code")).to_have_text(" ".join(code))
    await expect(first.locator("#readback-title")).to_have_text("予約を受け付けました")
    facts = first.locator("#readback-facts")
    await expect(facts.locator("[data-fact=slot]")).to_have_text("11月25日(水) 11:00〜11:30")
    await expect(facts.locator("[data-fact=name]")).to_have_text("フクツ タロウ")  # hiragana became katakana
    await expect(facts.locator("[data-fact=phone]")).to_have_text("090-1234-5678")
    spelled = first.locator("#readback-spell li")  # how to say each character
    await expect(spelled).to_have_count(len(code))
    await expect(spelled.first.locator(".p-spell-ch")).to_have_text(code[0])
    await expect(spelled.first.locator(".p-spell-word")).not_to_be_empty()
    href = await first.locator("#readback-slip-png").get_attribute("href")
    assert href == f"/api/v1/reservations/{code}/slip?format=png"
    slip = await first.request.get(f"{server.base_url}{href}")  # with the operator's session
    assert slip.status == 200 and slip.headers["content-type"] == "image/png"
    await first.click("#readback-slip-print")
    await expect(first.locator("#readback-slip-message")).to_have_text("予約票の印刷を依頼しました")

    # the other phone sees the place go without a reload
    await expect(slot(second, "11:00")).to_have_attribute("data-available", "5")
    await expect(slot(second, "11:00").locator(".p-slot-left")).to_have_text("残り5")
    assert await second.evaluate("window.notReloaded") is True

    # four more by other means: one place left in the 11:00 slot
    staff = await server.login("phone", (SITE,))
    for _ in range(4):
        await book_by_api(staff, "11:00", day=TOMORROW)
    await expect(slot(second, "11:00")).to_have_attribute("data-available", "1")
    await first.click("#readback-close")
    await expect(slot(first, "11:00")).to_have_attribute("data-available", "1")

    # both operators go for the last place; the second to press "book" is told, and sees the slot full
    await slot(second, "11:00").click()
    await second.fill("#book-name", "ツヤザキ ハナコ")
    await second.fill("#book-phone", "0940-43-2222")
    await book_on(first, "11:00", "ミヤジ ジロウ", "09011112222")
    await expect(slot(second, "11:00")).to_have_attribute("data-state", "full")
    await second.click("#book-submit")
    await expect(second.locator("#book-dialog")).to_be_hidden()
    await expect(second.locator("#slots-message")).to_have_text(
        "この枠はたった今満員になりました。空き状況を更新しましたので、別の枠をお選びください"
    )
    await expect(slot(second, "11:00")).to_be_disabled()
    r = await staff.get("/api/v1/reservations", params={"site": SITE, "date": TOMORROW})
    assert sorted(x["start"] for x in r.json() if x["status"] == "booked") == ["11:00"] * 6


async def test_the_form_says_what_is_wrong_before_booking(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await open_phone(pages, server)
    await choose(page, day=TOMORROW)
    await slot(page, "09:00").click()
    await page.fill("#book-name", "Taro Fukutsu")
    await page.fill("#book-phone", "0940-42")
    await page.click("#book-submit")
    await expect(page.locator("#book-name-error")).to_have_text(
        "お名前は全角カタカナで入力してください（姓と名の間はスペース）"
    )
    await expect(page.locator("#book-phone-error")).to_have_text("電話番号は数字10桁または11桁で入力してください")
    await expect(page.locator("#book-name")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#book-dialog")).to_be_visible()
    await page.fill("#book-name", "ﾌｸﾂ ﾀﾛｳ")  # half-width kana: fine once widened
    await page.fill("#book-phone", "0940421111")
    await page.click("#book-submit")
    await expect(page.locator("#readback [data-fact=name]")).to_have_text("フクツ タロウ")
    await expect(slot(page, "09:00")).to_have_attribute("data-available", "5")


async def test_search_move_and_cancel(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await open_phone(pages, server)
    other = await open_phone(pages, server)
    staff = await server.login("phone", (SITE,))
    code = await book_by_api(staff, "13:00", day=TOMORROW)
    await choose(other, day=TOMORROW)
    await expect(slot(other, "13:00")).to_have_attribute("data-available", "5")

    # found by the last digits of the phone number, opened, moved to 14:30
    await page.click("#tab-search")
    await page.fill("#search-q", "1111")
    await page.press("#search-q", "Enter")
    row = page.locator(f"#search-results .p-row[data-code='{code}']")
    await expect(row).to_contain_text("11月25日(水) 13:00〜13:30")
    await row.click()
    await expect(page.locator("#detail [data-fact=status]")).to_have_text("予約中")
    await page.click("#detail-move")
    await expect(page.locator("#move-banner")).to_contain_text(f"予約 {code}（11月25日(水) 13:00〜13:30）")
    await expect(page.locator("#book")).to_be_visible()
    await expect(slot(page, "13:00")).to_have_attribute("data-state", "current")
    await slot(page, "14:30").click()
    await expect(page.locator("#confirm-text")).to_have_text(
        f"予約 {code} を カード交付 11月25日(水) 14:30〜15:00 に変更しますか？"
    )
    await page.click("#confirm-yes")
    await expect(page.locator("#readback-title")).to_have_text("予約を変更しました")
    await expect(page.locator("#readback [data-fact=slot]")).to_have_text("11月25日(水) 14:30〜15:00")
    await expect(page.locator("#readback-code")).to_have_attribute("data-code", code)  # the same code
    await expect(page.locator("#move-banner")).to_be_hidden()
    await expect(slot(other, "13:00")).to_have_attribute("data-available", "6")  # the old place is free
    await expect(slot(other, "14:30")).to_have_attribute("data-available", "5")
    await page.click("#readback-close")

    # the day's list shows it at its new time; cancelled from there
    await page.click("#tab-list")
    listed = page.locator(f"#day-list .p-row[data-code='{code}']")
    await expect(listed).to_contain_text("14:30–15:00")
    await expect(listed.locator(".p-status")).to_have_text("予約中")
    await listed.click()
    await page.click("#detail-cancel")
    await expect(page.locator("#confirm-text")).to_have_text(
        f"予約 {code}（11月25日(水) 14:30〜15:00）を取り消しますか？"
    )
    await page.click("#confirm-yes")
    await expect(page.locator("#detail-message")).to_have_text(f"予約 {code} を取り消しました")
    await expect(page.locator("#detail [data-fact=status]")).to_have_text("取消済み")
    await expect(page.locator("#detail-move")).to_be_hidden()
    await page.click("#detail-close")
    await expect(listed.locator(".p-status")).to_have_text("取消済み")
    await expect(slot(other, "14:30")).to_have_attribute("data-available", "6")
    r = await staff.get(f"/api/v1/reservations/{code}")
    assert r.json()["status"] == "cancelled"


async def test_kiosk_checks_in_at_the_slot_and_the_counter_calls_it_first(create_server: Any, pages: Pages) -> None:
    server = create_server(at=at("10:00"))
    phone = await open_phone(pages, server)
    await choose(phone, day=TODAY)
    await expect(slot(phone, "10:00")).to_have_count(0)  # started: left out, and said so
    await expect(phone.locator("#slots-past")).to_have_text("受付を終了した枠（4枠）は表示していません")
    due = await book_on(phone, "11:00", "フクツ タロウ", "090-1234-5678")
    await phone.click("#readback-close")
    late = await book_on(phone, "10:30", "ツヤザキ ハナコ", "090-8765-4321")
    await phone.click("#readback-close")
    kiosk = await pages.kiosk(server)

    # 10:00: too early for the 11:00 reservation (check-in opens 30 minutes before)
    await kiosk.keyboard.type(f"{due}\n")  # a scanner reading the slip's QR code: characters, then Enter
    await expect(kiosk.locator("#checkin-message")).to_have_text(
        "予約の受付は 10:30 からです。その時刻になりましたら、もう一度お試しください"
    )
    await kiosk.click("#checkin-back")

    # 10:47: the 10:30 reservation is too late: a walk-in ticket of its service instead
    server.clock.set(at("10:47"))
    await kiosk.click("#checkin-open")
    await kiosk.fill("#checkin-code", late)
    await kiosk.click("#checkin-submit")
    await expect(kiosk.locator("#checkin-message")).to_contain_text("予約の時刻を過ぎているため")
    walk_in = kiosk.locator("#checkin-walkin")
    await expect(walk_in.locator(".e-walkin-title")).to_have_text("通常の番号札を受け取る")
    await expect(walk_in.locator(".e-walkin-service")).to_have_text("カード交付")
    await expect(kiosk.locator("#checkin-submit")).to_be_hidden()
    await walk_in.click()
    await expect(kiosk.locator("#ticket-title")).to_have_text("番号札を発券しました")
    walk_in_number = str(await kiosk.locator("#ticket-number").text_content())
    await kiosk.click("#ticket-close")

    # 10:52: the 11:00 reservation checks in (its slot is due within the early window) and is called first
    server.clock.set(at("10:52"))
    await kiosk.keyboard.type(f"{due}\n")
    await expect(kiosk.locator("#ticket-title")).to_have_text("予約の受付が完了しました")
    number = str(await kiosk.locator("#ticket-number").text_content())
    assert number != walk_in_number
    await expect(kiosk.locator("#ticket-service")).to_have_text("カード交付")
    await phone.click("#tab-list")
    await expect(phone.locator(f"#day-list .p-row[data-code='{due}'] .p-status")).to_have_text("受付済み")

    board = await open_board(pages, server, "?audio=silent")
    operator = await server.login("operator", (SITE,))
    await open_counter(operator, "ch-booth-1", "pickup")
    r = await operator.post("/api/v1/counters/ch-booth-1/call-next")
    assert r.status_code == 200, r.text
    assert r.json()["number"] == number  # ahead of the walk-in issued five minutes earlier
    called = board.locator(f"#calls li[data-number={number}]")
    await expect(called).to_have_attribute("data-newest", "true")
    await expect(called.locator(".b-call-label")).to_have_text("1番窓口")


async def test_an_account_of_two_sites_switches_site_and_follows_the_new_one(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await open_phone(pages, server, sites=(SITE, "tsuyazaki"))
    await page.click(".p-site[data-site=tsuyazaki]")
    await expect(page.locator(".p-site[data-site=tsuyazaki]")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#service .p-service")).to_have_text(["申請受付・申請サポート（写真撮影等）"])
    await choose(page, service="application", day=TOMORROW)
    await expect(slot(page, "09:00")).to_have_attribute("data-capacity", "2")  # Tsuyazaki in November: 2 counters
    staff = await server.login("admin")
    body = {"site": "tsuyazaki", "service": "application", "date": TOMORROW, "start": "09:00", "name": "ツヤザキ ハナコ",
            "phone": "0940-52-0000"}  # fmt: skip
    r = await staff.post("/api/v1/reservations", json=body)
    assert r.status_code == 201, r.text
    await expect(slot(page, "09:00")).to_have_attribute("data-available", "1")  # live from Tsuyazaki's socket
    await page.click("#tab-list")
    await expect(page.locator("#day-list .p-row")).to_have_count(1)


async def test_kiosk_says_why_a_reservation_cannot_be_checked_in(create_server: Any, pages: Pages) -> None:
    server = create_server(at=at("10:40"))
    staff = await server.login("admin")
    r = await staff.post(
        "/api/v1/reservations",
        json={"site": "tsuyazaki", "service": "application", "date": TODAY, "start": "11:00",
              "name": "ツヤザキ ハナコ", "phone": "0940-52-0000"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    elsewhere = r.json()["code"]
    tomorrow = await book_by_api(staff, "11:00", day=TOMORROW)
    cancelled = await book_by_api(staff, "11:30")
    assert (await staff.delete(f"/api/v1/reservations/{cancelled}")).status_code == 200
    kiosk = await pages.kiosk(server)
    await kiosk.click(".k-lang[data-lang=vi]")
    message = kiosk.locator("#checkin-message")
    for code, text in (
        (elsewhere, "Lịch hẹn này là ở một địa điểm khác"),
        (tomorrow, "Lịch hẹn này không phải hôm nay"),
        (cancelled, "Lịch hẹn này đã bị hủy"),
    ):
        await kiosk.keyboard.type(f"{code}\n")
        await expect(message).to_contain_text(text)
        await kiosk.click("#checkin-back")
    await expect(kiosk.locator("#checkin-walkin")).to_be_hidden()


async def test_the_phone_recovers_after_a_server_restart(create_server: Any, pages: Pages) -> None:
    first = create_server()
    port = int(first.base_url.rsplit(":", 1)[1])
    page = await open_phone(pages, first)
    await choose(page, day=TOMORROW)
    await page.evaluate("window.notReloaded = true")
    first.stop()
    await expect(page.locator("#connection")).to_be_visible()
    await expect(page.locator("#connection-text")).to_have_text("接続が切れました。再接続しています…")

    second = create_server(port=port)
    staff = await second.login("phone", (SITE,))
    await book_by_api(staff, "15:00", day=TOMORROW)  # booked while the page was away
    await expect(page.locator("#connection")).to_be_hidden(timeout=30_000)
    await expect(slot(page, "15:00")).to_have_attribute("data-available", "5")
    assert await page.evaluate("window.notReloaded") is True


async def test_guide_console_lists_todays_reservations_live_and_checks_them_in(
    create_server: Any, pages: Pages
) -> None:
    server = create_server(at=at("10:40"))
    guide = await pages.guide(server)
    await expect(guide.locator("#reservations")).to_contain_text("本日の予約はありません")
    staff = await server.login("phone", (SITE,))
    code = await book_by_api(staff, "11:00")
    row = guide.locator(f".g-res[data-code='{code}']")
    await expect(row).to_contain_text("テスト ハナコ")  # appears live, booked by phone
    await expect(row.locator(".g-res-phone")).to_have_text("…1111")
    await guide.fill("#reservation-search", "てすと")
    await expect(row).to_be_visible()
    await guide.fill("#reservation-search", "")
    await row.get_by_role("button", name="受付").click()
    await expect(guide.locator("#checkin-result")).to_contain_text(f"（予約 {code}）")
    await expect(row.locator(".g-res-status")).to_have_text("受付済み")


async def test_service_names_are_whole_in_english(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    """In English the services are offered by their whole English names, nothing cut off, on the smartphone and
    on a PC; choosing one shows its slots."""
    server = create_server()
    for viewport, name in ((PHONE, "phone-en.png"), (DESKTOP, "phone-desktop-en.png")):
        page = await open_phone(pages, server, viewport=viewport)
        await page.click("[data-staff-lang=en]")
        services = page.locator("#service .p-service")
        await expect(services).to_have_text(["Card application and support (incl. photo)", "Card pickup"])
        cut = await services.evaluate_all(
            """(buttons) => buttons.filter((b) => {
              const box = b.getBoundingClientRect();
              return b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1 || box.right > innerWidth;
            }).map((b) => b.textContent)"""
        )
        assert cut == [], viewport
        await page.click(".p-service[data-service=application]")
        await expect(page.locator("#slots-title")).to_have_text(
            "Tue 24 November Card application and support (incl. photo)"
        )
        await expect(page.locator("body[data-slots=ready]")).to_be_attached()
        await page.screenshot(path=str(destination(tmp_path, name)))


async def test_screens(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server(at=at("10:10"))
    staff = await server.login("phone", (SITE,))
    names = ["ヤマダ タロウ", "スズキ ハナコ", "タナカ イチロウ", "グエン ヴァン アン", "サトウ ミキ", "フクツ ジロウ"]
    for start, n in (("10:30", 6), ("11:00", 4), ("11:30", 5), ("13:00", 2), ("14:00", 1)):
        for i in range(n):
            await book_by_api(
                staff, start, name=names[(n + i) % len(names)], phone=f"090-{1200 + n:04d}-{5600 + i:04d}"
            )
    page = await open_phone(pages, server)
    await choose(page, day=TODAY)
    await expect(slot(page, "10:30")).to_have_attribute("data-state", "full")
    await page.screenshot(path=str(destination(tmp_path, "phone.png")))

    await book_on(page, "15:00", "フクツ タロウ", "090-1234-5678")
    await page.screenshot(path=str(destination(tmp_path, "phone-readback.png")))
    await page.click("#readback-close")

    desktop = await open_phone(pages, server, viewport=DESKTOP)
    await choose(desktop, day=TODAY)
    await expect(desktop.locator("#day-list .p-row").first).to_be_visible()
    await desktop.screenshot(path=str(destination(tmp_path, "phone-desktop.png")))

    # the kiosk: a visitor 17 minutes after the start of a 12:00 reservation is offered a walk-in ticket
    kiosk = await pages.kiosk(server)
    late = await book_by_api(staff, "12:00")
    server.clock.set(at("12:17"))
    await kiosk.keyboard.type(f"{late}\n")
    await expect(kiosk.locator("#checkin-walkin")).to_be_visible()
    assert await _kiosk_problems(kiosk) == []
    await kiosk.screenshot(path=str(destination(tmp_path, "kiosk-checkin-late.png")))
