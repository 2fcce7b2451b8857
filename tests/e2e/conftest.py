"""Browser tests: Playwright drives Debian's chromium (never a browser Playwright downloads) against live servers.

Without chromium the tests are skipped with the reason; on CI (``CI=true``) a missing chromium or Playwright
fails them instead, so a green CI always means the browser tests ran. Each test gets its own browser; pages
fail the test on any uncaught script error. Waiting is on page state (``expect``), never on time.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from server.auth.principals import DeviceKind
from tests.conftest import LiveServer

try:
    from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
except ImportError:  # pragma: no cover - reported by the browser fixture
    async_playwright = None  # type: ignore[assignment]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}
SITE = "city-hall"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI installs it: apt-get install chromium; pip install -e '.[test]')")
    pytest.skip(reason)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if async_playwright is None:
        _missing("playwright is not installed")
    if CHROMIUM is None:
        _missing("chromium is not installed (apt-get install chromium)")
    expect.set_options(timeout=15_000)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@dataclass
class Pages:
    """Opens kiosk and guide pages; collects uncaught script errors of every page it opened."""

    browser: Browser
    errors: list[str] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    async def context(self, viewport: dict[str, int], *, fake_clock: bool = False) -> BrowserContext:
        context = await self.browser.new_context(viewport=viewport, locale="ja-JP", timezone_id="Asia/Tokyo")
        if fake_clock:
            await context.clock.install()
        self.contexts.append(context)
        return context

    async def page(self, context: BrowserContext) -> Page:
        page = await context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        return page

    async def kiosk(
        self, server: LiveServer, *, viewport: dict[str, int] = PORTRAIT, fake_clock: bool = False, ready: bool = True
    ) -> Page:
        """The kiosk page of a kiosk PC paired by its device cookie (as its pairing link would set it)."""
        created = await server.call(server.runtime.accounts.add_device(SITE, DeviceKind.KIOSK, "e2e kiosk"))
        device = await server.call(server.runtime.accounts.device_by_token(created["token"]))
        context = await self.context(viewport, fake_clock=fake_clock)
        await context.add_cookies(
            [
                {"name": "madoguchi_device", "value": created["token"], "url": server.base_url},
                {"name": "madoguchi_csrf", "value": device.csrf, "url": server.base_url},
            ]
        )
        page = await self.page(context)
        await page.goto(f"{server.base_url}/kiosk/{SITE}")
        if ready:
            await kiosk_ready(page)
        return page

    async def guide(
        self,
        server: LiveServer,
        *,
        role: str = "guide",
        viewport: dict[str, int] = LANDSCAPE,
        before: Callable[[Page], Awaitable[None]] | None = None,
    ) -> Page:
        """The guide console, signed in through its own login form (``before`` runs before it opens)."""
        credentials = await server.add_staff(role, (SITE,))
        page = await self.page(await self.context(viewport))
        if before is not None:
            await before(page)
        await page.goto(f"{server.base_url}/guide/{SITE}")
        await page.fill("#login-id", credentials["login"])
        await page.fill("#login-password", credentials["password"])
        await page.click("#login-submit")
        await expect(page.locator("body.guide[data-ready=true]")).to_be_attached()
        await expect(page.locator("#issue-services .g-service").first).to_be_visible()
        return page


async def kiosk_ready(page: Page) -> None:
    await expect(page.locator("body[data-ready=true]")).to_be_attached()
    await expect(page.locator("#services .svc").first).to_be_visible()


@pytest.fixture
async def pages(browser: Browser) -> AsyncIterator[Pages]:
    opened = Pages(browser)
    yield opened
    for context in opened.contexts:
        await context.close()
    assert not opened.errors, "script errors on the pages:\n" + "\n".join(opened.errors)


async def issue_on_kiosk(page: Page, service: str = "pickup") -> str:
    """Touch a service on the kiosk; the number its ticket screen shows."""
    await page.click(f".svc[data-service={service}]")
    number = page.locator("#ticket-number")
    await expect(page.locator("#ticket")).to_be_visible()
    await expect(number).not_to_be_empty()
    return str(await number.text_content())


async def close_ticket(page: Page) -> None:
    await page.click("#ticket-close")
    await expect(page.locator("#ticket")).to_be_hidden()


async def waiting_numbers(server: LiveServer) -> list[str]:
    staff = await server.login("admin")
    r = await staff.get(f"/api/v1/sites/{SITE}/tickets", params={"status": "waiting"})
    assert r.status_code == 200, r.text
    return sorted(t["number"] for t in r.json())
