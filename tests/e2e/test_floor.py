"""The floor overview (/admin/floor) in a real browser: a manager watches an operator call and start a ticket through
the API, and the page shows it at once on that counter with its timer, which runs on by the server's clock; the
waiting lines, the longest wait and today's totals follow. A manager of Tsuyazaki cannot open City Hall's floor.
Also the screenshots of docs/ADMIN.md at 1920×1080 and 1366×768 (``MADOGUCHI_SCREENSHOTS=1``, as
tests/e2e/test_screens.py explains), each checked to fit the screen's width.

The server's clock starts on Tuesday 24 November 2026, 10:00 (City Hall has its six counters in November).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from server.auth.principals import Role
from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import LANDSCAPE, Pages
from tests.e2e.test_admin import SMALL, fits, sign_in
from tests.e2e.test_screens import destination

PASSWORD = "Zq7-floor-secret-1"


async def person(server: LiveServer, login: str, name: str, role: Role, *sites: str) -> httpx.AsyncClient:
    """An account with a display name, signed in over HTTP."""
    await server.call(server.runtime.accounts.add_staff(login, name, role, sites, PASSWORD))
    client = server.http()
    r = await client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["x-csrf-token"] = r.json()["csrf"]
    return client


async def open_floor(
    pages: Pages, server: LiveServer, query: str, *, sites: tuple[str, ...] = ("city-hall",),
    viewport: dict[str, int] = LANDSCAPE, fake_clock: bool = False,
) -> Page:  # fmt: skip
    """/admin/floor<query> signed in through its form as a new manager of ``sites``; waits for the counters."""
    credentials = await server.add_staff("manager", sites)
    page = await pages.page(await pages.context(viewport, fake_clock=fake_clock))
    await page.goto(f"{server.base_url}/admin/floor{query}")
    await sign_in(page, credentials["login"], credentials["password"])
    await expect(page.locator("#main[data-ready=true]")).to_be_attached()
    await expect(page.locator("#floor-counters .f-counter").first).to_be_visible()
    return page


async def test_a_manager_sees_a_call_and_its_service_live_with_the_counter_and_timer(
    create_server: Any, pages: Pages
) -> None:
    server = create_server()
    operator = await person(server, "sato", "佐藤 一郎", Role.OPERATOR, "city-hall")
    kiosk = await server.device("kiosk")
    for service in ("pickup", "pickup", "e-cert"):
        await issue(kiosk, service)
    server.clock.advance(timedelta(minutes=12))  # the first visitors have waited 12 minutes
    await open_counter(operator, "ch-booth-1", "pickup", "e-cert")

    page = await open_floor(pages, server, "?site=city-hall", fake_clock=True)
    counter = page.locator(".f-counter[data-counter=ch-booth-1]")
    pickup = page.locator("#floor-lines tr[data-service=pickup]")
    await expect(counter.locator(".f-state")).to_have_text("受付中")
    await expect(counter.locator(".f-operator")).to_have_text("佐藤 一郎")
    await expect(counter.locator(".f-idle")).to_have_text("番号なし")
    await expect(pickup.locator(".f-waiting")).to_have_text("2")
    await expect(pickup.locator(".f-longest")).to_have_text(re.compile(r"^1[23]分$"))
    await expect(page.locator("[data-total=issued] dd")).to_have_text("3")
    await expect(page.locator("[data-total=waiting] dd")).to_have_text("3")
    await expect(page.locator(".f-counter[data-counter=ch-booth-2] .f-state")).to_have_text("閉鎖")

    called = await operator.post("/api/v1/counters/ch-booth-1/call-next")
    assert called.status_code == 200, called.text
    await expect(counter.locator(".f-number")).to_have_text("P001")
    await expect(counter.locator(".f-ticket-status")).to_have_text("呼出中")
    await expect(counter.locator(".f-timer")).to_have_text(re.compile(r"^0:\d\d$"))
    await expect(pickup.locator(".f-waiting")).to_have_text("1")
    await expect(page.locator("[data-total=waiting] dd")).to_have_text("2")

    started = await operator.post(f"/api/v1/tickets/{called.json()['id']}/start")
    assert started.status_code == 200, started.text
    await expect(counter.locator(".f-ticket-status")).to_have_text("対応中")
    await expect(counter).to_have_attribute("data-ticket-status", "serving")
    await expect(counter.locator(".f-timer")).to_have_text(re.compile(r"^0:\d\d$"))
    await page.clock.fast_forward(65_000)  # the page's own clock runs on: the timer with it
    await expect(counter.locator(".f-timer")).to_have_text(re.compile(r"^1:\d\d$"))

    done = await operator.post(f"/api/v1/tickets/{called.json()['id']}/complete", json={"outcome": "completed"})
    assert done.status_code == 200, done.text
    await expect(counter.locator(".f-idle")).to_be_visible()
    await expect(page.locator("[data-total=served] dd")).to_have_text("1")
    paused = await operator.post("/api/v1/counters/ch-booth-1/pause", json={"reason": "休憩"})
    assert paused.status_code == 200, paused.text
    await expect(counter.locator(".f-state")).to_have_text("休止中")
    await expect(counter.locator(".f-reason")).to_have_text("休憩")
    await page.click("[data-staff-lang=en]")
    await expect(counter.locator(".f-state")).to_have_text("Paused")
    await expect(page.locator("[data-total=served] dt")).to_have_text("Served")


async def test_the_floor_opened_later_shows_what_happened_meanwhile(create_server: Any, pages: Pages) -> None:
    """The notices section opens City Hall's socket first; a call made before the floor is opened shows on it."""
    server = create_server()
    operator = await person(server, "sato", "佐藤 一郎", Role.OPERATOR, "city-hall")
    await issue(await server.device("kiosk"), "pickup")
    await open_counter(operator, "ch-booth-1", "pickup")
    credentials = await server.add_staff("manager", ("city-hall",))
    page = await pages.page(await pages.context(LANDSCAPE))
    await page.goto(f"{server.base_url}/admin/notices")
    await sign_in(page, credentials["login"], credentials["password"])
    await expect(page.locator("#notice-rows .a-empty")).to_be_visible()  # its socket's snapshot came
    assert (await operator.post("/api/v1/counters/ch-booth-1/call-next")).status_code == 200
    # a notice after the call: once the page shows it, the call's event has passed the page's socket too
    admin = await server.login("admin")
    assert (await admin.post("/api/v1/sites/city-hall/notices", json={"text": "混雑しています"})).status_code == 201
    await expect(page.locator("#notice-rows .a-notice-text")).to_have_text("混雑しています")
    await page.click(".a-nav-link[data-section=floor]")
    counter = page.locator(".f-counter[data-counter=ch-booth-1]")
    await expect(counter.locator(".f-number")).to_have_text("P001")
    await expect(page.locator("#floor-lines tr[data-service=pickup] .f-waiting")).to_have_text("0")


async def test_a_tsuyazaki_manager_cannot_open_city_halls_floor(create_server: Any, pages: Pages) -> None:
    server = create_server()
    page = await open_floor(pages, server, "", sites=("tsuyazaki",), viewport=SMALL)
    await expect(page.locator("#floor-counters .f-counter")).to_have_count(2)
    await expect(page.locator("#floor-site-row")).to_be_hidden()
    assert "福津市役所" not in await page.content()
    response = await page.goto(f"{server.base_url}/admin/floor?site=city-hall")
    assert response is not None and response.status == 403
    await expect(page.locator("h1")).to_have_text("このページは開けません")
    assert "福津市役所" not in await page.content()


# ---- screenshots ---------------------------------------------------------------------------------------------


async def floor_morning(server: LiveServer) -> None:
    """A November morning at City Hall: four counters open (one paused), people waiting for several services since
    the opening, numbers called and served, a few tickets done, one no-show."""
    kiosk = await server.device("kiosk")
    staff = [("sato", "佐藤 一郎"), ("suzuki", "鈴木 美咲"), ("takahashi", "高橋 実"), ("tanaka", "田中 健")]
    desks = [await person(server, login, name, Role.OPERATOR, "city-hall") for login, name in staff]
    await open_counter(desks[0], "ch-booth-1", "pickup", "abolition")
    await open_counter(desks[1], "ch-booth-2", "application", "inquiry")
    await open_counter(desks[2], "ch-booth-3", "e-cert", "pin-reset", "unsuspend")
    await open_counter(desks[3], "ch-meeting-4", "pickup", "surface-update")
    server.clock.advance(-timedelta(minutes=50))  # people came in from 9:10
    plan = ["pickup", "application", "pickup", "e-cert", "pickup", "inquiry", "application", "pickup", "e-cert",
            "pickup", "pin-reset", "application", "pickup", "insurance-link", "pickup", "e-cert"]  # fmt: skip
    for service in plan:
        await issue(kiosk, service)
        server.clock.advance(timedelta(minutes=3))
    for desk, counter in zip(desks[:3], ("ch-booth-1", "ch-booth-2", "ch-booth-3"), strict=True):
        ticket = (await desk.post(f"/api/v1/counters/{counter}/call-next")).json()
        await desk.post(f"/api/v1/tickets/{ticket['id']}/start")
        server.clock.advance(timedelta(minutes=2))
        await desk.post(f"/api/v1/tickets/{ticket['id']}/complete", json={"outcome": "completed"})
    missing = (await desks[1].post("/api/v1/counters/ch-booth-2/call-next")).json()
    await desks[1].post(f"/api/v1/tickets/{missing['id']}/no-show")
    for desk, counter in zip(desks[:2], ("ch-booth-1", "ch-booth-2"), strict=True):
        ticket = (await desk.post(f"/api/v1/counters/{counter}/call-next")).json()
        await desk.post(f"/api/v1/tickets/{ticket['id']}/start")
    server.clock.advance(timedelta(minutes=4))
    assert (await desks[2].post("/api/v1/counters/ch-booth-3/call-next")).status_code == 200
    assert (await desks[3].post("/api/v1/counters/ch-meeting-4/pause", json={"reason": "休憩"})).status_code == 200
    server.clock.advance(timedelta(seconds=75))


async def test_floor_screens(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server()
    await floor_morning(server)
    for viewport, suffix in ((LANDSCAPE, ""), (SMALL, "-1366")):
        page = await open_floor(pages, server, "?site=city-hall", viewport=viewport)
        await expect(page.locator(".f-counter[data-ticket-status=called]")).to_have_count(1)
        await expect(page.locator(".f-counter[data-status=paused]")).to_have_count(1)
        await fits(page)
        await page.screenshot(path=str(destination(tmp_path, f"admin-floor{suffix}.png")))
