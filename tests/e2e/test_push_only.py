"""Push only (DESIGN §5): the pages apply the events to their state and never read the site's state again.

Twenty display boards (real pages in chromium on real websockets), a kiosk, a counter console, the guide console,
the floor overview and a visitor's phone page stay open while 50 visitors are issued, called, served and done
through the API. The server counts every site snapshot it reads (``Runtime.snapshot_reads``): after the pages'
first snapshots, not one more, by ``GET /api/v1/sites/{site}/state`` or by a socket. Meanwhile every page follows:
the boards show each number called with its counter and the waiting lines as they are, the consoles and the floor
overview the same lines, the visitor's page its ticket to the end.
"""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Page, expect

from server.auth.principals import DeviceKind
from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import SITE, Pages
from tests.e2e.test_console import open_console
from tests.e2e.test_floor import open_floor
from tests.e2e.test_visitor import open_phone

BOARDS = 20
CALLS = 50
SMALL = {"width": 1280, "height": 720}


async def open_boards(pages: Pages, server: LiveServer, n: int) -> list[Page]:
    """``n`` board pages of one board PC (silent: no sound is tested here), each live."""
    created = await server.call(server.runtime.accounts.add_device(SITE, DeviceKind.BOARD, "e2e boards"))
    context = await pages.context(SMALL)
    await context.add_cookies([{"name": "madoguchi_device", "value": created["token"], "url": server.base_url}])
    boards = [await pages.page(context) for _ in range(n)]
    await asyncio.gather(*(b.goto(f"{server.base_url}/board/{SITE}?audio=silent") for b in boards))
    for board in boards:
        await expect(board.locator("body[data-ready=true][data-connection=live]")).to_be_attached()
    return boards


async def serve(operator: Any, ticket_id: str) -> None:
    for step, body in (("start", None), ("complete", {"outcome": "completed"})):
        r = await operator.post(f"/api/v1/tickets/{ticket_id}/{step}", json=body)
        assert r.status_code == 200, r.text


async def test_fifty_calls_with_twenty_boards_read_no_state(create_server: Any, pages: Pages) -> None:
    server = create_server()
    operator = await server.login("operator", (SITE,))
    await open_counter(operator, "ch-booth-2", "pickup")
    kiosk_api = await server.device("kiosk", SITE)
    visitor = await issue(kiosk_api, "pickup", lang="en")

    boards = await open_boards(pages, server, BOARDS)
    kiosk = await pages.kiosk(server, viewport=SMALL)
    console = await open_console(pages, server, "ch-booth-1", ("e-cert",))
    guide = await pages.guide(server)
    floor = await open_floor(pages, server, f"?site={SITE}")
    phone = await open_phone(pages, server, visitor["token"])
    await expect(phone.locator("body")).to_have_attribute("data-status", "waiting")
    reads = dict(server.runtime.snapshot_reads)

    last = ""
    waiting: dict[str, Any] = {}
    for i in range(CALLS):
        waiting = await issue(kiosk_api, "pickup")  # called in the next round (the visitor's ticket is first)
        called = (await operator.post("/api/v1/counters/ch-booth-2/call-next")).json()
        last = called["number"]
        if i == 0:
            assert last == visitor["number"]
            await expect(phone.locator("#called")).to_be_visible()  # the visitor's own page, from the event
        await expect(boards[i % BOARDS].locator("#calls .b-call[data-counter=ch-booth-2]")).to_have_attribute(
            "data-number", last
        )
        await serve(operator, called["id"])

    # the last one issued waits: every page shows the line with one person, and the last call
    for board in boards:
        await expect(board.locator("#recent .b-recent-call").first).to_have_attribute("data-number", last)
        await expect(board.locator("#waits tr[data-service=pickup]")).to_have_attribute("data-waiting", "1")
    await expect(kiosk.locator(".svc[data-service=pickup] .svc-waiting")).to_have_text("1人待ち")
    await expect(console.locator(".k-svc[data-service=pickup]")).to_have_attribute("data-waiting", "1")
    await expect(console.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_attribute(
        "data-number", waiting["number"]
    )
    await expect(
        guide.locator(f".g-svc[data-service=pickup] .g-ticket[data-number={waiting['number']}]")
    ).to_be_visible()
    await expect(floor.locator("#floor-lines tr[data-service=pickup] .f-waiting")).to_have_text("1")
    await expect(floor.locator("[data-total=served] dd")).to_have_text(str(CALLS))
    await expect(phone.locator("body")).to_have_attribute("data-status", "done")

    assert server.runtime.snapshot_reads == reads, (
        f"the pages read the state again: {server.runtime.snapshot_reads} after the first snapshots {reads}"
    )
    assert reads["http"] == 0, "no page reads GET /api/v1/sites/{site}/state, not even to start"
