"""Service pause in real browsers: a manager pauses カード交付 from the guide console with a reason; the kiosk refuses it
showing the reason, the board shows the notice, a waiting visitor's phone page shows the reason; resuming restores
all three. The guide then moves, sends home with a slip, and books the visitors who waited for it.

Screenshots for docs/screens/ (kiosk-paused.png, kiosk-paused-en.png, board-paused.png, guide-paused.png,
visitor-paused.png, guide-book.png) are written with ``MADOGUCHI_SCREENSHOTS=1``, as tests/e2e/test_screens.py does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from playwright.async_api import Page, expect

from server.queue.keys import SiteKeys
from tests.conftest import LiveServer, issue
from tests.e2e.conftest import Pages, waiting_numbers
from tests.e2e.test_board import open_board
from tests.e2e.test_screens import busy_morning, destination
from tests.e2e.test_visitor import open_phone

REASON_JA = "国のシステム（J-LIS）の障害のため"
REASON_EN = "The national J-LIS system is down"


async def pause_from_guide(guide: Page, service: str = "pickup") -> None:
    await guide.click(f".g-pause-service[data-service={service}]")
    await expect(guide.locator(f".g-pause-service[data-service={service}]")).to_have_attribute("aria-pressed", "true")
    await guide.fill("#pause-reason-ja", REASON_JA)
    await guide.fill("#pause-reason-en", REASON_EN)
    await guide.click("#pause-submit")
    await expect(guide.locator("#pause-result")).to_have_text("カード交付の受付を休止しました")


async def test_a_manager_pauses_card_pickup_and_resumes_it(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server()
    await busy_morning(server)
    kiosk_device = await server.device("kiosk")
    waiting = await issue(kiosk_device, "pickup", lang="en")
    guide = await pages.guide(server, role="manager")
    kiosk = await pages.kiosk(server)
    board = await open_board(pages, server)
    phone = await open_phone(pages, server, waiting["token"])
    await expect(phone.locator("#paused")).to_be_hidden()
    before = await waiting_numbers(server)

    await pause_from_guide(guide)

    # the kiosk: the button says so with the reason; a touch issues nothing and says why
    button = kiosk.locator(".svc[data-service=pickup]")
    await expect(button).to_have_class("svc paused")
    await expect(button.locator(".svc-paused")).to_contain_text(f"受付休止中{REASON_JA}")
    await kiosk.click("[data-lang=en]")
    await expect(button.locator(".svc-paused")).to_contain_text(f"受付休止中 · Suspended for now{REASON_JA}{REASON_EN}")
    await button.click(force=True)  # aria-disabled: a touch only says again why
    await expect(kiosk.locator("#notice")).to_have_text(f"This service is suspended for now\n{REASON_JA}\n{REASON_EN}")
    await expect(kiosk.locator("#ticket")).to_be_hidden()
    assert await waiting_numbers(server) == before, "a touch on a paused service issues nothing"

    # the board: 受付休止中 in the waits, the reason in the ticker
    await expect(board.locator("tr[data-service=pickup] .b-paused")).to_have_text("受付休止中Suspended")
    await expect(board.locator(".b-paused-row[data-service=pickup]")).to_have_text(f"{REASON_JA}{REASON_EN}")
    notice = board.locator(".b-ticker-paused[data-service=pickup]")
    await expect(notice).to_have_text(
        f"カード交付の受付を一時休止しています：{REASON_JA}Card pickup is suspended: {REASON_EN}"
    )

    # the visitor already waiting: the reason on the phone, in the ticket's language and in Japanese
    await expect(phone.locator("#paused-title")).to_have_text("Card pickup is suspended for now")
    await expect(phone.locator("#paused-reason")).to_have_text(f"Reason: {REASON_EN}")
    await expect(phone.locator("#paused-reason-ja")).to_have_text(f"理由：{REASON_JA}")

    # the guide console: the paused service's block with its waiting tickets
    block = guide.locator(".g-paused[data-service=pickup]")
    await expect(block.locator(".g-paused-reason")).to_have_text(REASON_JA)
    # in the order the server will call them: priority first, then by issue time; P007, a reservation checked in for
    # 10:30, waits until its slot is near (P001 is at a counter)
    await expect(block.locator(".g-num")).to_have_text(
        ["P006", "P002", "P003", "P004", "P005", waiting["number"], "P007"]
    )
    await expect(guide.locator(".g-service[data-service=pickup]")).to_be_disabled()

    await kiosk.locator("#notice").evaluate("el => el.hidden = true")  # the pictures show the buttons
    await kiosk.screenshot(path=str(destination(tmp_path, "kiosk-paused-en.png")))
    await kiosk.click("[data-lang=ja]")
    await expect(button.locator(".svc-reason")).to_have_text([REASON_JA])
    await board.locator("#sound-enable").evaluate("el => el.hidden = true")  # a board PC plays sound unasked
    # the picture: the ticker a few seconds into its scroll, the pause notice in sight
    await board.locator("#notices-list").evaluate(
        "el => el.getAnimations().forEach((a) => { a.pause(); a.currentTime = 12000; })"
    )
    await kiosk.screenshot(path=str(destination(tmp_path, "kiosk-paused.png")))
    await board.screenshot(path=str(destination(tmp_path, "board-paused.png")))
    await guide.screenshot(path=str(destination(tmp_path, "guide-paused.png")))
    await phone.screenshot(path=str(destination(tmp_path, "visitor-paused.png")))

    await block.get_by_role("button", name="再開する").click()
    await expect(guide.locator("#paused-result")).to_have_text("カード交付の受付を再開しました")
    await expect(guide.locator("#paused-services")).to_be_hidden()
    await expect(button).to_have_class("svc")
    await expect(notice).to_have_count(0)
    await expect(board.locator("tr[data-service=pickup] .b-paused")).to_have_count(0)
    await expect(board.locator(".b-paused-row")).to_have_count(0)
    await expect(phone.locator("#paused")).to_be_hidden()
    await button.click()
    await expect(kiosk.locator("#ticket-number")).to_have_text("P009")


async def test_the_guide_moves_sends_home_and_books_the_visitors_who_waited(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    server = create_server(print_workers=True)
    kiosk = await server.device("kiosk")
    tickets = [await issue(kiosk, "pickup", lang=lang) for lang in ("ja", "vi", "ja")]
    later = await issue(kiosk, "e-cert")
    guide = await pages.guide(server)
    await pause_from_guide(guide)
    block = guide.locator(".g-paused[data-service=pickup]")
    await expect(block.locator(".g-num")).to_have_text(["P001", "P002", "P003"])

    # move P001 to 電子証明書: it keeps its number and its place, ahead of E001 issued after it
    await block.locator(".g-move-to").select_option("e-cert")
    await block.locator(".g-ticket[data-number=P001]").get_by_role("button", name="移す").click()
    await expect(guide.locator("#paused-result")).to_have_text(
        "P001 を電子証明書（発行・失効・更新）に移しました（元の順番）"
    )
    await expect(guide.locator(".g-svc[data-service=e-cert] .g-num")).to_have_text(["P001", later["number"]])

    # P002 goes home with a slip in Japanese and Vietnamese
    await block.locator(".g-ticket[data-number=P002]").get_by_role("button", name="案内票・取消").click()
    await expect(guide.locator("#confirm")).to_contain_text("P002 を取り消して「受付休止のお知らせ」を印刷しますか？")
    await guide.locator("#confirm").get_by_role("button", name="はい").click()
    await expect(guide.locator("#paused-result")).to_have_text("P002 を取り消しました。案内票を印刷します")
    staff = await server.login("admin")
    rows = {t["number"]: t for t in (await staff.get("/api/v1/sites/city-hall/tickets")).json()}
    assert rows["P002"]["status"] == "cancelled"

    # P003 gets a reservation for another day, and the ticket is cancelled
    await block.locator(".g-ticket[data-number=P003]").get_by_role("button", name="予約を取る").click()
    dialog = guide.locator("#book")
    await expect(dialog.locator("#book-title")).to_have_text("P003 の方の予約")
    await expect(dialog.locator("#book-slot option").first).to_be_attached()
    await dialog.locator("#book-date").select_option("2026-11-25")
    await expect(dialog.locator("#book-slot option").first).to_have_text("08:30〜09:00（残り6）")
    await dialog.locator("#book-slot").select_option("10:00")
    await dialog.locator("#book-name").fill("フクツ タロウ")
    await dialog.locator("#book-phone").fill("090-1234-5678")
    await guide.screenshot(path=str(destination(tmp_path, "guide-book.png")))
    await dialog.locator("#book-submit").click()
    await expect(dialog).to_be_hidden()
    result = guide.locator("#paused-result")
    await expect(result).to_contain_text("P003 を取り消し、予約")
    await expect(result).to_contain_text("（2026-11-25 10:00）を取りました。予約票を印刷します")
    await expect(block.locator(".g-pause-nobody, .g-empty")).to_have_text("待っている方はいません")

    reservations = (await staff.get("/api/v1/reservations", params={"site": "city-hall", "date": "2026-11-25"})).json()
    assert [(r["service"], r["start"], r["name"]) for r in reservations] == [("pickup", "10:00", "フクツ タロウ")]
    rows = {t["number"]: t for t in (await staff.get("/api/v1/sites/city-hall/tickets")).json()}
    assert (rows["P001"]["service"], rows["P001"]["status"]) == ("e-cert", "waiting")
    assert rows["P003"]["status"] == "cancelled"
    assert tickets[1]["number"] == "P002"
    slips = [(s["kind"], s["number"], s["lang"]) for s in await server.call(_slips(server))]
    assert slips == [("paused", "P002", "vi")]


async def _slips(server: LiveServer) -> list[dict[str, Any]]:
    """What the print jobs of "please come back" slips say (on the server's loop: its Redis client lives there)."""
    redis = server.runtime.redis
    out = []
    async for key in redis.scan_iter(match=SiteKeys("city-hall").print_job("*")):
        record = await redis.hgetall(key)
        if record.get("ticket", "").startswith("slip:"):
            out.append(msgspec.json.decode(record["data"]))
    return out


async def test_the_services_to_pause_go_by_their_whole_english_names(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    """In English on a 1366×768 laptop, the service to pause is chosen by a button per service showing its whole
    English name (a drop-down cut "Health insurance use and public-fund account registration" short), none cut off
    or past the panel's edge; pausing through a button works, and pausing with none chosen says to choose one."""
    server = create_server()
    guide = await pages.guide(server, role="manager", viewport={"width": 1366, "height": 768})
    await guide.click("[data-staff-lang=en]")
    buttons = guide.locator("#pause-service .g-pause-service")
    await expect(buttons.first).to_have_text("Inquiries and reservations")
    services = [
        server.runtime.config.service(id_)
        for id_ in await buttons.evaluate_all("bs => bs.map((b) => b.dataset.service)")
    ]
    names = [service.name_en for service in services if service is not None]
    assert "Health insurance use and public-fund account registration" in names
    await expect(buttons).to_have_text(names)
    await buttons.first.scroll_into_view_if_needed()
    cut = await buttons.evaluate_all(
        """(buttons) => {
          const form = document.getElementById("pause-form").getBoundingClientRect();
          return buttons.filter((b) => {
            const box = b.getBoundingClientRect();
            return b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1
              || box.left < form.left - 1 || box.right > form.right + 1 || box.right > innerWidth;
          }).map((b) => b.textContent);
        }"""
    )
    assert cut == []
    for button in await buttons.all():
        await expect(button).to_be_visible()

    await guide.fill("#pause-reason-ja", REASON_JA)
    await guide.click("#pause-submit")
    await expect(guide.locator("#pause-result")).to_have_text("Choose the service to pause")
    await guide.click(".g-pause-service[data-service=insurance-link]")
    await expect(guide.locator(".g-pause-service[aria-pressed=true]")).to_have_text(
        ["Health insurance use and public-fund account registration"]
    )
    await guide.fill("#pause-reason-en", REASON_EN)
    await guide.click("#pause-submit")
    await expect(guide.locator("#pause-result")).to_have_text(
        "Health insurance use and public-fund account registration is paused"
    )
    await expect(guide.locator(".g-paused[data-service=insurance-link]")).to_be_visible()
    await expect(guide.locator(".g-pause-service[data-service=insurance-link]")).to_contain_text("(Paused)")
    await expect(guide.locator(".g-pause-service[aria-pressed=true]")).to_have_count(0)
    await guide.click(".g-pause-service[data-service=pickup]")  # the next one chosen: dark, like a pressed key
    await guide.eval_on_selector(".g-pause", "panel => panel.scrollIntoView({block: 'end'})")
    await guide.screenshot(path=str(destination(tmp_path, "guide-pause-en.png")))
