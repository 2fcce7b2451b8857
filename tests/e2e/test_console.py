"""The counter console in a real browser: sign-in, choosing the counter and its services, calling and serving
with buttons and keys, the one-ticket rule, transfer, calling a given number, pause, two consoles on one counter,
and recovery after a server restart, a store restart and a lost answer."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
from playwright.async_api import BrowserContext, Page, Route, expect

from server.auth.principals import Role
from server.config import Config
from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import LANDSCAPE, Pages

SITE = "city-hall"


async def sign_in(page: Page, server: LiveServer, credentials: dict[str, str], path: str = "/console") -> None:
    response = await page.goto(f"{server.base_url}{path}")
    assert response is not None and response.status == 401
    await page.fill("#login-id", credentials["login"])
    await page.fill("#login-password", credentials["password"])
    await page.click("#login-submit")


async def choose(page: Page, counter: str, services: list[str] | None) -> None:
    """On /console: pick the counter, set exactly ``services`` (None: keep the defaults), open it."""
    await expect(page.locator("body.console-setup[data-ready=true]")).to_be_attached()
    await page.click(f".s-counter[data-counter={counter}]")
    await expect(page.locator(".s-service").first).to_be_visible()
    if services is not None:
        for box in await page.locator(".s-service").all():
            wanted = await box.get_attribute("data-service") in services
            await box.locator("input").set_checked(wanted)
    await page.click("#open-counter")
    await console_ready(page, counter)


async def console_ready(page: Page, counter: str) -> None:
    await expect(page).to_have_url(f"{page.url.split('/console')[0]}/console/{counter}")
    await expect(page.locator(f"body.console-counter[data-ready=true][data-counter={counter}]")).to_be_attached()
    await expect(page.locator("body")).to_have_attribute("data-connection", "live")


async def open_console(
    pages: Pages,
    server: LiveServer,
    counter: str = "ch-booth-1",
    services: tuple[str, ...] | None = ("pickup",),
    *,
    context: BrowserContext | None = None,
    credentials: dict[str, str] | None = None,
) -> Page:
    """A signed-in operator's console on ``counter`` (a new browser unless ``context`` is given)."""
    context = context or await pages.context(LANDSCAPE)
    page = await pages.page(context)
    if credentials is None:
        credentials = await server.add_staff("operator", (SITE,))
        await sign_in(page, server, credentials)
    else:
        await page.goto(f"{server.base_url}/console")
    await choose(page, counter, list(services) if services is not None else None)
    return page


async def wait_ready(http: httpx.AsyncClient) -> None:
    """Until the server reports ready again (store reachable, fan-out running); bounded."""

    async def poll() -> None:
        while (await http.get("/readyz")).status_code != 200:
            continue  # each request awaits the server, which paces the loop

    await asyncio.wait_for(poll(), 20)


async def admin(server: LiveServer) -> httpx.AsyncClient:
    return await server.login("admin")


async def ticket(http: httpx.AsyncClient, number: str) -> dict[str, Any]:
    rows = (await http.get(f"/api/v1/sites/{SITE}/tickets")).json()
    return next(t for t in rows if t["number"] == number)


async def test_sign_in_choose_counter_call_start_and_complete(create_server: Any, pages: Pages) -> None:
    server = create_server()
    http = await admin(server)
    await issue(http, "pickup")
    await issue(http, "e-cert")
    page = await pages.page(await pages.context(LANDSCAPE))
    credentials = await server.add_staff("operator", (SITE,))
    await sign_in(page, server, credentials)
    await expect(page.locator("body.console-setup[data-ready=true]")).to_be_attached()
    # November: the six counters of City Hall, all closed; one site, so it is chosen already
    await expect(page.locator(".s-counter")).to_have_count(6)
    await expect(page.locator("#site-step")).to_be_hidden()
    await expect(page.locator(".s-counter[data-counter=ch-meeting-4] .s-card-area")).to_have_text("会議室")
    await page.click(".s-counter[data-counter=ch-booth-1]")
    # never opened before: every service offered today is chosen
    await expect(page.locator(".s-service input:checked")).to_have_count(await page.locator(".s-service").count())
    await expect(page.locator(".s-service[data-service=pickup] .s-service-waiting")).to_have_text("1人待ち")
    await choose(page, "ch-booth-1", ["pickup", "e-cert"])

    await expect(page.locator("#counter-state")).to_have_text("開局中")
    await expect(page.locator("#serves .k-serve")).to_have_text(["カード交付", "電子証明書（発行・失効・更新）"])
    await expect(page.locator("#own-count")).to_have_text("0件")
    await expect(page.locator("#no-ticket")).to_be_visible()
    await expect(page.locator(".k-svc.k-mine")).to_have_count(2)
    await expect(page.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(1)

    await page.click("[data-action=call-next]")
    await expect(page.locator("#ticket-number")).to_have_text("P001")
    await expect(page.locator("#ticket-status")).to_have_text("呼出中")
    await expect(page.locator("#ticket-service")).to_have_text("カード交付")
    await expect(page.locator("#message")).to_contain_text("P001 を呼び出しました")
    await expect(page.locator("#since-called")).to_have_text(re.compile(r"^\d+:\d\d$"))
    await expect(page.locator("#since-serving")).to_have_text("–")
    await expect(page.locator("[data-action=complete]")).to_be_disabled()
    await expect(page.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(0)

    await page.click("[data-action=start]")
    await expect(page.locator("#ticket-status")).to_have_text("対応中")
    await expect(page.locator("#since-serving")).not_to_have_text("–")

    await page.click("[data-action=complete]")
    dialog = page.locator("#complete-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator("h2")).to_have_text("P001 の対応を完了")
    await dialog.locator("input[value=missing_documents]").check()
    await page.fill("#complete-note", "住民票の写し")
    await page.click("#complete-ok")
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#no-ticket")).to_be_visible()
    await expect(page.locator("#own-count")).to_have_text("1件")
    done = await ticket(http, "P001")
    assert (done["status"], done["outcome"], done["note"]) == ("done", "missing_documents", "住民票の写し")
    assert done["operator"] == credentials["login"] and done["counter"] == "ch-booth-1"


async def test_keyboard_shortcuts_drive_the_whole_counter(create_server: Any, pages: Pages) -> None:
    server = create_server()
    http = await admin(server)
    for _ in range(3):
        await issue(http, "pickup")
    page = await open_console(pages, server)
    await expect(page.locator("[data-action=call-next] kbd")).to_have_text("N")

    await page.keyboard.press("n")
    await expect(page.locator("#ticket-number")).to_have_text("P001")
    await page.keyboard.press("r")
    await expect(page.locator("#ticket-badges")).to_contain_text("再呼出 1回")
    await page.keyboard.press("b")  # back to the queue: keeps its place
    await expect(page.locator("#no-ticket")).to_be_visible()
    await page.keyboard.press("N")
    await expect(page.locator("#ticket-number")).to_have_text("P001")
    await page.keyboard.press("x")  # no-show
    await expect(page.locator("#no-ticket")).to_be_visible()
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-number")).to_have_text("P002")
    await page.keyboard.press("s")
    await expect(page.locator("#ticket-status")).to_have_text("対応中")
    await page.keyboard.press("c")
    await expect(page.locator("#complete-dialog")).to_be_visible()
    await page.keyboard.press("4")  # guidance only
    await expect(page.locator("#complete-dialog input[value=guidance_only]")).to_be_checked()
    await page.keyboard.press("Enter")
    await expect(page.locator("#complete-dialog")).to_be_hidden()
    await expect(page.locator("#own-count")).to_have_text("1件")
    # "other" needs a note: the dialog says so and stays
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-number")).to_have_text("P003")
    await page.keyboard.press("s")
    await expect(page.locator("[data-action=complete]")).to_be_enabled()
    await page.keyboard.press("c")
    await page.keyboard.press("5")
    await page.keyboard.press("Enter")
    await expect(page.locator("#complete-message")).to_have_text("「その他」はメモに内容を書いてください。")
    await page.fill("#complete-note", "マイナポータルの操作案内")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#complete-dialog")).to_be_hidden()
    await expect(page.locator("#own-count")).to_have_text("2件")

    rows = {t["number"]: t for t in (await http.get(f"/api/v1/sites/{SITE}/tickets")).json()}
    assert rows["P001"]["status"] == "no_show" and rows["P001"]["recall_count"] == 1
    assert (rows["P002"]["status"], rows["P002"]["outcome"]) == ("done", "guidance_only")
    assert (rows["P003"]["outcome"], rows["P003"]["note"]) == ("other", "マイナポータルの操作案内")
    # Escape cancels a dialog; a key does nothing while typing in it
    await page.keyboard.press("q")
    await expect(page.locator("#close-dialog")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("#close-dialog")).to_be_hidden()
    await expect(page.locator("#counter-state")).to_have_text("開局中")


async def _refused_second_call(server: LiveServer, pages: Pages) -> tuple[Page, Page, httpx.AsyncClient]:
    """An operator holds P001 at ch-booth-1 and, in another tab, calls at ch-booth-2: (booth1, booth2, admin)."""
    http = await admin(server)
    await issue(http, "pickup")
    await issue(http, "pickup")
    await open_counter(http, "ch-booth-2", "pickup")
    credentials = await server.add_staff("operator", (SITE,))
    context = await pages.context(LANDSCAPE)
    booth1 = await pages.page(context)
    await sign_in(booth1, server, credentials)
    await choose(booth1, "ch-booth-1", ["pickup"])
    await booth1.click("[data-action=call-next]")
    await expect(booth1.locator("#ticket-number")).to_have_text("P001")

    # the same operator, another tab, another counter
    booth2 = await pages.page(context)
    await booth2.goto(f"{server.base_url}/console/ch-booth-2")
    await console_ready(booth2, "ch-booth-2")
    await booth2.click("[data-action=call-next]")
    return booth1, booth2, http


async def test_a_second_call_is_refused_with_a_clear_message(create_server: Any, pages: Pages) -> None:
    server = create_server()
    booth1, booth2, http = await _refused_second_call(server, pages)
    message = booth2.locator("#message-text")
    await expect(message).to_have_text(
        "P001（1番窓口）を対応中のため、ほかの番号は呼び出せません。先に完了するか、順番に戻してください。"
    )
    await expect(booth2.locator("#retry")).to_be_hidden()  # a refusal: retrying would not help
    await expect(booth2.locator("#no-ticket")).to_be_visible()
    await expect(booth2.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(1)
    assert (await ticket(http, "P002"))["status"] == "waiting"
    # booth 1 keeps its ticket and offers no second call
    await expect(booth1.locator("#ticket-number")).to_have_text("P001")
    await expect(booth1.locator("[data-action=call-next]")).to_be_disabled()
    # in English the counter the server named by its Japanese label goes by its English name, as the board says it
    await booth2.click("[data-staff-lang=en]")
    await expect(message).to_have_text(
        "You are serving P001 (Counter 1), so you cannot call another number. "
        "Complete it or put it back in the queue first."
    )


async def test_a_refusal_in_english_names_the_counter_by_its_name_en(
    create_server: Any, config: Config, pages: Pages
) -> None:
    """A counter's own English name from the configuration (name_en), not its Japanese label, in an English
    sentence."""
    counters = tuple(
        msgspec.structs.replace(c, name_en="My Number booth 1") if c.id == "ch-booth-1" else c
        for c in config.site(SITE).counters  # type: ignore[union-attr]
    )
    sites = tuple(msgspec.structs.replace(s, counters=counters) if s.id == SITE else s for s in config.sites)
    server = create_server(config=msgspec.structs.replace(config, sites=sites))
    _, booth2, _ = await _refused_second_call(server, pages)
    await booth2.click("[data-staff-lang=en]")
    await expect(booth2.locator("#message-text")).to_have_text(
        "You are serving P001 (My Number booth 1), so you cannot call another number. "
        "Complete it or put it back in the queue first."
    )


async def test_transfer_and_call_a_given_number(create_server: Any, pages: Pages) -> None:
    server = create_server()
    http = await admin(server)
    for _ in range(3):
        await issue(http, "pickup")
    await issue(http, "e-cert")
    page = await open_console(pages, server, services=("pickup",))

    await page.keyboard.press("g")
    dialog = page.locator("#number-dialog")
    await expect(dialog).to_be_visible()
    await page.fill("#call-number", "ｐ３")  # full width from an IME, no zeros
    await page.keyboard.press("Enter")
    await expect(page.locator("#ticket-number")).to_have_text("P003")
    await page.keyboard.press("s")
    await expect(page.locator("#ticket-status")).to_have_text("対応中")

    await page.click("[data-action=transfer]")
    transfer = page.locator("#transfer-dialog")
    await expect(transfer.locator("h2")).to_have_text("P003 の業務を変更")
    await expect(transfer.locator(".k-choice[data-service=pickup]")).to_have_count(0)  # not to the same one
    await transfer.locator(".k-choice[data-service=e-cert] input").check()
    await page.fill("#transfer-note", "電子証明書の更新も")
    await page.click("#transfer-ok")
    await expect(page.locator("#message-text")).to_have_text("P003 を「電子証明書（発行・失効・更新）」に変更しました")
    await expect(page.locator("#no-ticket")).to_be_visible()
    # same number, in the e-cert line by its original issue time: ahead of E001
    await expect(page.locator(".k-svc[data-service=e-cert] .k-num")).to_have_text(["P003", "E001"])
    moved = await ticket(http, "P003")
    assert moved["service"] == "e-cert" and moved["transfers"][0]["note"] == "電子証明書の更新も"

    # a waiting number is a button: it opens "call this number" filled in
    await page.click(".k-waiting[data-number=P002] .k-pick")
    await expect(page.locator("#call-number")).to_have_value("P002")
    await page.click("#number-ok")
    await expect(page.locator("#ticket-number")).to_have_text("P002")
    await page.keyboard.press("b")
    await expect(page.locator("#no-ticket")).to_be_visible()
    # a number that does not exist today
    await page.keyboard.press("g")
    await page.fill("#call-number", "P999")
    await page.keyboard.press("Enter")
    await expect(page.locator("#message-text")).to_have_text("その番号は本日の番号札にありません。")


async def test_a_no_show_called_by_number_is_offered_for_reinstating(create_server: Any, pages: Pages) -> None:
    """The visitor who missed the call is back at the counter: calling the number says it is a no-show and offers
    to reinstate it; reinstated, it waits at its old place (ahead of P002) and is called next."""
    server = create_server()
    http = await admin(server)
    for _ in range(2):
        await issue(http, "pickup")
    page = await open_console(pages, server, services=("pickup",))
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-number")).to_have_text("P001")
    await page.keyboard.press("x")
    await expect(page.locator("#message-text")).to_have_text("P001 を不在にしました")
    row = page.locator("#no-shows .k-noshow[data-number=P001]")
    await expect(row).to_contain_text("不在（1番窓口）")
    await expect(page.locator(".k-svc[data-service=pickup] .k-num")).to_have_text(["P002"])

    await page.keyboard.press("g")
    await page.fill("#call-number", "p1")
    await page.keyboard.press("Enter")
    await expect(page.locator("#message-text")).to_have_text(
        "P001 は不在として処理されています。呼び出すには、先に待ち列に戻してください。"
    )
    offer = page.locator("#reinstate-offer")
    await expect(offer).to_have_text("P001 を待ち列に戻す")
    await expect(page.locator("#no-ticket")).to_be_visible()
    await offer.click()
    await expect(page.locator("#message-text")).to_have_text("P001 を待ち列に戻しました（元の順番）")
    await expect(offer).to_be_hidden()
    await expect(page.locator("#no-shows-box")).to_be_hidden()
    await expect(page.locator(".k-svc[data-service=pickup] .k-num")).to_have_text(["P001", "P002"])
    await expect(page.locator(".k-svc[data-service=pickup] .k-svc-count")).to_contain_text("2人待ち")
    assert (await ticket(http, "P001"))["status"] == "waiting"

    # its old place: the next call is P001 again; a second no-show comes back from the list's own button
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-number")).to_have_text("P001")
    await page.keyboard.press("x")
    await row.get_by_role("button", name="待ち列に戻す").click()
    await expect(page.locator("#message-text")).to_have_text("P001 を待ち列に戻しました（元の順番）")
    await expect(row).to_have_count(0)
    await expect(page.locator(".k-svc[data-service=pickup] .k-num")).to_have_text(["P001", "P002"])

    await page.click("[data-staff-lang=en]")
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-status")).to_have_text("Called")
    await page.keyboard.press("x")
    await expect(row.get_by_role("button")).to_have_text("Reinstate")
    await expect(page.locator("#no-shows-title")).to_have_text("No-shows")


async def test_pause_with_a_reason_then_resume(create_server: Any, pages: Pages) -> None:
    server = create_server()
    http = await admin(server)
    await issue(http, "pickup")
    page = await open_console(pages, server)
    await page.keyboard.press("p")
    dialog = page.locator("#pause-dialog")
    await expect(dialog).to_be_visible()
    await page.keyboard.press("2")  # meeting
    await page.fill("#pause-note", "10分")
    await page.click("#pause-ok")
    await expect(page.locator("#counter-state")).to_have_text("休止中（打合せ 10分）")
    await expect(page.locator("[data-action=call-next]")).to_be_disabled()
    await expect(page.locator("[data-action=pause]")).to_contain_text("再開")
    await page.keyboard.press("n")  # nothing happens while paused
    await expect(page.locator("#no-ticket")).to_be_visible()
    state = (await http.get(f"/api/v1/sites/{SITE}/state")).json()
    booth = next(c for c in state["counters"] if c["id"] == "ch-booth-1")
    assert (booth["status"], booth["reason"]) == ("paused", "打合せ 10分")

    await page.keyboard.press("p")  # resume
    await expect(page.locator("#counter-state")).to_have_text("開局中")
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-number")).to_have_text("P001")


async def test_two_consoles_on_one_counter_stay_in_sync(create_server: Any, pages: Pages) -> None:
    server = create_server()
    http = await admin(server)
    await issue(http, "pickup")
    await issue(http, "pickup")
    alice = await open_console(pages, server)
    bob = await open_console(pages, server)  # another operator joins the open counter
    await expect(bob.locator("#counter-state")).to_have_text("開局中")

    await alice.keyboard.press("n")
    for page in (alice, bob):
        await expect(page.locator("#ticket-number")).to_have_text("P001")
        await expect(page.locator("#ticket-status")).to_have_text("呼出中")
        await expect(page.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(1)
    await bob.keyboard.press("s")
    await expect(alice.locator("#ticket-status")).to_have_text("対応中")
    await alice.keyboard.press("c")
    await alice.keyboard.press("Enter")
    for page in (alice, bob):
        await expect(page.locator("#no-ticket")).to_be_visible()
    # bob started it, alice completed it: today's count is alice's
    await expect(alice.locator("#own-count")).to_have_text("1件")
    await expect(bob.locator("#own-count")).to_have_text("0件")
    await bob.keyboard.press("n")
    await expect(alice.locator("#ticket-number")).to_have_text("P002")


async def test_a_double_click_calls_one_ticket(create_server: Any, pages: Pages) -> None:
    server = create_server()
    http = await admin(server)
    await issue(http, "pickup")
    await issue(http, "pickup")
    page = await open_console(pages, server)
    await page.dblclick("[data-action=call-next]")
    await expect(page.locator("#ticket-number")).to_have_text("P001")
    await expect(page.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(1)
    assert (await ticket(http, "P002"))["status"] == "waiting"


async def test_a_lost_answer_is_never_acted_on_twice(create_server: Any, pages: Pages) -> None:
    """The console hears 503. If the call did reach the store, its event shows the ticket and nothing is retried;
    if it did not, "retry" sends the same key again and the call happens once."""
    server = create_server()
    http = await admin(server)
    await issue(http, "pickup")
    await issue(http, "pickup")
    page = await open_console(pages, server)
    keys: list[str | None] = []
    unavailable = '{"code": "store_unavailable", "detail": "the queue store cannot be reached"}'

    async def lose_answers(route: Route) -> None:
        keys.append(await route.request.header_value("idempotency-key"))
        if len(keys) == 1:
            await route.fetch()  # the server calls P001 ...
            await route.fulfill(status=503, content_type="application/json", body=unavailable)  # ... unheard
        elif len(keys) == 2:
            await route.fulfill(status=503, content_type="application/json", body=unavailable)  # never arrived
        else:
            await route.continue_()

    await page.route("**/api/v1/counters/ch-booth-1/call-next", lose_answers)
    await page.click("[data-action=call-next]")
    await expect(page.locator("#ticket-number")).to_have_text("P001")  # from the event
    await expect(page.locator("#retry")).to_be_hidden()
    assert (await ticket(http, "P002"))["status"] == "waiting"

    await page.keyboard.press("x")
    await expect(page.locator("#no-ticket")).to_be_visible()
    await page.click("[data-action=call-next]")
    await expect(page.locator("#message-text")).to_have_text(
        "サーバーに接続できませんでした。「再試行」を押してください（同じ操作が二重に行われることはありません）。"
    )
    await expect(page.locator("#retry")).to_be_visible()
    await page.click("#retry")
    await expect(page.locator("#ticket-number")).to_have_text("P002")
    assert len(keys) == 3 and keys[0] and keys[1] and keys[0] != keys[1] and keys[1] == keys[2]
    await expect(page.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(0)


async def test_the_console_recovers_after_a_server_restart(create_server: Any, pages: Pages) -> None:
    first = create_server()
    port = int(first.base_url.rsplit(":", 1)[1])
    http = await admin(first)
    await issue(http, "pickup")
    page = await open_console(pages, first)
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-number")).to_have_text("P001")

    first.stop()
    await expect(page.locator("#connection")).to_be_visible()
    await expect(page.locator("#connection-text")).to_have_text("接続が切れました。再接続しています…")
    second = create_server(port=port)
    await expect(page.locator("#connection")).to_be_hidden(timeout=30_000)
    # what happened meanwhile (another console's call) shows without a reload
    http2 = await admin(second)
    await issue(http2, "pickup")
    await open_counter(http2, "ch-booth-2", "pickup")
    await http2.post("/api/v1/counters/ch-booth-2/call-next")
    await expect(page.locator(".k-other[data-counter=ch-booth-2] .k-num")).to_have_text("P002")
    await page.keyboard.press("s")
    await expect(page.locator("#ticket-status")).to_have_text("対応中")


async def test_an_action_while_the_store_is_down_is_retried_once_it_is_back(
    create_redis: Any, create_server: Any, pages: Pages
) -> None:
    store = create_redis()
    server = create_server(url=store.url)
    http = await admin(server)
    await issue(http, "pickup")
    await issue(http, "pickup")
    page = await open_console(pages, server)

    store.signal(signal.SIGKILL)
    await page.click("[data-action=call-next]")
    await expect(page.locator("#message")).to_contain_text("サーバーに接続できませんでした")
    await expect(page.locator("#retry")).to_be_visible()
    store.start()  # the AOF is replayed
    await wait_ready(http)
    await expect(page.locator("body")).to_have_attribute("data-connection", "live", timeout=30_000)
    await page.click("#retry")
    await expect(page.locator("#ticket-number")).to_have_text("P001")
    await expect(page.locator(".k-svc[data-service=pickup] .k-waiting")).to_have_count(1)


# ---- screenshots ---------------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def destination(tmp_path: Path, name: str) -> Path:
    """docs/screens/ with MADOGUCHI_SCREENSHOTS=1 (docs/PAGES.md), else the test's own folder."""
    return DOCS / name if os.environ.get("MADOGUCHI_SCREENSHOTS") == "1" else tmp_path / name


async def fits(page: Page) -> None:
    """Nothing scrolls and nothing is cut off at 1920×1080."""
    overflow = await page.evaluate(
        """() => {
          const out = [];
          const root = document.scrollingElement;
          if (root.scrollHeight > innerHeight || root.scrollWidth > innerWidth) out.push("page scrolls");
          for (const el of document.querySelectorAll("button, .k-number, .k-svc-head, .s-card-title")) {
            if (el.scrollWidth > el.clientWidth + 1) out.push(el.textContent.trim());
          }
          return out;
        }"""
    )
    assert overflow == []


async def test_console_screens(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server()
    http = await admin(server)
    kiosk = await server.device("kiosk")
    server.clock.advance(-timedelta(minutes=40))  # the morning so far: people came in over 40 minutes
    plan = ["pickup", "application", "pickup", "e-cert", "pickup", "inquiry", "abolition", "pickup", "application",
            "pickup", "e-cert", "inquiry", "pickup", "application"]  # fmt: skip
    for service in plan:
        await issue(kiosk, service)
        server.clock.advance(timedelta(minutes=3))
    guide = await server.login("guide", (SITE,))
    await issue(guide, "pickup", priority=True)
    await open_counter(http, "ch-booth-2", "application", "inquiry")
    await http.post("/api/v1/counters/ch-booth-2/call-next")
    booth3 = await server.login("operator", (SITE,))
    await open_counter(booth3, "ch-booth-3", "e-cert")
    missed = (await booth3.post("/api/v1/counters/ch-booth-3/call-next")).json()
    assert (await booth3.post(f"/api/v1/tickets/{missed['id']}/no-show")).status_code == 200  # E001 did not come
    await open_counter(http, "ch-meeting-4", "pickup")
    await http.post("/api/v1/counters/ch-meeting-4/pause", json={"reason": "休憩"})

    context = await pages.context(LANDSCAPE)
    page = await pages.page(context)
    credentials = {"login": "yamada", "password": "counter-one-password"}
    await server.call(
        server.runtime.accounts.add_staff("yamada", "山田 花子", Role.OPERATOR, (SITE,), credentials["password"])
    )
    await sign_in(page, server, credentials)
    await expect(page.locator("body.console-setup[data-ready=true]")).to_be_attached()
    await page.click(".s-counter[data-counter=ch-booth-1]")
    for box in await page.locator(".s-service").all():
        await box.locator("input").set_checked(await box.get_attribute("data-service") in ("pickup", "abolition"))
    await expect(page.locator(".s-counter[data-counter=ch-booth-2] .s-card-ticket")).to_have_text("A001 を対応中")
    await fits(page)
    await page.screenshot(path=str(destination(tmp_path, "console-setup.png")))

    await page.click("#open-counter")
    await console_ready(page, "ch-booth-1")
    for _ in range(2):
        await page.keyboard.press("n")
        await expect(page.locator("#ticket-status")).to_have_text("呼出中")
        await page.keyboard.press("s")
        await expect(page.locator("[data-action=complete]")).to_be_enabled()
        await page.keyboard.press("c")
        await page.keyboard.press("Enter")
        await expect(page.locator("#no-ticket")).to_be_visible()
    await expect(page.locator("#own-count")).to_have_text("2件")
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-number")).to_have_text("P002")  # after the priority P007 and P001
    await page.keyboard.press("r")
    await expect(page.locator("#ticket-badges")).to_contain_text("再呼出 1回")
    await expect(page.locator(".k-other[data-counter=ch-booth-2] .k-num")).to_have_text("A001")
    await expect(page.locator("#no-shows .k-noshow[data-number=E001]")).to_contain_text("不在（3番窓口）")
    await fits(page)
    await page.screenshot(path=str(destination(tmp_path, "console.png")))


LAPTOP = {"width": 1366, "height": 768}
SCALED = {"width": 1536, "height": 864}  # a 1920×1080 laptop at Windows' default 125 %


async def busy_day(server: LiveServer) -> None:
    """A busy November morning at City Hall (the Fukutsu config): 40 people waiting for every service, a
    priority ticket, three no-shows, the other five counters open, serving, paused or closed."""
    http = await admin(server)
    kiosk = await server.device("kiosk")
    server.clock.advance(-timedelta(minutes=90))
    lines = ["pickup", "application", "pickup", "e-cert", "inquiry", "pickup", "abolition", "pin-reset",
             "unsuspend", "surface-update", "insurance-link", "application", "e-cert"]  # fmt: skip
    for i in range(40):
        await issue(kiosk, lines[i % len(lines)], lang="en" if i % 4 == 1 else "ja")
        server.clock.advance(timedelta(minutes=2))
    await issue(await server.login("guide", (SITE,)), "pickup", priority=True)
    await open_counter(http, "ch-booth-2", "application", "inquiry")
    await http.post("/api/v1/counters/ch-booth-2/call-next")
    booth3 = await server.login("operator", (SITE,))
    await open_counter(booth3, "ch-booth-3", "e-cert", "pin-reset")
    for _ in range(3):  # three visitors did not come
        missed = (await booth3.post("/api/v1/counters/ch-booth-3/call-next")).json()
        assert (await booth3.post(f"/api/v1/tickets/{missed['id']}/no-show")).status_code == 200
    await open_counter(http, "ch-meeting-4", "pickup")
    await http.post("/api/v1/counters/ch-meeting-4/pause", json={"reason": "休憩"})
    meeting5 = await server.login("operator", (SITE,))
    await open_counter(meeting5, "ch-meeting-5", "abolition", "surface-update")
    called = (await meeting5.post("/api/v1/counters/ch-meeting-5/call-next")).json()
    assert (await meeting5.post(f"/api/v1/tickets/{called['id']}/start")).status_code == 200


async def actions_in_view(page: Page) -> list[str]:
    """What keeps an action from being used without scrolling: the page scrolls, a button is (partly) outside
    the window, covered by something else at its centre, or its label is cut off."""
    problems: list[str] = await page.evaluate(
        """() => {
          const out = [];
          const root = document.scrollingElement;
          if (root.scrollHeight > innerHeight) out.push(`page scrolls: ${root.scrollHeight} > ${innerHeight}`);
          if (root.scrollWidth > innerWidth) out.push(`page scrolls sideways: ${root.scrollWidth} > ${innerWidth}`);
          for (const button of document.querySelectorAll("[data-action]")) {
            const name = button.dataset.action;
            const box = button.getBoundingClientRect();
            if (box.width === 0 || box.top < 0 || box.left < 0 || box.bottom > innerHeight || box.right > innerWidth) {
              out.push(`${name} outside the window: ${JSON.stringify(box)}`);
              continue;
            }
            const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
            if (!hit || !button.contains(hit)) out.push(`${name} covered by ${hit?.outerHTML.slice(0, 80)}`);
            if (button.scrollWidth > button.clientWidth + 1 || button.scrollHeight > button.clientHeight + 1) {
              out.push(`${name} label cut off`);
            }
          }
          return out;
        }"""
    )
    return problems


async def test_every_action_is_in_view_without_scrolling(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    """At a desk PC's 1920×1080, a laptop's 1366×768 and a scaled 1536×864, in Japanese and English, on a busy
    day with every service chosen, a number called (and recalled) and its message shown: all ten actions are in
    the window, uncovered, and the page does not scroll (the waiting lines scroll in their own box)."""
    server = create_server()
    await busy_day(server)
    page = await pages.page(await pages.context(LANDSCAPE))
    await sign_in(page, server, await server.add_staff("operator", (SITE,)))
    await choose(page, "ch-booth-1", None)
    await page.keyboard.press("n")
    await expect(page.locator("#ticket-status")).to_have_text("呼出中")
    await page.keyboard.press("r")
    await expect(page.locator("#ticket-badges")).to_contain_text("再呼出 1回")
    await expect(page.locator("#message")).to_be_visible()
    await expect(page.locator("#no-shows .k-noshow")).to_have_count(3)
    await expect(page.locator(".k-other[data-counter=ch-meeting-5] .k-other-status")).to_have_text("対応中")
    problems = {}
    for viewport, size in ((LANDSCAPE, "1920"), (LAPTOP, "1366"), (SCALED, "1536")):
        await page.set_viewport_size(viewport)
        for lang in ("ja", "en"):
            await page.click(f"[data-staff-lang={lang}]")
            await expect(page.locator("html")).to_have_attribute("lang", lang)
            problems[f"{size} {lang}"] = await actions_in_view(page)
            if lang == "en":  # counters by their English names; the message said again in English
                await expect(page.locator("#counter-label")).to_have_text("Counter 1")
                await expect(page.locator(".k-other[data-counter=ch-booth-2] .k-other-label")).to_have_text("Counter 2")
                await expect(page.locator(".k-noshow").first).to_contain_text("(Counter 3)")
                await expect(page.locator("#message-text")).to_have_text(re.compile(r"^Recalled P\d{3}$"))
            if size != "1536":
                await page.screenshot(path=str(destination(tmp_path, f"console-{size}-{lang}.png")))
    assert problems == {combination: [] for combination in problems}
    queue = page.locator("#queue")
    assert await queue.evaluate("(el) => el.scrollHeight > el.clientHeight"), "the waiting lines scroll in their box"
