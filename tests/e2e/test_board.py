"""The waiting-room display board in a real browser: calls with their counters, the newest highlighted, the area
filter, the announcement queue (in order, never overlapping, recalls announced again), waits and notices, and
recovery by itself after the server process or the store restarts, with the calls made meanwhile.

Chromium runs as a board PC does, with ``--autoplay-policy=no-user-gesture-required``: the Web Audio graph
runs (headless, without a sound device, nothing is heard), so the queue advances on the sounds' real ``ended``
events. Screenshots for docs/screens/ are written with ``MADOGUCHI_SCREENSHOTS=1`` (as tests/e2e/test_screens.py).
"""

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
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from server.auth.principals import DeviceKind
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


async def test_board_screens(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    """docs/screens/board.png (the whole site) and board-area.png (the meeting room only)."""
    server = create_server()
    admin = await server.login("admin")
    plan = {
        "ch-booth-1": ("pickup",),
        "ch-booth-2": ("application", "inquiry"),
        "ch-booth-3": ("pickup", "e-cert"),
        "ch-meeting-4": ("pickup", "e-cert"),
        "ch-meeting-5": ("application",),
    }
    operators = await staff_counters(server, plan)
    for service, n in {"pickup": 14, "application": 5, "e-cert": 4, "inquiry": 2, "insurance-link": 1}.items():
        for _ in range(n):
            await issue(admin, service)
    for counter in ("ch-booth-1", "ch-booth-3", "ch-booth-2", "ch-booth-1", "ch-meeting-4", "ch-booth-3"):
        await serve(operators[counter], await call_next(operators[counter], counter))
    notice = {
        "text": "本日は午後から大変混み合います。お早めにお越しください",
        "texts": {"en": "Very busy this afternoon"},
    }
    assert (await admin.post(f"/api/v1/sites/{SITE}/notices", json=notice)).status_code == 201
    board = await open_board(pages, server, "?audio=silent")
    meeting = await open_board(pages, server, "?area=meeting-room&audio=silent")
    for counter in ("ch-meeting-5", "ch-meeting-4", "ch-booth-2", "ch-booth-1", "ch-booth-3"):
        await call_next(operators[counter], counter)
    await expect(board.locator("#calls li")).to_have_count(5)
    await expect(board.locator("#calls li.newest")).to_have_attribute("data-counter", "ch-booth-3")
    await expect(board.locator("#notices-list li")).to_have_count(1)
    await board.screenshot(animations="disabled", path=str(destination(tmp_path, "board.png")))
    await expect(meeting.locator("#calls li")).to_have_count(2)
    await expect(meeting.locator("#calls li.newest")).to_have_attribute("data-counter", "ch-meeting-4")
    await expect(meeting.locator("#recent li")).to_have_count(1)
    await meeting.screenshot(animations="disabled", path=str(destination(tmp_path, "board-area.png")))


async def test_on_a_closed_day_the_board_says_so(create_server: Any, pages: Pages) -> None:
    server = create_server(at=datetime.fromisoformat("2026-11-22T10:00:00+09:00"))  # a Sunday without an opening
    board = await open_board(pages, server, "?audio=silent")
    await expect(board.locator("#waits tr")).to_have_count(0)
    await expect(board.locator("#waits-closed")).to_have_text("本日は受付をしていません Closed today")
    open_day = create_server()
    weekday = await open_board(pages, open_day, "?audio=silent")
    await expect(weekday.locator("#waits tr[data-service=pickup]")).to_be_visible()
    await expect(weekday.locator("#waits-closed")).to_be_hidden()
