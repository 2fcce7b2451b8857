"""A manager closes today early: the kiosk standing in the lobby turns to its closed screen at once."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect


async def test_the_kiosk_shows_closed_once_today_is_closed(server: Any, pages: Any) -> None:
    kiosk = await pages.kiosk(server)
    await expect(kiosk.locator("body")).to_have_attribute("data-open", "true")
    manager = await server.login("manager")
    assert (await manager.post("/api/v1/sites/city-hall/day-close")).status_code == 200
    await expect(kiosk.locator("body")).to_have_attribute("data-open", "false")
    await expect(kiosk.locator("#services")).to_be_hidden()
    await expect(kiosk.locator("#closed")).to_be_visible()
