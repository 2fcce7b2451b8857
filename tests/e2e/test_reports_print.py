"""The printable daily report in chromium: its own style sheet applies under its Content-Security-Policy, the
和暦 title and the charts show, and it prints to A4 pages (docs/REPORTS.md shows those pages)."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from tests.conftest import LiveServer, issue, open_counter

A4_POINTS = (595, 842)


async def test_the_daily_report_prints_on_a4_with_its_style(server: LiveServer, pages: Any) -> None:
    manager = await server.login("manager")
    for _ in range(3):
        await issue(manager, "pickup")
    await open_counter(manager, "ch-booth-1", "pickup")
    ticket = (await manager.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert (await manager.post(f"/api/v1/tickets/{ticket['id']}/start")).status_code == 200

    context = await pages.context({"width": 1000, "height": 1400})
    await context.add_cookies([{"name": "madoguchi_session", "value": manager.cookies["madoguchi_session"],
                                "url": server.base_url}])  # fmt: skip
    page = await pages.page(context)
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    await page.goto(f"{server.base_url}/api/v1/reports/daily?site=city-hall&date=2026-11-24&format=html")
    await expect(page.locator("h1")).to_have_text("令和8年11月24日 日報")
    assert await page.title() == "令和8年11月24日 日報（福津市役所）"
    # the inline style sheet is allowed by its hash: the title is 17pt and the seal boxes have borders
    assert await page.locator("h1").evaluate("e => getComputedStyle(e).fontSize") == "22.6667px"
    assert await page.locator("table.seals td").first.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    await expect(page.locator("figure svg.chart")).to_have_count(2)
    await expect(page.locator("table.seals th")).to_have_text(["責任者", "確認"])
    assert refused == []

    await page.emulate_media(media="print")
    pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
    boxes = [tuple(float(v) for v in m.split()) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+ [\d.]+)\]", pdf)]
    assert len(boxes) >= 2  # the summary and charts, then the tables
    assert all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in boxes)
