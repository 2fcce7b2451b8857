"""Screenshots of the kiosk and the guide console for docs/screens/, each checked to fit its screen.

Every run renders the screens and checks them (nothing scrolls, nothing is cut off); the PNGs go to a
temporary folder. To refresh the pictures in the docs:

    MADOGUCHI_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_screens.py

(needs Debian's chromium, and fonts-noto-cjk for the Chinese and Korean language buttons; docs/PAGES.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import LANDSCAPE, PORTRAIT, Pages, close_ticket, issue_on_kiosk
from tests.e2e.test_kiosk import SUNDAY, _kiosk_problems

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def destination(tmp_path: Path, name: str) -> Path:
    return DOCS / name if os.environ.get("MADOGUCHI_SCREENSHOTS") == "1" else tmp_path / name


async def busy_morning(server: LiveServer) -> None:
    """A City Hall morning: counters open, people waiting for several services, one number being called."""
    admin = await server.login("admin")
    await open_counter(admin, "ch-booth-1", "pickup", "abolition")
    await open_counter(admin, "ch-booth-2", "application", "inquiry")
    await open_counter(admin, "ch-booth-3", "e-cert", "pin-reset", "unsuspend")
    kiosk = await server.device("kiosk")
    plan = {"pickup": 5, "application": 3, "e-cert": 2, "inquiry": 1, "insurance-link": 1}
    langs = ["ja", "en", "vi", "ja", "zh"]
    for service, count in plan.items():
        for i in range(count):
            await issue(kiosk, service, lang=langs[i % len(langs)])
    r = await admin.post("/api/v1/counters/ch-booth-1/call-next")
    assert r.status_code == 200, r.text
    guide = await server.login("guide", ("city-hall",))
    await issue(guide, "pickup", priority=True, lang="en")
    phone = await server.login("phone", ("city-hall",))
    codes = []
    for start, service, name in (("10:30", "pickup", "フクツ ハナコ"), ("11:00", "application", "ツヤザキ タロウ")):
        body = {"site": "city-hall", "service": service, "date": "2026-11-24", "start": start, "name": name,
                "phone": "090-1234-5678"}  # fmt: skip
        booked = await phone.post("/api/v1/reservations", json=body)
        assert booked.status_code == 201, booked.text
        codes.append(booked.json()["code"])
    r = await kiosk.post("/api/v1/sites/city-hall/checkins", json={"code": codes[0]})  # the 10:30 visitor came
    assert r.status_code == 201, r.text
    notice = {
        "text": "本日は午後から大変混み合います。お早めにお越しください",
        "texts": {"en": "Very busy this afternoon"},
    }
    r = await admin.post("/api/v1/sites/city-hall/notices", json=notice)
    assert r.status_code == 201, r.text


async def shoot(page: Page, path: Path) -> None:
    if path.name.startswith("kiosk"):
        assert await _kiosk_problems(page) == [], path.name
    await page.screenshot(path=str(path))


async def test_kiosk_screens(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server(print_workers=True)
    await busy_morning(server)
    kiosk = await pages.kiosk(server, viewport=PORTRAIT)
    await expect(kiosk.locator(".svc[data-service=pickup] .svc-waiting")).to_have_text("6人待ち")
    await shoot(kiosk, destination(tmp_path, "kiosk-ja.png"))
    await kiosk.click(".k-lang[data-lang=en]")
    await expect(kiosk.locator(".svc[data-service=pickup] .svc-local")).to_have_text("Card pickup")
    await shoot(kiosk, destination(tmp_path, "kiosk-en.png"))
    await kiosk.click(".k-lang[data-lang=vi]")
    await expect(kiosk.locator(".svc[data-service=pickup] .svc-local")).to_have_text("Nhận thẻ")
    await shoot(kiosk, destination(tmp_path, "kiosk-vi.png"))

    await kiosk.click(".k-lang[data-lang=ja]")
    await issue_on_kiosk(kiosk, "pickup")
    await expect(kiosk.locator("#ticket-print")).to_have_attribute("data-state", "printed")
    await kiosk.eval_on_selector("#ticket-qr", "img => img.decode()")
    await shoot(kiosk, destination(tmp_path, "kiosk-ticket.png"))
    await close_ticket(kiosk)
    # no counter serves insurance-link this morning: the screen says the visitor is called when one opens
    await issue_on_kiosk(kiosk, "insurance-link")
    await expect(kiosk.locator("#ticket-estimate")).to_have_attribute("data-no-counter", "true")
    await expect(kiosk.locator("#ticket-print")).to_have_attribute("data-state", "printed")
    await kiosk.eval_on_selector("#ticket-qr", "img => img.decode()")
    await shoot(kiosk, destination(tmp_path, "kiosk-ticket-no-counter.png"))
    await close_ticket(kiosk)

    landscape = await pages.kiosk(server, viewport=LANDSCAPE)
    await shoot(landscape, destination(tmp_path, "kiosk-landscape.png"))
    # the longest lines, with the notice above them, still fit (two rows of four services; rows as tall as needed)
    await landscape.click(".k-lang[data-lang=en]")
    await expect(landscape.locator("#notices-list li")).to_have_text(["Very busy this afternoon"])
    await expect(landscape.locator(".svc[data-service=pickup] .svc-local")).to_have_text("Card pickup")
    await shoot(landscape, destination(tmp_path, "kiosk-landscape-en.png"))
    await landscape.click(".k-lang[data-lang=vi]")
    await expect(landscape.locator(".svc[data-service=pickup] .svc-local")).to_have_text("Nhận thẻ")
    await shoot(landscape, destination(tmp_path, "kiosk-landscape-vi.png"))


async def test_kiosk_closed_screen(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    kiosk = await pages.kiosk(create_server(at=SUNDAY), ready=False)
    await expect(kiosk.locator("#closed-next-at")).not_to_be_empty()
    await shoot(kiosk, destination(tmp_path, "kiosk-closed.png"))


async def test_guide_screen(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server(print_workers=True)
    await busy_morning(server)
    booth3 = await server.login("admin")
    missed = (await booth3.post("/api/v1/counters/ch-booth-3/call-next")).json()
    assert (await booth3.post(f"/api/v1/tickets/{missed['id']}/no-show")).status_code == 200  # E001 did not come
    guide = await pages.guide(server, role="manager", viewport=LANDSCAPE)
    # the kiosk's own USB printer (print agent) reports a roll about to run out
    kiosk = await server.device("kiosk")
    r = await kiosk.post(
        "/api/v1/agent/status", json={"online": True, "cover_open": False, "paper_out": False, "paper_near_end": True}
    )
    assert r.status_code == 200, r.text
    await expect(guide.locator(".g-alert.g-warn")).to_contain_text("用紙残りわずか")
    await guide.click("[data-visitor-lang=vi]")
    await guide.click(".g-service[data-service=pin-reset]")
    await expect(guide.locator("#issue-result")).to_contain_text("N001 を発券しました")
    # the print worker renders the ticket in a thread: on a loaded machine that can take longer than a click
    await expect(guide.locator("#issue-result")).to_contain_text("印刷済み", timeout=45_000)
    await expect(guide.locator(".g-noshow[data-number=E001]")).to_contain_text("不在（3番窓口）")
    # the 12 tickets waiting, N001 just issued (its event lists it at once) and the no-show E001
    await expect(guide.locator(".g-ticket")).to_have_count(14)
    width = await guide.evaluate("document.scrollingElement.scrollWidth")
    assert width <= LANDSCAPE["width"], "the console never scrolls sideways"
    await guide.screenshot(path=str(destination(tmp_path, "guide.png")))
