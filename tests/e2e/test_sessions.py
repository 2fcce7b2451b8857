"""A staff browser through a long day: the CSRF cookie expires with the session, never before it, and signing in
works from a browser whose cookies expired."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.conftest import LANDSCAPE, Pages
from tests.e2e.test_console import choose, console_ready, sign_in

COUNTER = "ch-booth-1"


async def cookie_expiries(context: BrowserContext) -> dict[str, float]:
    return {c["name"]: c["expires"] for c in await context.cookies() if c["name"].startswith("madoguchi_")}


async def pause(page: Page) -> None:
    """Pause the counter through its dialog: a change, so it needs the CSRF token."""
    await page.keyboard.press("p")
    await expect(page.locator("#pause-dialog")).to_be_visible()
    await page.keyboard.press("2")
    await page.click("#pause-ok")
    await expect(page.locator("#counter-state")).to_have_text("休止中（打合せ）")


async def test_the_csrf_cookie_lives_as_long_as_the_session(create_server: Any, pages: Pages) -> None:
    server = create_server()
    credentials = await server.add_staff("operator", ("city-hall",))
    context = await pages.context(LANDSCAPE)
    page = await pages.page(context)
    await sign_in(page, server, credentials)
    await choose(page, COUNTER, ["pickup"])
    expiries = await cookie_expiries(context)
    # both cookies end together (to the second the browser rounds to), never the CSRF token first
    assert abs(expiries["madoguchi_session"] - expiries["madoguchi_csrf"]) < 2, expiries

    server.clock.advance(timedelta(minutes=100))  # a long spell at the counter without a click
    await page.reload()
    await console_ready(page, COUNTER)
    renewed = await cookie_expiries(context)
    assert renewed["madoguchi_csrf"] > expiries["madoguchi_csrf"]  # renewed with the session
    await pause(page)  # a change needs the CSRF token: it still works


async def test_signing_in_again_after_the_csrf_cookie_expired(create_server: Any, pages: Pages) -> None:
    server = create_server()
    credentials = await server.add_staff("operator", ("city-hall",))
    context = await pages.context(LANDSCAPE)
    page = await pages.page(context)
    await sign_in(page, server, credentials)
    await choose(page, COUNTER, ["pickup"])
    await context.clear_cookies(name="madoguchi_csrf")  # as an old browser's cookie would have expired
    await page.close()  # (an open console would reload itself when its session is replaced)
    page = await pages.page(context)
    await page.goto(f"{server.base_url}/api/v1/sites")
    status = await page.evaluate(
        """async (cred) => (await fetch("/api/v1/auth/login", {method: "POST", body: JSON.stringify(cred),
             headers: {"content-type": "application/json"}})).status""",
        credentials,
    )
    assert status == 200  # the sign-in form posts exactly this
    await page.goto(f"{server.base_url}/console/{COUNTER}")
    await console_ready(page, COUNTER)
    await pause(page)
