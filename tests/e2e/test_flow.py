"""The whole counter flow across pages, each in its own browser as at the site: the kiosk issues, the counter
console calls, the board shows and announces the call, the visitor's phone says "called", the console
completes; a recall is announced again; two consoles racing for the next number; and the board and console
finding their way back by themselves after the server process and the store restart, with the calls made while
they were away.

The board runs as a board PC does (``--autoplay-policy=no-user-gesture-required``, the ``browser`` fixture of
test_board.py), so its announcement queue runs for real.
"""

from __future__ import annotations

import asyncio
import re
import signal
from typing import Any
from urllib.parse import unquote

from playwright.async_api import Page, expect

from tests.conftest import issue, open_counter
from tests.e2e.conftest import Pages, issue_on_kiosk
from tests.e2e.test_board import ANNOUNCED, browser, open_board  # noqa: F401  (browser: the board PC's chromium)
from tests.e2e.test_console import open_console, wait_ready
from tests.e2e.test_visitor import open_phone


async def token_on_screen(kiosk: Page) -> str:
    """The visitor token of the ticket on the kiosk's screen (its QR code points at the status page)."""
    src = await kiosk.get_attribute("#ticket-qr", "src")
    assert src is not None and src.startswith("/api/v1/tickets/by-token/")
    return unquote(src.removeprefix("/api/v1/tickets/by-token/").removesuffix("/qr.svg"))


async def test_kiosk_to_console_to_board_to_phone_and_back(create_server: Any, pages: Pages) -> None:
    server = create_server()
    board = await open_board(pages, server)
    console = await open_console(pages, server, "ch-booth-2", ("pickup",))
    kiosk = await pages.kiosk(server)
    for page in (board, console, kiosk):
        await page.evaluate("window.notReloaded = true")

    number = await issue_on_kiosk(kiosk, "pickup")
    assert number == "P001"
    phone = await open_phone(pages, server, await token_on_screen(kiosk))
    await expect(phone.locator("#number")).to_have_text("P001")
    await expect(phone.locator("#ahead")).to_have_text("まもなくお呼びします")
    await expect(board.locator("#waits tr[data-service=pickup] .b-waiting")).to_have_text("1人")
    await expect(console.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(1)

    await console.click("[data-action=call-next]")
    await expect(console.locator("#ticket-number")).to_have_text("P001")
    call = board.locator("#calls li[data-number=P001]")
    await expect(call).to_have_attribute("data-newest", "true")
    await expect(call.locator(".b-call-label")).to_have_text("2番窓口")
    announced = board.locator("#announce-log li[data-number=P001]")
    await expect(announced).to_have_count(1)
    await expect(announced).to_have_attribute("data-kind", "call")
    await expect(announced).to_have_attribute("data-counter", "ch-booth-2")
    await expect(board.locator("#caption-ja")).to_have_text("受付番号 P001番の方、2番窓口へお越しください")
    await expect(phone.locator("#called")).to_be_visible()
    await expect(phone.locator("#called-number")).to_have_text("P001")
    await expect(phone.locator("#called-go")).to_have_text("2番窓口へお越しください")

    await console.click("[data-action=recall]")
    await expect(announced).to_have_count(2)
    await expect(announced.nth(1)).to_have_attribute("data-kind", "recall")
    await expect(phone.locator("#called-again")).to_be_visible()
    await expect(board.locator("#announce-log li[data-state=done]")).to_have_count(2, timeout=ANNOUNCED)

    await console.click("[data-action=start]")
    await expect(phone.locator("#headline")).to_have_text("ただいま窓口で対応しています")
    await console.click("[data-action=complete]")
    await console.locator("#complete-dialog input[value=completed]").check()
    await console.click("#complete-ok")
    await expect(console.locator("#own-count")).to_have_text("1件")
    await expect(phone.locator("#headline")).to_have_text("手続きが終わりました")
    await expect(call).to_have_count(0)
    await expect(board.locator("#recent li[data-number=P001]")).to_contain_text("2番窓口")
    for page in (board, console, kiosk):
        assert await page.evaluate("window.notReloaded") is True, "live updates, never a reload"


async def test_two_consoles_racing_for_the_next_number_get_different_tickets(create_server: Any, pages: Pages) -> None:
    server = create_server()
    kiosk = await server.device("kiosk")
    for _ in range(2):
        await issue(kiosk, "pickup")
    one = await open_console(pages, server, "ch-booth-1", ("pickup",))
    two = await open_console(pages, server, "ch-booth-2", ("pickup",))
    board = await open_board(pages, server, "?audio=silent")

    await asyncio.gather(one.click("[data-action=call-next]"), two.click("[data-action=call-next]"))
    for page in (one, two):
        await expect(page.locator("#ticket-number")).to_have_text(re.compile(r"^P00[12]$"))
    got = [await page.locator("#ticket-number").text_content() for page in (one, two)]
    assert sorted(got) == ["P001", "P002"], got
    await expect(board.locator("#calls li")).to_have_count(2)
    for page in (one, two):
        await expect(page.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(0)


async def test_board_and_console_come_back_by_themselves_with_the_calls_made_meanwhile(
    create_redis: Any, create_server: Any, pages: Pages
) -> None:
    store = create_redis()
    first = create_server(url=store.url)
    port = int(first.base_url.rsplit(":", 1)[1])
    kiosk = await first.device("kiosk")
    for _ in range(4):
        await issue(kiosk, "pickup")
    board = await open_board(pages, first, "?audio=chime")
    console = await open_console(pages, first, "ch-booth-1", ("pickup",))
    for page in (board, console):
        await page.evaluate("window.notReloaded = true")

    # the server process goes away; another process on the same store keeps the counters going meanwhile
    first.stop()
    for page in (board, console):
        await expect(page.locator("body")).to_have_attribute("data-connection", "reconnecting")
    other = create_server(url=store.url)
    booth2 = await other.login("operator", ("city-hall",))
    await open_counter(booth2, "ch-booth-2", "pickup")
    assert (await booth2.post("/api/v1/counters/ch-booth-2/call-next")).status_code == 200
    back = create_server(url=store.url, port=port)
    for page in (board, console):
        await expect(page.locator("body")).to_have_attribute("data-connection", "live", timeout=30_000)
    await expect(board.locator("#calls li[data-number=P001]")).to_have_attribute("data-counter", "ch-booth-2")
    await expect(board.locator("#announce-log li[data-number=P001]")).to_have_count(1)
    await expect(console.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(3)

    # the store restarts (kill -9, AOF replayed): both pick up the next calls without a reload
    store.signal(signal.SIGKILL)
    store.start()
    await wait_ready(await back.login("admin"))
    await console.click("[data-action=call-next]")
    await expect(console.locator("#ticket-number")).to_have_text("P002")
    await expect(board.locator("#calls li[data-number=P002]")).to_have_attribute("data-counter", "ch-booth-1")
    await expect(board.locator("#announce-log li[data-number=P002]")).to_have_count(1)
    assert (await booth2.post("/api/v1/counters/ch-booth-2/call-next")).status_code == 409  # still holds P001
    for page in (board, console):
        assert await page.evaluate("window.notReloaded") is True
