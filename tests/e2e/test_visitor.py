"""The visitor's phone page (/t/{token}) in a real browser at a phone's size: number, service, people ahead and the
estimated wait, live; the full-screen "called" view (and again on a recall); what happened at the end; languages;
and a fresh state after the phone was locked (a dead socket whose messages never came).

Screenshots for docs/screens/ are written with ``MADOGUCHI_SCREENSHOTS=1`` (as tests/e2e/test_screens.py).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, WebSocketRoute, expect

from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import SITE, Pages

PHONE = {"width": 390, "height": 844}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def destination(tmp_path: Path, name: str) -> Path:
    return DOCS / name if os.environ.get("MADOGUCHI_SCREENSHOTS") == "1" else tmp_path / name


async def open_phone(pages: Pages, server: LiveServer, token: str, query: str = "", **routes: Any) -> Page:
    """The status page as a phone opens it from the ticket's QR code (no cookie, no login)."""
    context = await pages.browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    pages.contexts.append(context)
    page = await pages.page(context)
    for pattern, handler in routes.items():
        await page.route_web_socket(pattern, handler)
    await page.goto(f"{server.base_url}/t/{token}{query}")
    await expect(page.locator("body[data-ready=true][data-connection=live]")).to_be_attached()
    return page


async def operator_at(server: LiveServer, counter: str, *services: str) -> httpx.AsyncClient:
    http = await server.login("operator", (SITE,))
    await open_counter(http, counter, *(services or ("pickup",)))
    return http


async def act(http: httpx.AsyncClient, path: str, body: Any = None) -> dict[str, Any]:
    r = await http.post(path, json=body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def test_position_updates_live_then_the_called_screen_and_the_end(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    server = create_server()
    booth1 = await operator_at(server, "ch-booth-1")
    booth3 = await operator_at(server, "ch-booth-3")
    kiosk = await server.device("kiosk")
    await issue(kiosk, "pickup")
    await issue(kiosk, "pickup")
    mine = await issue(kiosk, "pickup")
    assert mine["status_url"].endswith(f"/t/{mine['token']}")
    phone = await open_phone(pages, server, mine["token"])
    await phone.evaluate("window.notReloaded = true")

    await expect(phone.locator("#number")).to_have_text("P003")
    await expect(phone.locator("#service")).to_have_text("カード交付")
    await expect(phone.locator("#headline")).to_have_text("順番をお待ちください")
    await expect(phone.locator("#ahead")).to_have_text("あなたの前に 2人 お待ちです")
    await expect(phone.locator("#estimate")).to_have_text("待ち時間の目安：約10分")
    await expect(phone.locator("#called")).to_be_hidden()
    await phone.screenshot(animations="disabled", path=str(destination(tmp_path, "visitor-waiting.png")))

    first = await act(booth1, "/api/v1/counters/ch-booth-1/call-next")
    await expect(phone.locator("#ahead")).to_have_text("あなたの前に 1人 お待ちです")
    await act(booth3, "/api/v1/counters/ch-booth-3/call-next")
    await expect(phone.locator("#ahead")).to_have_text("まもなくお呼びします")
    await expect(phone.locator("#estimate")).to_be_hidden()

    await act(booth1, f"/api/v1/tickets/{first['id']}/start")
    await act(booth1, f"/api/v1/tickets/{first['id']}/complete", {"outcome": "completed"})
    await act(booth1, "/api/v1/counters/ch-booth-1/call-next")
    await expect(phone.locator("#called")).to_be_visible()
    await expect(phone.locator("#called-title")).to_have_text("番号が呼ばれました")
    await expect(phone.locator("#called-number")).to_have_text("P003")
    await expect(phone.locator("#called-go")).to_have_text("1番窓口へお越しください")
    await expect(phone.locator("body")).to_have_attribute("data-alerted", "1")
    await phone.screenshot(animations="disabled", path=str(destination(tmp_path, "visitor-called.png")))

    await act(booth1, f"/api/v1/tickets/{mine['id']}/recall")
    await expect(phone.locator("#called-again")).to_be_visible()
    await expect(phone.locator("#called-again")).to_have_text("もう一度お呼びしています")
    await expect(phone.locator("body")).to_have_attribute("data-alerted", "2")

    await act(booth1, f"/api/v1/tickets/{mine['id']}/start")
    await expect(phone.locator("#called")).to_be_hidden()
    await expect(phone.locator("#headline")).to_have_text("ただいま窓口で対応しています")
    await expect(phone.locator("#ahead")).to_have_text("1番窓口")
    await act(booth1, f"/api/v1/tickets/{mine['id']}/complete", {"outcome": "completed"})
    await expect(phone.locator("#headline")).to_have_text("手続きが終わりました")
    await expect(phone.locator("#more")).to_have_text("ご利用ありがとうございました。お気をつけてお帰りください")
    await expect(phone.locator("#alert")).to_be_hidden()
    assert await phone.evaluate("window.notReloaded") is True


async def test_a_no_show_sent_to_reception_waits_again_once_reinstated(create_server: Any, pages: Pages) -> None:
    server = create_server()
    booth1 = await operator_at(server, "ch-booth-1")
    kiosk = await server.device("kiosk")
    mine = await issue(kiosk, "pickup")
    await issue(kiosk, "pickup")
    phone = await open_phone(pages, server, mine["token"])
    await phone.evaluate("window.notReloaded = true")
    await act(booth1, "/api/v1/counters/ch-booth-1/call-next")
    await expect(phone.locator("#called")).to_be_visible()
    await act(booth1, f"/api/v1/tickets/{mine['id']}/no-show")
    await expect(phone.locator("#headline")).to_have_text(
        "お呼びしましたが、お越しにならなかったため受付を終了しました"
    )
    await expect(phone.locator("#more")).to_have_text(
        "まだ手続きがお済みでない方は、この画面を総合案内でお見せください。順番に戻れる場合があります"
    )
    await expect(phone.locator("#alert")).to_be_hidden()

    guide = await server.login("guide", (SITE,))  # the visitor went to reception
    await act(guide, f"/api/v1/tickets/{mine['id']}/reinstate")
    await expect(phone.locator("#headline")).to_have_text("順番をお待ちください")
    await expect(phone.locator("#ahead")).to_have_text("まもなくお呼びします")  # its old place: first in line
    await expect(phone.locator("#more")).to_have_text("受付に戻りました。順番が来たらお呼びします")
    await expect(phone.locator("#alert")).to_be_visible()
    await phone.click(".v-lang[data-lang=en]")
    await expect(phone.locator("#more")).to_have_text(
        "Your ticket is back in the queue. We will call you when it is your turn"
    )

    await act(booth1, "/api/v1/counters/ch-booth-1/call-next")
    await expect(phone.locator("#called")).to_be_visible()
    await expect(phone.locator("#called-go")).to_have_text("Please go to counter 1")
    assert await phone.evaluate("window.notReloaded") is True


async def test_languages_from_the_ticket_the_address_and_the_buttons(create_server: Any, pages: Pages) -> None:
    server = create_server()
    booth2 = await operator_at(server, "ch-booth-2")
    mine = await issue(await server.device("kiosk"), "pickup", lang="vi")
    phone = await open_phone(pages, server, mine["token"])
    await expect(phone.locator("#headline")).to_have_text("Vui lòng chờ đến lượt")  # the ticket's language
    await expect(phone.locator("#ahead")).to_have_text("Bạn sẽ được gọi ngay")
    await expect(phone.locator("#service")).to_have_text("カード交付")  # Japanese first, always
    await expect(phone.locator("#service-local")).to_have_text("Nhận thẻ")
    assert await phone.evaluate("document.documentElement.lang") == "vi"

    await phone.click(".v-lang[data-lang=ko]")
    await expect(phone.locator("#headline")).to_have_text("순서를 기다려 주십시오")
    await expect(phone.locator("#service-local")).to_have_text("카드 수령")
    assert phone.url.endswith("?lang=ko")  # a reload keeps the choice

    english = await open_phone(pages, server, mine["token"], "?lang=en")
    await expect(english.locator("#headline")).to_have_text("Please wait for your turn")
    await act(booth2, "/api/v1/counters/ch-booth-2/call-next")
    await expect(english.locator("#called-title")).to_have_text("Your number has been called")
    await expect(english.locator("#called-go")).to_have_text("Please go to counter 2")
    await expect(english.locator("#called-ja")).to_have_text("番号が呼ばれました — 2番窓口へお越しください")
    await expect(phone.locator("#called-go")).to_have_text("2번 창구로 와 주십시오")


async def test_a_locked_phone_catches_up_when_shown_again(create_server: Any, pages: Pages) -> None:
    """The phone was locked: the page froze and its socket died quietly, so the call never arrived. When the
    page is shown again it reconnects at once and shows the call (no reload, no waiting for a ping to fail)."""
    server = create_server()
    booth1 = await operator_at(server, "ch-booth-1")
    mine = await issue(await server.device("kiosk"), "pickup")
    locked = asyncio.Event()
    dropped = asyncio.Event()

    def relay(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if locked.is_set():
                dropped.set()  # lost with the dead connection
                return
            ws.send(message)

        upstream.on_message(from_server)
        ws.on_message(upstream.send)

    phone = await open_phone(pages, server, mine["token"], **{"**/ws/v1/tickets/*": relay})
    await phone.evaluate("window.notReloaded = true")
    await expect(phone.locator("#ahead")).to_have_text("まもなくお呼びします")
    await phone.evaluate(
        """() => {
            Object.defineProperty(document, "visibilityState", {configurable: true, get: () => window.shown ?? "visible"});
            window.shown = "hidden";
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    resyncs = int(await phone.evaluate("Number(document.body.dataset.resyncs ?? 0)"))
    locked.set()

    await act(booth1, "/api/v1/counters/ch-booth-1/call-next")
    await asyncio.wait_for(dropped.wait(), 10)
    await expect(phone.locator("#called")).to_be_hidden()  # the call was lost on the way

    locked.clear()
    await phone.evaluate(
        """() => {
            window.shown = "visible";
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    await expect(phone.locator("#called")).to_be_visible()
    await expect(phone.locator("#called-go")).to_have_text("1番窓口へお越しください")
    await expect(phone.locator("body")).to_have_attribute("data-resyncs", str(resyncs + 1))
    assert await phone.evaluate("window.notReloaded") is True


async def test_an_unknown_token_gets_a_friendly_page(create_server: Any, pages: Pages) -> None:
    server = create_server()
    context = await pages.browser.new_context(viewport=PHONE, locale="ja-JP")
    pages.contexts.append(context)
    page = await pages.page(context)
    response = await page.goto(f"{server.base_url}/t/no-such-token")
    assert response is not None and response.status == 404
    await expect(page.locator("h1")).to_have_text("この番号札は見つかりませんでした")
    await expect(page.locator(".v-second h2")).to_have_text("This ticket could not be found")


async def test_no_counter_open_says_so_until_one_opens(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server()
    mine = await issue(await server.device("kiosk"), "pickup")
    assert mine["counters_open"] == 0
    phone = await open_phone(pages, server, mine["token"])
    await expect(phone.locator("#headline")).to_have_text("順番をお待ちください")
    await expect(phone.locator("#ahead")).to_be_hidden()  # not 「まもなくお呼びします」: nobody can call it yet
    await expect(phone.locator("#estimate")).to_have_text(
        "ただいま、この手続きの窓口は開いていません。窓口が開きしだい、順番にお呼びします"
    )
    await phone.screenshot(animations="disabled", path=str(destination(tmp_path, "visitor-no-counter.png")))
    await phone.click(".v-lang[data-lang=en]")
    await expect(phone.locator("#estimate")).to_have_text(
        "No counter for this service is open right now. You will be called in turn as soon as one opens"
    )
    await operator_at(server, "ch-booth-1")  # the counter.changed event carries the line: live, no reload
    await expect(phone.locator("#ahead")).to_have_text("You will be called shortly")
    await expect(phone.locator("#estimate")).to_be_hidden()


FINISHED = {
    # outcome: (headline, what next) in Japanese, then in English
    "completed": ("手続きが終わりました", "お気をつけてお帰りください", "Your business is complete", "safe trip home"),
    "missing_documents": (
        "書類が足りませんでした", "書類をそろえて、あらためてお越しください",
        "Some documents were missing", "bring the documents the counter told you about and come again",
    ),
    "referred_to_city": (
        "市の職員に引き継ぎました", "市の職員が担当します",
        "Handed over to a city officer", "A city officer will take over from here",
    ),
    "guidance_only": ("ご案内が終わりました", "あらためてお越しください", "You have been given guidance", "come again"),
    "other": ("窓口での対応が終わりました", "総合案内へおたずねください", "Your visit to the counter is finished",
              "ask at the reception desk"),
}  # fmt: skip


async def test_each_end_says_what_happens_next(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server()
    booth1 = await operator_at(server, "ch-booth-1")
    kiosk = await server.device("kiosk")
    for outcome, (headline, next_ja, headline_en, next_en) in FINISHED.items():
        ticket = await issue(kiosk, "pickup")
        phone = await open_phone(pages, server, ticket["token"])
        await act(booth1, "/api/v1/counters/ch-booth-1/call-next")
        await act(booth1, f"/api/v1/tickets/{ticket['id']}/start")
        await act(booth1, f"/api/v1/tickets/{ticket['id']}/complete", {"outcome": outcome})
        await expect(phone.locator("#headline")).to_have_text(headline)
        await expect(phone.locator("#more")).to_contain_text(next_ja)
        await expect(phone.locator("body")).to_have_attribute("data-outcome", outcome)
        if outcome == "missing_documents":
            await phone.screenshot(
                animations="disabled", path=str(destination(tmp_path, "visitor-missing-documents.png"))
            )
        await phone.click(".v-lang[data-lang=en]")
        await expect(phone.locator("#headline")).to_have_text(headline_en)
        await expect(phone.locator("#more")).to_contain_text(next_en)
        if outcome == "referred_to_city":
            await phone.screenshot(animations="disabled", path=str(destination(tmp_path, "visitor-referred-en.png")))
        reloaded = await open_phone(pages, server, ticket["token"])  # the page opened afterwards says the same
        await expect(reloaded.locator("#headline")).to_have_text(headline)

    cancelled = await issue(kiosk, "pickup")
    phone = await open_phone(pages, server, cancelled["token"])
    await act(await server.login("guide", (SITE,)), f"/api/v1/tickets/{cancelled['id']}/cancel")
    await expect(phone.locator("#headline")).to_have_text("この番号札は取り消されました")
    await expect(phone.locator("#more")).to_contain_text("発券機で新しい番号札をお取りいただくか")
    await phone.click(".v-lang[data-lang=en]")
    await expect(phone.locator("#more")).to_contain_text("take a new ticket at the ticket machine")
