"""The waiting-room display board in a real browser: calls with their counters, the newest highlighted, the area
filter, the announcement queue (in order, never overlapping, recalls announced again), waits and notices, and
recovery by itself after the server process or the store restarts, with the calls made meanwhile.

Chromium runs as a board PC does, with ``--autoplay-policy=no-user-gesture-required``: the Web Audio graph
runs (headless, without a sound device, nothing is heard), so the queue advances on the sounds' real ``ended``
events. Screenshots for docs/screens/ (board.png, board-notice.png, board-names-en.png, board-area.png,
board-sound.png) are written with ``MADOGUCHI_SCREENSHOTS=1`` (as tests/e2e/test_screens.py)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from server.auth.principals import DeviceKind
from server.config import Config
from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LANDSCAPE, SITE, Pages, _missing

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screens"
ANNOUNCED = 90_000
"""Milliseconds to wait for announcements to be played (chime and voice take about 7 s each)."""


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Chromium as a board PC runs it: sound may start without a touch."""
    if CHROMIUM is None:
        _missing("chromium is not installed (apt-get install chromium)")
    expect.set_options(timeout=15_000)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"]
        )
        yield launched
        await launched.close()


def destination(tmp_path: Path, name: str) -> Path:
    return DOCS / name if os.environ.get("MADOGUCHI_SCREENSHOTS") == "1" else tmp_path / name


async def open_board(
    pages: Pages, server: LiveServer, query: str = "", *, token: str | None = None, fake_clock: bool = False
) -> Page:
    """The board of a board PC paired by its device cookie (as its pairing link would set it), live."""
    if token is None:
        created = await server.call(server.runtime.accounts.add_device(SITE, DeviceKind.BOARD, "e2e board"))
        token = str(created["token"])
    context = await pages.context(LANDSCAPE, fake_clock=fake_clock)
    await context.add_cookies([{"name": "madoguchi_device", "value": token, "url": server.base_url}])
    page = await pages.page(context)
    await page.goto(f"{server.base_url}/board/{SITE}{query}")
    await expect(page.locator("body[data-ready=true][data-connection=live]")).to_be_attached()
    return page


async def staff_counters(server: LiveServer, plan: dict[str, tuple[str, ...]]) -> dict[str, httpx.AsyncClient]:
    """One operator per counter (an operator holds one ticket at a time), each with the counter open."""
    operators = {}
    for counter, services in plan.items():
        operators[counter] = await server.login("operator", (SITE,))
        await open_counter(operators[counter], counter, *services)
    return operators


async def call_next(http: httpx.AsyncClient, counter: str) -> dict[str, Any]:
    r = await http.post(f"/api/v1/counters/{counter}/call-next")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def recall(http: httpx.AsyncClient, ticket: dict[str, Any]) -> None:
    r = await http.post(f"/api/v1/tickets/{ticket['id']}/recall")
    assert r.status_code == 200, r.text


async def log_entries(page: Page) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = await page.eval_on_selector_all(
        "#announce-log li",
        """items => items.map(li => ({...li.dataset, start: Number(li.dataset.start), end: Number(li.dataset.end)}))""",
    )
    return entries


async def serve(http: httpx.AsyncClient, ticket: dict[str, Any]) -> None:
    """The visitor came: start and complete the ticket (its number leaves the "now calling" list)."""
    for action, body in (("start", None), ("complete", {"outcome": "completed"})):
        r = await http.post(f"/api/v1/tickets/{ticket['id']}/{action}", json=body)
        assert r.status_code == 200, r.text


async def test_a_call_shows_its_counter_and_is_the_newest(create_server: Any, pages: Pages) -> None:
    server = create_server()
    operators = await staff_counters(server, {"ch-booth-1": ("pickup",), "ch-booth-2": ("pickup",)})
    kiosk = await server.device("kiosk")
    for _ in range(3):
        await issue(kiosk, "pickup")
    board = await open_board(pages, server, "?audio=chime")
    await board.evaluate("window.notReloaded = true")
    await expect(board.locator("#waits tr[data-service=pickup] .b-waiting")).to_have_text("3人")
    await expect(board.locator("#calls-none")).to_be_visible()

    first = await call_next(operators["ch-booth-1"], "ch-booth-1")
    call = board.locator("#calls li[data-number=P001]")
    await expect(call).to_have_attribute("data-newest", "true")
    await expect(call.locator(".b-call-label")).to_have_text("1番窓口")
    await expect(call).to_have_class("b-call newest blink")
    await expect(board.locator("#caption-ja")).to_have_text("受付番号 P001番の方、1番窓口へお越しください")
    await expect(board.locator("#caption-en")).to_have_text("Number P001, please come to counter 1.")

    await call_next(operators["ch-booth-2"], "ch-booth-2")
    await expect(board.locator("#calls li")).to_have_count(2)
    await expect(board.locator("#calls li").first).to_have_attribute("data-number", "P002")
    await expect(board.locator("#calls li[data-number=P002]")).to_have_attribute("data-newest", "true")
    await expect(call).to_have_attribute("data-newest", "false")
    await expect(board.locator("#waits tr[data-service=pickup] .b-waiting")).to_have_text("1人")

    await serve(operators["ch-booth-1"], first)  # P001 is at the counter: off the calls, into the recent list
    await expect(call).to_have_count(0)
    await expect(board.locator("#recent li[data-number=P001]")).to_contain_text("1番窓口")
    await expect(board.locator("#calls li[data-number=P002]")).to_have_attribute("data-newest", "true")
    assert await board.evaluate("window.notReloaded") is True


async def test_a_counters_english_line_is_its_name_en(create_server: Any, config: Config, pages: Pages) -> None:
    """A counter's English name from the configuration (name_en) under its Japanese label and in the caption's
    English sentence; without one, "Counter 2"."""
    site = config.site(SITE)
    assert site is not None
    counters = tuple(
        msgspec.structs.replace(c, name_en="My Number booth 1") if c.id == "ch-booth-1" else c for c in site.counters
    )
    sites = tuple(msgspec.structs.replace(s, counters=counters) if s.id == SITE else s for s in config.sites)
    server = create_server(config=msgspec.structs.replace(config, sites=sites))
    operators = await staff_counters(server, {"ch-booth-1": ("pickup",), "ch-booth-2": ("pickup",)})
    kiosk = await server.device("kiosk")
    for _ in range(2):
        await issue(kiosk, "pickup")
    board = await open_board(pages, server, "?audio=silent")
    await call_next(operators["ch-booth-1"], "ch-booth-1")
    # the caption's English sentence names it the same way
    await expect(board.locator("#caption-en")).to_have_text("Number P001, please come to My Number booth 1.")
    await expect(board.locator("#caption-ja")).to_have_text("受付番号 P001番の方、1番窓口へお越しください")
    await call_next(operators["ch-booth-2"], "ch-booth-2")
    await expect(board.locator("#caption-en")).to_have_text("Number P002, please come to counter 2.")
    first, second = board.locator("#calls li[data-number=P001]"), board.locator("#calls li[data-number=P002]")
    await expect(first.locator(".b-call-label")).to_have_text("1番窓口")
    await expect(first.locator(".b-call-en")).to_have_text("My Number booth 1")
    await expect(second.locator(".b-call-en")).to_have_text("Counter 2")
    cut = await board.locator(".b-call-en").evaluate_all(
        "(lines) => lines.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent)"
    )
    assert cut == []


async def test_a_service_no_open_counter_serves_says_so_until_one_opens(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    """Not 「待ちなし」 (nobody waits, but nobody could call either): 「窓口はまだ開いていません」 and "Counter
    closed", as the kiosk says, from the snapshot's counters, and then as counter.changed events keep them."""
    server = create_server()
    admin = await server.login("admin")
    await issue(admin, "application")
    board = await open_board(pages, server, "?audio=silent")
    await board.evaluate("window.notReloaded = true")
    pickup = board.locator("#waits tr[data-service=pickup] .b-wait")
    application = board.locator("#waits tr[data-service=application]")
    await expect(pickup).to_have_text("窓口はまだ開いていませんCounter closed")
    await expect(application.locator(".b-waiting")).to_have_text("1人")  # people wait even so
    await expect(application.locator(".b-wait")).to_have_text("窓口はまだ開いていませんCounter closed")
    await board.screenshot(animations="disabled", path=str(destination(tmp_path, "board-no-counter.png")))

    await open_counter(admin, "ch-booth-2", "pickup", "application")
    await expect(pickup).to_have_text("待ちなし")
    await expect(application.locator(".b-wait")).to_have_text("約20分")
    await expect(board.locator("#waits tr[data-service=abolition] .b-wait")).to_have_text(
        "窓口はまだ開いていませんCounter closed"
    )
    r = await admin.post("/api/v1/counters/ch-booth-2/close")
    assert r.status_code == 200, r.text
    await expect(pickup).to_have_text("窓口はまだ開いていませんCounter closed")
    assert await board.evaluate("window.notReloaded") is True


async def test_a_board_left_on_overnight_lets_yesterdays_calls_go(create_server: Any, pages: Pages) -> None:
    """Numbers restart every day: at 8:45 the next morning, yesterday's P001 and P002 are not on the board, even
    before the day-close job has run; today's P001 is shown as today's."""
    server = create_server()
    operators = await staff_counters(server, {"ch-booth-1": ("pickup",), "ch-booth-2": ("pickup",)})
    kiosk = await server.device("kiosk")
    for _ in range(2):
        await issue(kiosk, "pickup")
    board = await open_board(pages, server, "?audio=silent", fake_clock=True)
    await board.evaluate("window.notReloaded = true")
    await serve(operators["ch-booth-1"], await call_next(operators["ch-booth-1"], "ch-booth-1"))
    await call_next(operators["ch-booth-2"], "ch-booth-2")
    await expect(board.locator("#calls li[data-number=P002]")).to_be_visible()
    await expect(board.locator("#recent li[data-number=P001]")).to_be_visible()

    server.clock.set(datetime.fromisoformat("2026-11-25T08:45:00+09:00"))
    await board.clock.fast_forward("22:45:00")  # the board PC's night, by its own clock
    await board.clock.run_for(1000)
    await expect(board.locator("#calls li")).to_have_count(0)
    await expect(board.locator("#recent .b-recent-call")).to_have_count(0)
    await expect(board.locator("#date")).to_contain_text("11月25日")

    today = await server.login("operator", (SITE,))  # the morning shift signs in
    await issue(kiosk, "pickup")
    called = await call_next(today, "ch-booth-1")
    assert called["number"] == "P001" and called["business_date"] == "2026-11-25"
    await expect(board.locator("#calls li[data-number=P001]")).to_have_attribute("data-counter", "ch-booth-1")
    await expect(board.locator("#calls li")).to_have_count(1)
    await expect(board.locator("#recent .b-recent-call")).to_have_count(0)
    assert await board.evaluate("window.notReloaded") is True


async def test_area_filter_shows_and_announces_only_its_counters(create_server: Any, pages: Pages) -> None:
    server = create_server()
    operators = await staff_counters(server, {"ch-booth-1": ("pickup",), "ch-meeting-4": ("pickup",)})
    kiosk = await server.device("kiosk")
    for _ in range(2):
        await issue(kiosk, "pickup")
    booth = await open_board(pages, server, "?area=booth&audio=chime")
    meeting = await open_board(pages, server, "?area=meeting-room&audio=chime")
    await expect(booth.locator(".b-area")).to_have_text("マイナンバー専用ブース")
    await expect(meeting.locator(".b-area")).to_have_text("会議室")

    await call_next(operators["ch-booth-1"], "ch-booth-1")
    await call_next(operators["ch-meeting-4"], "ch-meeting-4")
    await expect(booth.locator("#calls li")).to_have_count(1)
    await expect(booth.locator("#calls li")).to_have_attribute("data-counter", "ch-booth-1")
    await expect(meeting.locator("#calls li")).to_have_count(1)
    await expect(meeting.locator("#calls li")).to_have_attribute("data-counter", "ch-meeting-4")
    await expect(meeting.locator("#calls li .b-call-label")).to_have_text("4番窓口")
    for page, number in ((booth, "P001"), (meeting, "P002")):
        await expect(page.locator("#announce-log li")).to_have_count(1)
        await expect(page.locator("#announce-log li")).to_have_attribute("data-number", number)


async def test_announcements_play_in_order_one_at_a_time_and_a_recall_is_announced_again(
    create_server: Any, pages: Pages
) -> None:
    server = create_server()
    operators = await staff_counters(server, {"ch-booth-1": ("pickup",), "ch-booth-3": ("pickup",)})
    kiosk = await server.device("kiosk")
    for _ in range(2):
        await issue(kiosk, "pickup")
    board = await open_board(pages, server)  # the site's policy: chime and Japanese voice

    first = await call_next(operators["ch-booth-1"], "ch-booth-1")
    await call_next(operators["ch-booth-3"], "ch-booth-3")  # while the first is still being announced
    await recall(operators["ch-booth-1"], first)
    log = board.locator("#announce-log li")
    await expect(log).to_have_count(3)
    await expect(board.locator("#announce-log li[data-state=done]")).to_have_count(3, timeout=ANNOUNCED)
    await expect(board.locator("body")).to_have_attribute("data-playing", "false")

    entries = await log_entries(board)
    assert [(e["number"], e["counter"], e["kind"]) for e in entries] == [
        ("P001", "ch-booth-1", "call"),
        ("P002", "ch-booth-3", "call"),
        ("P001", "ch-booth-1", "recall"),
    ]
    for before, after in itertools.pairwise(entries):
        assert after["start"] >= before["end"], f"{after} started before {before} ended"
    assert all(e["end"] > e["start"] for e in entries)
    assert [e["ended"] for e in entries] == ["ended"] * 3, "each advanced on its sound's own ended event"
    assert not any(e.get("muted") for e in entries)
    assert entries[0]["parts"] == "intro letter-p num-1 person num-1 counter"
    assert entries[1]["parts"] == "intro letter-p num-2 person num-3 counter"
    assert entries[2]["parts"] == "recall intro letter-p num-1 person num-1 counter"
    await expect(board.locator("#caption-ja")).to_have_text(
        "もう一度お呼びします。受付番号 P001番の方、1番窓口へお越しください"
    )


async def test_blocked_sound_shows_a_button_and_calls_are_still_written(create_server: Any, pages: Pages) -> None:
    """A browser that holds sound back until a touch (no kiosk flag): the board says so and keeps going.

    Headless chromium never enforces the autoplay policy, so the page gets an AudioContext that behaves as a
    blocked one does: suspended, and resumable only after a touch."""
    server = create_server()
    operators = await staff_counters(server, {"ch-booth-1": ("pickup",)})
    await issue(await server.device("kiosk"), "pickup")
    created = await server.call(server.runtime.accounts.add_device(SITE, DeviceKind.BOARD, "e2e board"))
    context = await pages.context(LANDSCAPE)
    await context.add_init_script(
        """(() => {
            let touched = false; // Playwright's navigation counts as user activation: track real touches
            addEventListener("pointerdown", () => { touched = true; }, true);
            const Real = window.AudioContext;
            window.AudioContext = class extends Real {
                constructor(options) { super(options); super.suspend(); }
                resume() { return touched ? super.resume() : Promise.resolve(); }
            };
        })()"""
    )
    await context.add_cookies([{"name": "madoguchi_device", "value": created["token"], "url": server.base_url}])
    board = await pages.page(context)
    await board.goto(f"{server.base_url}/board/{SITE}")
    await expect(board.locator("#sound-enable")).to_be_visible()
    await expect(board.locator("#sound-enable")).to_contain_text("音声を出すには、画面をタッチしてください")

    await call_next(operators["ch-booth-1"], "ch-booth-1")
    entry = board.locator("#announce-log li[data-number=P001]")
    await expect(entry).to_have_attribute("data-state", "done")
    await expect(entry).to_have_attribute("data-muted", "true")
    await expect(board.locator("#caption-ja")).to_have_text("受付番号 P001番の方、1番窓口へお越しください")

    await board.click("#sound-enable")
    await expect(board.locator("#sound-enable")).to_be_hidden()
    await expect(board.locator("body")).to_have_attribute("data-sound", "on")


async def test_board_recovers_after_a_server_restart_with_the_calls_made_meanwhile(
    create_server: Any, pages: Pages
) -> None:
    first = create_server()
    other = create_server()  # a second process on the same store takes the calls while the first is down
    port = int(first.base_url.rsplit(":", 1)[1])
    operators = await staff_counters(other, {"ch-booth-1": ("pickup",), "ch-booth-2": ("pickup",)})
    kiosk = await other.device("kiosk")
    for _ in range(3):
        await issue(kiosk, "pickup")
    board = await open_board(pages, first, "?audio=chime")
    await board.evaluate("window.notReloaded = true")
    await call_next(operators["ch-booth-1"], "ch-booth-1")
    await expect(board.locator("#calls li[data-number=P001]")).to_be_visible()

    first.stop()
    await expect(board.locator("#connection")).to_be_visible()
    await expect(board.locator("#connection-text")).to_have_text("接続が切れました。再接続しています…")
    await call_next(operators["ch-booth-2"], "ch-booth-2")  # made while the board is away

    create_server(port=port)
    await expect(board.locator("#connection")).to_be_hidden(timeout=30_000)
    await expect(board.locator("#calls li[data-number=P002]")).to_have_attribute("data-newest", "true")
    await expect(board.locator("#calls li[data-number=P002] .b-call-label")).to_have_text("2番窓口")
    await expect(board.locator("#calls li")).to_have_count(2)
    # the call made meanwhile is still announced (its visitor is still being called), once
    await expect(board.locator("#announce-log li[data-number=P002]")).to_have_count(1)
    await expect(board.locator("#waits tr[data-service=pickup] .b-waiting")).to_have_text("1人")
    assert await board.evaluate("window.notReloaded") is True


async def test_board_carries_on_after_the_store_restarts(create_redis: Any, create_server: Any, pages: Pages) -> None:
    store = create_redis()
    server = create_server(url=store.url)
    operators = await staff_counters(server, {"ch-booth-1": ("pickup",), "ch-booth-2": ("pickup",)})
    kiosk = await server.device("kiosk")
    for _ in range(3):
        await issue(kiosk, "pickup")
    board = await open_board(pages, server, "?audio=chime")
    await board.evaluate("window.notReloaded = true")
    await call_next(operators["ch-booth-1"], "ch-booth-1")
    await expect(board.locator("#calls li[data-number=P001]")).to_be_visible()

    store.signal(signal.SIGKILL)
    down = await operators["ch-booth-2"].post("/api/v1/counters/ch-booth-2/call-next")
    assert down.status_code == 503 and down.json()["code"] == "store_unavailable"
    store.start()  # same data and port: the AOF is replayed

    async def call_when_back() -> dict[str, Any]:
        while True:  # each request waits for the server's answer, which paces the loop
            r = await operators["ch-booth-2"].post("/api/v1/counters/ch-booth-2/call-next")
            if r.status_code != 503:
                assert r.status_code == 200, r.text
                data: dict[str, Any] = r.json()
                return data

    called = await asyncio.wait_for(call_when_back(), 30)
    assert called["number"] == "P002"
    await expect(board.locator("#calls li[data-number=P002]")).to_have_attribute("data-newest", "true", timeout=30_000)
    await expect(board.locator("#calls li[data-number=P001]")).to_be_visible()
    await expect(board.locator("#announce-log li[data-number=P002]")).to_have_count(1)
    await expect(board.locator("#connection")).to_be_hidden()
    assert await board.evaluate("window.notReloaded") is True


async def test_on_a_closed_day_the_board_says_so(create_server: Any, pages: Pages) -> None:
    server = create_server(at=datetime.fromisoformat("2026-11-22T10:00:00+09:00"))  # a Sunday without an opening
    board = await open_board(pages, server, "?audio=silent")
    await expect(board.locator("#waits tr")).to_have_count(0)
    await expect(board.locator("#waits-closed")).to_have_text("本日は受付をしていません Closed today")
    open_day = create_server()
    weekday = await open_board(pages, open_day, "?audio=silent")
    await expect(weekday.locator("#waits tr[data-service=pickup]")).to_be_visible()
    await expect(weekday.locator("#waits-closed")).to_be_hidden()


# ---- reading distance: sizes, nothing clipped, the sound prompt out of the way, the caption ------------------------

MIN_TEXT_PX = 28
"""No text a visitor reads on the board is smaller (docs/PAGES.md, "Reading distance")."""
NAME_JA_PX = 36
"""Service names in Japanese: kanji about 20 mm high on a 55-inch 1080p screen, legible at 5 m."""
NAME_EN_PX = 33
"""Service names in English: capitals about 15 mm high on that screen, legible at 5 m."""
FIGURES_PX = {".b-waiting": 44, ".b-wait": 36}
"""People waiting and the estimated wait, in rows with people waiting (「窓口はまだ開いていません」 in the wait
column is a sentence, not a figure: it is held to the 28 px floor of all text)."""
CALL_PX = {".b-call-number": 110, ".b-call-label": 64}
"""The called numbers and their counters, the largest things on the screen (up to 6 calls at once)."""

MEASURE = """() => {
    const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
    const shown = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: false});
    const px = (el) => parseFloat(getComputedStyle(el).fontSize);
    const texts = [];
    const walker = document.createTreeWalker(document.querySelector("#screen"), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.textContent.trim() || !shown(el) || el.closest(".sr-only, #sound-enable")) continue;
        texts.push({text: node.textContent.trim(), px: px(el), lang: el.closest("[lang]").lang, call: !!el.closest("#calls")});
    }
    const panel = document.querySelector(".b-waits");
    const inner = panel.getBoundingClientRect();
    const pad = parseFloat(getComputedStyle(panel).paddingBottom);
    const describe = (el) => `${el.tagName}.${el.className} ${el.scrollWidth}x${el.scrollHeight} > ${el.clientWidth}x${el.clientHeight}`;
    // nothing sticks out of what clips it; text in the cells and the header does not spill sideways
    const outside = (inner, outer) => (inner.width > 0 || inner.height > 0) && (
        inner.top < outer.top - 0.5 || inner.left < outer.left - 0.5 || inner.bottom > outer.bottom + 0.5 || inner.right > outer.right + 0.5);
    const clipping = [...document.querySelectorAll("body, #screen, .b-main, .b-calling, .b-waits, .b-recent, .b-call")]
        .filter(shown)
        .flatMap((box) => [...box.querySelectorAll("*")].filter((el) =>
            shown(el) && !el.closest(".sr-only, #ticker") && outside(el.getBoundingClientRect(), box.getBoundingClientRect())));
    const spilling = [...document.querySelectorAll("#waits th, #waits td, .b-service-names > *, .b-alt > *, .b-head > *")]
        .filter((el) => shown(el) && el.scrollWidth > el.clientWidth);
    const overflowing = [...clipping, ...spilling].map(describe);
    return {
        viewport: {width: innerWidth, height: innerHeight},
        fit: panel.dataset.fit,
        rows: [...document.querySelectorAll("#waits tr")].filter(shown).map((tr) => ({service: tr.dataset.service, ...box(tr)})),
        panelBottom: inner.bottom - pad,
        parts: [...document.querySelectorAll(".b-head, .b-calling, .b-recent, .b-waits, #ticker")].filter(shown)
            .map((el) => ({name: el.className, ...box(el)})),
        overflowing,
        texts,
        names: [...document.querySelectorAll("#waits .b-service-names > *")].map((el) => ({lang: el.lang, px: px(el)})),
        figures: Object.fromEntries(Object.keys(FIGURES).map((s) =>
            [s, Math.min(...[...document.querySelectorAll(`#waits tr:not(.idle) ${s}:not(.b-closed)`)].map(px))])),
        calls: Object.fromEntries(Object.keys(CALLS).map((s) =>
            [s, Math.min(...[...document.querySelectorAll(`#calls ${s}`)].map(px))])),
    };
}"""


async def measure(page: Page) -> dict[str, Any]:
    script = f"(() => {{ const FIGURES = {FIGURES_PX}; const CALLS = {CALL_PX}; return ({MEASURE})(); }})()"
    data: dict[str, Any] = await page.evaluate(script)
    return data


def assert_readable(m: dict[str, Any], services: int) -> None:
    """Every service has its row, inside its panel; nothing clipped or scrolled; no type under the floors."""
    width, height = m["viewport"]["width"], m["viewport"]["height"]
    assert len({row["service"] for row in m["rows"]}) == services, m["rows"]
    for part in m["parts"]:
        assert part["top"] >= 0 and part["left"] >= 0, part
        assert part["bottom"] <= height and part["right"] <= width, part
    for row in m["rows"]:
        assert row["bottom"] <= m["panelBottom"] + 0.5, f"row {row} below the waits panel ({m['panelBottom']})"
    assert m["overflowing"] == [], "\n".join(m["overflowing"])
    small = [t for t in m["texts"] if t["px"] < MIN_TEXT_PX]
    assert small == [], small
    assert min(n["px"] for n in m["names"] if n["lang"] == "ja") >= NAME_JA_PX
    assert min(n["px"] for n in m["names"] if n["lang"] == "en") >= NAME_EN_PX
    for selector, floor in FIGURES_PX.items():
        assert m["figures"][selector] >= floor, (selector, m["figures"])
    for selector, floor in CALL_PX.items():
        assert m["calls"][selector] >= floor, (selector, m["calls"])
    others = max(t["px"] for t in m["texts"] if not t["call"])
    assert others < min(m["calls"].values()), f"the called numbers and counters are the largest ({others} px)"


def city_hall_services(server: LiveServer) -> list[str]:
    site = server.runtime.config.site(SITE)
    assert site is not None
    return list(site.services)


async def city_hall_busy(server: LiveServer) -> tuple[httpx.AsyncClient, dict[str, httpx.AsyncClient]]:
    """Every one of City Hall's services (config/fukutsu.toml: nine, the most of any site) with people waiting, six
    counters calling and earlier calls: the fullest board the city has."""
    admin = await server.login("admin")
    plan = {
        "ch-booth-1": ("pickup",),
        "ch-booth-2": ("application", "inquiry"),
        "ch-booth-3": ("pickup", "e-cert"),
        "ch-meeting-4": ("pickup", "e-cert"),
        "ch-meeting-5": ("application",),
        "ch-meeting-6": ("insurance-link", "surface-update"),
    }
    operators = await staff_counters(server, plan)
    for service in city_hall_services(server):
        for _ in range(3 if service in ("pickup", "application") else 1):
            await issue(admin, service)
    for service in ("pickup", "pickup", "application", "e-cert"):
        await issue(admin, service)
    for counter in ("ch-booth-1", "ch-booth-3", "ch-booth-2", "ch-booth-1"):
        await serve(operators[counter], await call_next(operators[counter], counter))
    return admin, operators


async def test_the_board_is_readable_from_the_back_of_the_room_and_clips_nothing(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    """1920×1080 with City Hall's nine services waiting and six calls: without a notice, with one, and the meeting
    room's board. Each service has its row inside the waits panel, nothing is clipped or scrolls, and no text is
    under the sizes chosen for distance; the names taking turns in Japanese and English take the same room."""
    server = create_server()
    admin, operators = await city_hall_busy(server)
    services = len(city_hall_services(server))
    assert services >= 9
    board = await open_board(pages, server, "?audio=silent")
    meeting = await open_board(pages, server, "?area=meeting-room&audio=silent")
    for counter in ("ch-meeting-6", "ch-meeting-5", "ch-meeting-4", "ch-booth-2", "ch-booth-1", "ch-booth-3"):
        await call_next(operators[counter], counter)
    await expect(board.locator("#calls li")).to_have_count(6)
    await expect(meeting.locator("#calls li")).to_have_count(3)
    await expect(board.locator("#ticker")).to_be_hidden()

    plain = await measure(board)
    assert_readable(plain, services)
    await board.locator(".b-waits").evaluate("el => el.dataset.names = 'en'")
    english = await measure(board)
    assert_readable(english, services)
    assert [r["bottom"] for r in english["rows"]] == [r["bottom"] for r in plain["rows"]], "no row moved"
    await board.screenshot(animations="disabled", path=str(destination(tmp_path, "board-names-en.png")))
    await board.locator(".b-waits").evaluate("el => el.dataset.names = 'ja'")
    await board.screenshot(animations="disabled", path=str(destination(tmp_path, "board.png")))

    notice = {
        "text": "本日は午後から大変混み合います。お早めにお越しください",
        "texts": {"en": "Very busy this afternoon"},
    }
    assert (await admin.post(f"/api/v1/sites/{SITE}/notices", json=notice)).status_code == 201
    for page in (board, meeting):
        await expect(page.locator("#notices-list li")).to_have_count(1)
    await board.screenshot(animations="disabled", path=str(destination(tmp_path, "board-notice.png")))
    assert_readable(await measure(board), services)

    await expect(meeting.locator("#calls li.newest")).to_have_attribute("data-counter", "ch-meeting-4")
    assert_readable(await measure(meeting), services)
    await meeting.locator(".b-waits").evaluate("el => el.dataset.names = 'ja'")
    await meeting.screenshot(animations="disabled", path=str(destination(tmp_path, "board-area.png")))


async def test_the_sound_prompt_stays_out_of_the_waits_and_the_recent_calls(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    """Sound held back until a touch (a browser without the kiosk flag): the prompt is in the header, over nothing
    a visitor reads, and the board is as readable as without it."""
    server = create_server()
    _, operators = await city_hall_busy(server)
    for counter in ("ch-booth-1", "ch-booth-2", "ch-meeting-4"):
        await call_next(operators[counter], counter)
    created = await server.call(server.runtime.accounts.add_device(SITE, DeviceKind.BOARD, "e2e board"))
    context = await pages.context(LANDSCAPE)
    await context.add_init_script(
        """(() => {
            const Real = window.AudioContext;
            window.AudioContext = class extends Real {
                constructor(options) { super(options); super.suspend(); }
                resume() { return Promise.resolve(); }
            };
        })()"""
    )
    await context.add_cookies([{"name": "madoguchi_device", "value": created["token"], "url": server.base_url}])
    board = await pages.page(context)
    await board.goto(f"{server.base_url}/board/{SITE}?audio=chime")
    await expect(board.locator("body[data-ready=true][data-connection=live]")).to_be_attached()
    prompt = board.locator("#sound-enable")
    await expect(prompt).to_be_visible()
    await expect(board.locator("#recent .b-recent-call").first).to_be_visible()
    assert_readable(await measure(board), len(city_hall_services(server)))

    around = await prompt.bounding_box()
    assert around is not None
    assert around["height"] <= 110 and around["width"] <= 560, f"a small prompt: {around}"
    read = board.locator(".b-calling, .b-recent, .b-waits, #waits tr, #recent li, #ticker")
    for i in range(await read.count()):
        other = await read.nth(i).bounding_box()
        if other is None:
            continue
        apart = (
            around["x"] + around["width"] <= other["x"]
            or other["x"] + other["width"] <= around["x"]
            or around["y"] + around["height"] <= other["y"]
            or other["y"] + other["height"] <= around["y"]
        )
        assert apart, f"the sound prompt {around} covers {await read.nth(i).evaluate('el => el.className')} {other}"
    await board.screenshot(animations="disabled", path=str(destination(tmp_path, "board-sound.png")))


async def test_the_caption_follows_the_calls(create_server: Any, pages: Pages) -> None:
    """The sentence under the calls says the newest number still being called; when a number stops being called
    (the visitor came, a no-show, back to the line, cancelled) it says the newest one left, or nothing."""
    server = create_server()
    operators = await staff_counters(server, {"ch-booth-1": ("pickup",), "ch-booth-2": ("pickup",)})
    guide = await server.login("guide", (SITE,))
    kiosk = await server.device("kiosk")
    for _ in range(6):
        await issue(kiosk, "pickup")
    board = await open_board(pages, server, "?audio=silent")
    caption = board.locator("#caption-ja")
    await expect(board.locator("#caption")).to_be_hidden()

    first = await call_next(operators["ch-booth-1"], "ch-booth-1")
    await expect(caption).to_have_text("受付番号 P001番の方、1番窓口へお越しください")
    second = await call_next(operators["ch-booth-2"], "ch-booth-2")
    await expect(caption).to_have_text("受付番号 P002番の方、2番窓口へお越しください")
    await expect(board.locator("#caption-en")).to_have_text("Number P002, please come to counter 2.")

    await serve(operators["ch-booth-2"], second)  # P002 came: the caption goes back to P001, still called
    await expect(caption).to_have_text("受付番号 P001番の方、1番窓口へお越しください")
    await serve(operators["ch-booth-1"], first)  # P001 came too: nothing is being called
    await expect(board.locator("#calls-none")).to_be_visible()
    await expect(board.locator("#caption")).to_be_hidden()
    await expect(caption).to_have_text("")

    for action in ("no-show", "return", "cancel"):
        called = await call_next(operators["ch-booth-1"], "ch-booth-1")
        await expect(caption).to_contain_text(f"{called['number']}番の方、1番窓口")
        who = guide if action == "cancel" else operators["ch-booth-1"]
        r = await who.post(f"/api/v1/tickets/{called['id']}/{action}")
        assert r.status_code == 200, r.text
        await expect(board.locator("#caption")).to_be_hidden()

    third = await call_next(operators["ch-booth-2"], "ch-booth-2")
    await board.reload()  # a board switched on while a number is being called says it
    await expect(board.locator("body[data-ready=true][data-connection=live]")).to_be_attached()
    await expect(caption).to_have_text(f"受付番号 {third['number']}番の方、2番窓口へお越しください")
