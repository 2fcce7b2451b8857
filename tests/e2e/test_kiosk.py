"""The reception kiosk in a real browser: issuing, languages, the closed state, recovery, one ticket per touch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import pytest
from playwright.async_api import Page, Route, expect

from printers.fake import FakePrinter
from server.config import Config, Printer
from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import LANDSCAPE, PORTRAIT, Pages, close_ticket, issue_on_kiosk, waiting_numbers

# A Sunday that is no Sunday opening, before the Labour Thanksgiving holiday (Monday 23rd): next opening Tuesday.
SUNDAY = datetime.fromisoformat("2026-11-22T10:00:00+09:00")


async def test_kiosk_issues_a_ticket_and_the_guide_sees_it_without_reload(create_server: Any, pages: Pages) -> None:
    server = create_server(print_workers=True)  # no printer configured: the preview printer "prints" PNGs
    guide = await pages.guide(server)
    await guide.evaluate("window.notReloaded = true")
    kiosk = await pages.kiosk(server)

    number = await issue_on_kiosk(kiosk, "pickup")
    assert number == "P001"
    await expect(kiosk.locator("#ticket-title")).to_have_text("番号札を発券しました")
    await expect(kiosk.locator("#ticket-service")).to_have_text("カード交付")
    # no counter serving card pickup is open yet: no 「まもなくお呼びします」, but when the visitor will be called
    await expect(kiosk.locator("#ticket-ahead")).to_be_hidden()
    await expect(kiosk.locator("#ticket-estimate")).to_have_text(
        "ただいま、この手続きの窓口は開いていません。窓口が開きしだい、順番にお呼びします"
    )
    await expect(kiosk.locator("#ticket-print")).to_have_text("番号札をお取りください")
    qr_width = await kiosk.eval_on_selector("#ticket-qr", "img => img.complete ? img.naturalWidth : 0")
    assert qr_width > 0, "the QR code of the status page is shown"

    row = guide.locator(".g-ticket[data-number=P001]")
    await expect(row).to_be_visible()
    await expect(row.locator(".g-meta")).to_contain_text("発券機")
    assert await guide.evaluate("window.notReloaded") is True

    await close_ticket(kiosk)
    second = await issue_on_kiosk(kiosk, "pickup")
    assert second == "P002"
    await expect(kiosk.locator("#ticket-ahead")).to_have_text("あなたの前に 1人 お待ちです")
    await expect(kiosk.locator("#ticket-estimate")).to_contain_text("窓口が開きしだい")
    await expect(guide.locator(".g-ticket[data-number=P002]")).to_be_visible()


async def test_the_ticket_screen_gives_the_estimate_once_a_counter_serving_it_is_open(
    create_server: Any, pages: Pages
) -> None:
    server = create_server()
    await open_counter(await server.login("admin"), "ch-booth-1", "pickup")
    kiosk = await pages.kiosk(server)
    await issue_on_kiosk(kiosk, "pickup")
    await expect(kiosk.locator("#ticket-ahead")).to_have_text("まもなくお呼びします")  # true now: a counter is open
    await expect(kiosk.locator("#ticket-estimate")).to_be_hidden()
    await close_ticket(kiosk)
    await issue_on_kiosk(kiosk, "pickup")
    await expect(kiosk.locator("#ticket-ahead")).to_have_text("あなたの前に 1人 お待ちです")
    await expect(kiosk.locator("#ticket-estimate")).to_have_text("待ち時間の目安：約10分")
    await expect(kiosk.locator("#ticket-estimate")).to_have_attribute("data-no-counter", "false")


async def test_a_service_button_says_no_counter_is_open_until_one_opens(create_server: Any, pages: Pages) -> None:
    server = create_server()
    kiosk = await pages.kiosk(server)
    wait = kiosk.locator(".svc[data-service=pickup] .svc-wait")
    await expect(wait).to_have_text("窓口はまだ開いていません")  # not 「待ち時間なし」: nobody could call it
    await kiosk.evaluate("window.notReloaded = true")
    await open_counter(await server.login("admin"), "ch-booth-1", "pickup")  # counter.changed, applied live
    await expect(wait).to_have_text("待ち時間なし")
    await kiosk.click(".k-lang[data-lang=en]")
    await expect(kiosk.locator(".svc[data-service=abolition] .svc-wait")).to_have_text("Counter closed")
    assert await kiosk.evaluate("window.notReloaded") is True


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
async def test_check_in_comes_first_and_inquiries_stand_apart(
    create_server: Any, pages: Pages, viewport: dict[str, int]
) -> None:
    kiosk = await pages.kiosk(create_server(), viewport=viewport)
    checkin = kiosk.locator("#checkin-open")
    await expect(checkin.locator(".k-checkin-title")).to_have_text("予約のある方はこちら")
    await expect(kiosk.locator(".k-choose-who")).to_have_text("予約のない方")
    # 問い合わせ・予約受付 is not among the services but in its own box, saying who it is for
    await expect(kiosk.locator("#services .svc[data-service=inquiry]")).to_have_count(0)
    inquiry = kiosk.locator("#inquiries .svc[data-service=inquiry]")
    await expect(inquiry.locator(".svc-for")).to_have_text("ご質問の方、これから予約をしたい方")
    boxes = {
        name: await kiosk.locator(selector).bounding_box()
        for name, selector in (("checkin", "#checkin-open"), ("services", "#services"), ("inquiry", "#inquiries"))
    }
    checkin_box, services_box, inquiry_box = boxes["checkin"], boxes["services"], boxes["inquiry"]
    assert checkin_box and services_box and inquiry_box
    if viewport is PORTRAIT:  # check-in on top, then the services, the inquiries last
        assert checkin_box["y"] + checkin_box["height"] <= services_box["y"]
        assert services_box["y"] + services_box["height"] <= inquiry_box["y"]
        assert checkin_box["width"] >= services_box["width"] - 1, "the check-in is as wide as the screen"
    else:  # check-in first on the left, the inquiries below it, the services on the right
        assert checkin_box["x"] + checkin_box["width"] <= services_box["x"]
        assert checkin_box["y"] + checkin_box["height"] <= inquiry_box["y"]
    colours = await kiosk.evaluate(
        "sel => sel.map(s => getComputedStyle(document.querySelector(s)).backgroundColor)",
        ["#checkin-open", ".svc[data-service=pickup]", ".svc[data-service=inquiry]"],
    )
    assert len(set(colours)) == 3, colours  # three different looks: check-in, services, inquiries
    assert await _kiosk_problems(kiosk) == []

    await kiosk.click(".k-lang[data-lang=en]")
    await expect(checkin.locator(".k-checkin-title")).to_have_text("I have a reservation")
    await expect(inquiry.locator(".svc-for")).to_have_text("Questions, or to make a new reservation")
    await checkin.click()
    await expect(kiosk.locator("#checkin")).to_be_visible()


async def test_second_language_translates_and_returns_to_japanese(create_server: Any, pages: Pages) -> None:
    server = create_server()
    kiosk = await pages.kiosk(server, fake_clock=True)

    await kiosk.click(".k-lang[data-lang=en]")
    await expect(kiosk.locator(".k-choose-what")).to_have_text("Please choose what you came for")
    pickup = kiosk.locator(".svc[data-service=pickup]")
    await expect(pickup.locator(".svc-name")).to_have_text("カード交付")  # Japanese first, always
    await expect(pickup.locator(".svc-local")).to_have_text("Card pickup")
    await expect(pickup.locator(".svc-waiting")).to_have_text("0 waiting")
    assert await kiosk.evaluate("document.documentElement.lang") == "en"

    await kiosk.click(".k-lang[data-lang=vi]")
    await expect(kiosk.locator(".k-choose-what")).to_have_text("Xin vui lòng chọn việc bạn cần làm")
    await expect(pickup.locator(".svc-local")).to_have_text("Nhận thẻ")
    await expect(kiosk.locator(".k-checkin-title")).to_have_text("Tôi đã đặt lịch hẹn")

    await issue_on_kiosk(kiosk, "pickup")
    await expect(kiosk.locator("#ticket-title")).to_have_text("Đã cấp số cho bạn")
    await expect(kiosk.locator("#ticket-service-local")).to_have_text("Nhận thẻ")
    staff = await server.login("admin")
    tickets = (await staff.get("/api/v1/sites/city-hall/tickets")).json()
    assert [t["lang"] for t in tickets] == ["vi"]  # the printed ticket speaks Vietnamese too
    await close_ticket(kiosk)
    await expect(kiosk.locator(".k-choose-what")).to_have_text("ご用件をお選びください")  # back to Japanese

    await kiosk.click(".k-lang[data-lang=ja-easy]")
    await expect(pickup.locator(".svc-local")).to_have_text("カードを うけとる")
    await kiosk.clock.fast_forward(61_000)  # a minute without a touch
    await expect(kiosk.locator(".k-choose-what")).to_have_text("ご用件をお選びください")
    await expect(kiosk.locator(".k-lang[data-lang=ja]")).to_have_attribute("aria-pressed", "true")


async def test_closed_on_a_sunday_shows_the_next_opening(create_server: Any, pages: Pages) -> None:
    server = create_server(at=SUNDAY)
    kiosk = await pages.kiosk(server, ready=False)

    await expect(kiosk.locator("#closed")).to_be_visible()
    await expect(kiosk.locator("#closed-title")).to_have_text("本日は受付をしていません")
    await expect(kiosk.locator("#closed-next-at")).to_have_text("11月24日(火) 8:30から")
    await expect(kiosk.locator("#closed-hours")).to_have_text("受付時間 8:30〜16:30")
    await expect(kiosk.locator("#services")).to_be_hidden()
    await expect(kiosk.locator("#checkin-open")).to_be_hidden()
    await expect(kiosk.locator("#training")).to_be_visible()  # the clock was set: training mode

    await kiosk.click(".k-lang[data-lang=en]")
    await expect(kiosk.locator("#closed-title")).to_have_text("We are closed today")
    await expect(kiosk.locator("#closed-next-at")).to_have_text("Tue 24 November, from 8:30")


async def test_kiosk_recovers_by_itself_after_a_server_restart(create_server: Any, pages: Pages) -> None:
    first = create_server()
    port = int(first.base_url.rsplit(":", 1)[1])
    kiosk = await pages.kiosk(first)
    assert await issue_on_kiosk(kiosk) == "P001"
    await close_ticket(kiosk)

    first.stop()
    await expect(kiosk.locator("#connection")).to_be_visible()
    await expect(kiosk.locator("#connection-text")).to_have_text("接続が切れました。再接続しています…")
    await expect(kiosk.locator("#offline")).to_be_visible()  # nothing can be touched meanwhile, and it says so

    create_server(port=port)
    await expect(kiosk.locator("#connection")).to_be_hidden(timeout=30_000)
    await expect(kiosk.locator("#offline")).to_be_hidden()
    assert await issue_on_kiosk(kiosk) == "P002"
    await expect(kiosk.locator("#ticket-ahead")).to_have_text("あなたの前に 1人 お待ちです")


async def test_a_double_tap_issues_one_ticket(create_server: Any, pages: Pages) -> None:
    server = create_server()
    kiosk = await pages.kiosk(server)

    await kiosk.dblclick(".svc[data-service=pickup]")
    await expect(kiosk.locator("#ticket-number")).to_have_text("P001")
    await close_ticket(kiosk)
    # two taps within the same instant (a bouncing touch screen)
    await kiosk.eval_on_selector(".svc[data-service=unsuspend]", "b => { b.click(); b.click(); }")
    await expect(kiosk.locator("#ticket-number")).to_have_text("R001")
    assert await waiting_numbers(server) == ["P001", "R001"]


async def test_a_retried_touch_returns_the_same_ticket(create_server: Any, pages: Pages) -> None:
    """The answer to the first try is lost on the way: the retry sends the same key and gets the same ticket."""
    server = create_server()
    kiosk = await pages.kiosk(server)
    bodies: list[dict[str, Any]] = []

    async def lose_first_answer(route: Route) -> None:
        bodies.append(route.request.post_data_json)
        if len(bodies) == 1:
            await route.fetch()  # the server issues the ticket ...
            await route.abort("connectionreset")  # ... and the kiosk never hears of it
        else:
            await route.continue_()

    await kiosk.route("**/api/v1/sites/city-hall/tickets", lose_first_answer)
    assert await issue_on_kiosk(kiosk, "pickup") == "P001"
    assert len(bodies) == 2 and bodies[0]["idempotency_key"] == bodies[1]["idempotency_key"]
    assert await waiting_numbers(server) == ["P001"]


def _refusing_printer(config: Config, uri: str) -> Config:
    """City Hall with one printer that never answers, and jobs that give up at once."""
    sites = tuple(
        msgspec.structs.replace(s, printers=(Printer(id="p1", name="1F 発券機プリンター", uri=uri),))
        if s.id == "city-hall"
        else s
        for s in config.sites
    )
    printing = msgspec.structs.replace(config.printing, retry_max_s=0.2, failover_after=1, give_up_after_min=0)
    return msgspec.structs.replace(config, sites=sites, printing=printing)


@pytest.fixture
async def refusing_printer() -> Any:
    printer = await FakePrinter().start()
    await printer.refuse()
    yield printer
    await printer.stop()


async def test_a_failed_print_keeps_the_number_on_screen(
    create_server: Any, config: Config, pages: Pages, refusing_printer: FakePrinter
) -> None:
    server = create_server(config=_refusing_printer(config, refusing_printer.uri + "?timeout=0.5"), print_workers=True)
    guide = await pages.guide(server)
    kiosk = await pages.kiosk(server, fake_clock=True)

    assert await issue_on_kiosk(kiosk) == "P001"
    status = kiosk.locator("#ticket-print")
    await expect(status).to_have_attribute("data-state", "failed")
    await expect(status).to_have_text("番号札を印刷できませんでした。この番号を控えて、総合案内へお越しください")
    await kiosk.clock.fast_forward(90_000)  # well past the time a printed ticket's screen stays
    await expect(kiosk.locator("#ticket-number")).to_have_text("P001")
    await expect(kiosk.locator("#ticket")).to_be_visible()

    alert = guide.locator(".g-alert", has_text="P001")
    await expect(alert).to_contain_text("P001 の番号札を印刷できませんでした")
    await expect(alert.get_by_role("button", name="再印刷")).to_be_visible()


async def test_reservation_code_by_keys_and_by_scanner(create_server: Any, pages: Pages) -> None:
    server = create_server()
    kiosk = await pages.kiosk(server)

    await kiosk.click("#checkin-open")
    for key in "ABCD":
        await kiosk.click(f".e-key[data-key={key}]")
    await kiosk.keyboard.type("2345")
    async with kiosk.expect_request("**/checkins") as sent:
        await kiosk.click("#checkin-submit")
    assert (await sent.value).post_data_json == {"code": "ABCD2345"}
    message = kiosk.locator("#checkin-message")
    await expect(message).to_contain_text("この予約番号は見つかりませんでした")
    await kiosk.click("#checkin-back")
    await expect(kiosk.locator("#checkin")).to_be_hidden()

    # a scanner types a QR code's URL and Enter on the main screen: the entry opens by itself
    async with kiosk.expect_request("**/checkins") as scanned:
        await kiosk.keyboard.type("https://fukutsu.example/r/wxyz9876\n")
    assert (await scanned.value).post_data_json == {"code": "WXYZ9876"}
    await expect(kiosk.locator("#checkin")).to_be_visible()
    await expect(message).to_contain_text("この予約番号は見つかりませんでした")

    await kiosk.fill("#checkin-code", "AB")
    await kiosk.keyboard.press("Enter")
    await expect(message).to_have_text("予約番号は英数字4〜16文字です。お確かめください")


async def test_no_way_out_of_the_kiosk_by_touch(create_server: Any, pages: Pages) -> None:
    kiosk = await pages.kiosk(create_server())
    assert await kiosk.locator("a").count() == 0
    prevented = await kiosk.evaluate(
        """() => {
            const target = document.querySelector('.svc');
            const menu = new MouseEvent('contextmenu', {bubbles: true, cancelable: true});
            const select = new Event('selectstart', {bubbles: true, cancelable: true});
            target.dispatchEvent(menu);
            target.dispatchEvent(select);
            return [menu.defaultPrevented, select.defaultPrevented];
        }"""
    )
    assert prevented == [True, True]
    assert await kiosk.evaluate("getComputedStyle(document.body).userSelect") == "none"


async def test_unpaired_pc_gets_an_explanation_not_the_kiosk(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await pages.page(await pages.context(LANDSCAPE))
    response = await page.goto(f"{server.base_url}/kiosk/city-hall")
    assert response is not None and response.status == 401
    await expect(page.locator("h1")).to_have_text("この発券機は準備中です")
    assert await page.locator("a").count() == 0


async def _kiosk_problems(page: Page) -> list[str]:
    """What does not fit: the page scrolls, or a button's text is cut off, or a target or text is too small."""
    result: list[str] = await page.evaluate(
        """() => {
            const problems = [];
            const root = document.scrollingElement;
            if (root.scrollHeight > innerHeight + 1 || root.scrollWidth > innerWidth + 1) problems.push('page scrolls');
            for (const el of document.querySelectorAll('button')) {
                const box = el.getBoundingClientRect();
                if (!box.width || el.closest('[hidden]')) continue;
                const name = (el.dataset.service || el.dataset.lang || el.id || el.textContent).trim();
                if (box.height < 80 || box.width < 80) problems.push(`${name}: ${box.width}x${box.height}`);
                if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) problems.push(`${name}: cut off`);
                if (box.right > innerWidth + 1 || box.bottom > innerHeight + 1) problems.push(`${name}: off screen`);
                for (const node of [el, ...el.querySelectorAll('*')]) {
                    if (node.textContent.trim() && parseFloat(getComputedStyle(node).fontSize) < 32) {
                        problems.push(`${name}: text below 32px`);
                        break;
                    }
                }
            }
            return problems;
        }"""
    )
    return result


LANGS = ("ja", "en", "zh", "ko", "vi", "ja-easy")
# What a site posts on a busy day: a short notice in Japanese and English, and a longer one in Japanese only.
NOTICES = (
    {"text": "本日は午後から大変混み合います。お早めにお越しください", "texts": {"en": "Very busy this afternoon"}},
    {
        "text": "システムの点検のため、12時から13時までは電子証明書の手続きをお受けできません",
        "texts": {"en": "Electronic certificates cannot be handled from 12:00 to 13:00 (system maintenance)"},
    },
)


async def _morning(server: LiveServer) -> None:
    """Some counters open (waits and estimates on their buttons), others not (「窓口はまだ開いていません」)."""
    admin = await server.login("admin")
    await open_counter(admin, "ch-booth-1", "pickup", "abolition")
    await open_counter(admin, "ch-booth-2", "application", "inquiry")
    kiosk = await server.device("kiosk")
    for service, count in {"pickup": 5, "application": 3, "e-cert": 2, "inquiry": 1}.items():
        for _ in range(count):
            await issue(kiosk, service)


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
async def test_every_language_fits_the_screen(create_server: Any, pages: Pages, viewport: dict[str, int]) -> None:
    """Every language, without and with notices (one, then two, the second long), fits the screen untouched."""
    server = create_server()
    await _morning(server)
    kiosk = await pages.kiosk(server, viewport=viewport)
    manager = await server.login("manager", ("city-hall",))
    for shown in range(len(NOTICES) + 1):
        if shown:
            posted = await manager.post("/api/v1/sites/city-hall/notices", json=NOTICES[shown - 1])
            assert posted.status_code == 201, posted.text
        await expect(kiosk.locator("#notices-list li")).to_have_count(shown)
        for lang in LANGS:
            await kiosk.click(f".k-lang[data-lang={lang}]")
            await expect(kiosk.locator(".k-choose-what")).not_to_have_text("")
            if shown and lang == "en":
                await expect(kiosk.locator("#notices-list li").first).to_have_text("Very busy this afternoon")
            assert await _kiosk_problems(kiosk) == [], f"{lang}, {shown} notice(s)"
    await kiosk.click(".k-lang[data-lang=vi]")
    await issue_on_kiosk(kiosk, "insurance-link")
    assert await _kiosk_problems(kiosk) == [], "ticket screen"
    await close_ticket(kiosk)
    await kiosk.click("#checkin-open")
    assert await _kiosk_problems(kiosk) == [], "code entry"


async def test_notices_appear_and_go_live_in_the_visitors_language(create_server: Any, pages: Pages) -> None:
    server = create_server()
    kiosk = await pages.kiosk(server)
    await expect(kiosk.locator("#notices")).to_be_hidden()
    manager = await server.login("manager", ("city-hall",))
    posted = await manager.post(
        "/api/v1/sites/city-hall/notices",
        json={"text": "本日は午後から大変混み合います", "texts": {"en": "Very busy this afternoon"}},
    )
    assert posted.status_code == 201
    await expect(kiosk.locator("#notices-list li")).to_have_text(["本日は午後から大変混み合います"])
    await expect(kiosk.locator("#notices-title")).to_have_text("お知らせ")

    await kiosk.click(".k-lang[data-lang=en]")
    await expect(kiosk.locator("#notices-list li")).to_have_text(["Very busy this afternoon"])
    await kiosk.click(".k-lang[data-lang=vi]")  # no Vietnamese text: the Japanese one, marked as Japanese
    await expect(kiosk.locator("#notices-list li")).to_have_text(["本日は午後から大変混み合います"])
    assert await kiosk.get_attribute("#notices-list li", "lang") == "ja"

    await manager.delete(f"/api/v1/sites/city-hall/notices/{posted.json()['id']}")
    await expect(kiosk.locator("#notices")).to_be_hidden()
