"""Tickets on (fake) ESC/POS network printers: printed once, retried, failed over, never lost.

The printers are ``printers.fake.FakePrinter``: real TCP servers on loopback that parse ESC/POS, answer
DLE EOT like a TM-T88 and can run out of paper, stall or refuse connections.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest

from printers.agent import PrintAgent
from printers.escpos import Cut, Raster, Text, decode
from printers.fake import FakePrinter
from printers.profile import PrinterProfile
from printers.ticket import Layout, TicketData, render_ticket
from server.config import Config, Printer
from server.queue.keys import SiteKeys
from tests.conftest import open_counter

FAST = "&timeout=0.5"


def with_printers(config: Config, *uris: str, failover_after: int = 2, site: str = "city-hall") -> Config:
    """The shipped config with the printers of ``site`` (City Hall) replaced, and quick retries."""
    printers = tuple(Printer(id=f"p{i + 1}", name=f"プリンター{i + 1}", uri=uri) for i, uri in enumerate(uris))
    sites = tuple(msgspec.structs.replace(s, printers=printers) if s.id == site else s for s in config.sites)
    printing = msgspec.structs.replace(config.printing, retry_max_s=0.2, failover_after=failover_after)
    return msgspec.structs.replace(config, sites=sites, printing=printing)


@pytest.fixture
async def fakes() -> AsyncIterator[list[FakePrinter]]:
    printers = [await FakePrinter().start() for _ in range(2)]
    yield printers
    for p in printers:
        await p.stop()


@contextlib.asynccontextmanager
async def running_agent(server: Any, token: str, printer_uri: str) -> AsyncIterator[PrintAgent]:
    """A print agent for the kiosk ``token`` on ``printer_uri``, connected to ``server``, stopped afterwards."""
    agent = PrintAgent(server.base_url, token, printer_uri)
    task = asyncio.create_task(agent.run())
    try:
        await asyncio.wait_for(agent.connected.wait(), 10)
        yield agent
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def _kiosk_issue(kiosk: Any, service: str = "pickup", site: str = "city-hall", **body: Any) -> dict[str, Any]:
    r = await kiosk.post(f"/api/v1/sites/{site}/tickets", json={"service": service, **body})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def _printed(board_msg: dict[str, Any], number: str, state: str = "printed") -> bool:
    job = board_msg.get("job") or {}
    return board_msg.get("type") == "printer.changed" and job.get("number") == number and job.get("state") == state


async def test_issued_ticket_prints_with_its_number_and_a_cut(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    server = create_server(
        config=with_printers(config, fakes[0].uri + "?mode=raster&width=80" + FAST), print_workers=True
    )
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    kiosk = await server.device("kiosk")
    ticket = await _kiosk_issue(kiosk, lang="en")
    assert ticket["print_job"]["state"] == "queued" and ticket["print_job"]["printer"] == "p1"
    done = await board.until(lambda m: _printed(m, ticket["number"]))
    assert done["job"]["printer"] == "p1" and done["printer"]["state"] == "ok"

    jobs = await fakes[0].wait_for_jobs(1)
    sent = jobs[0]
    ops = decode(sent)
    assert sent.startswith(b"\x1b@") and any(isinstance(op, Cut) for op in ops)
    rasters = [op for op in ops if isinstance(op, Raster)]
    assert rasters and all(r.width_bytes * 8 == 576 for r in rasters)
    # exactly the ticket the layout makes for this number, service, wait and status URL
    record = await server.call(server.runtime.printing.job("city-hall", ticket["print_job"]["id"]))
    data = msgspec.json.decode(record["data"], type=TicketData)
    assert data.number == ticket["number"] and data.status_url == ticket["status_url"] and data.lang == "en"
    assert data.service_name == "カード交付" and data.service_name_local == "Card pickup"
    assert sent == render_ticket(data, Layout(), PrinterProfile(width_mm=80, mode="raster"))
    listed = await (await server.login("guide", ("city-hall",))).get("/api/v1/printers", params={"site": "city-hall"})
    assert listed.json()[0]["id"] == "p1" and listed.json()[0]["state"] == "ok"


async def test_paper_out_is_reported_and_the_ticket_prints_once_after_reload(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    fake = fakes[0]
    fake.set_paper(out=True)
    server = create_server(config=with_printers(config, fake.uri + "?" + FAST[1:]), print_workers=True)
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    ticket = await _kiosk_issue(await server.device("kiosk"))
    out = await board.until(lambda m: m.get("type") == "printer.changed" and m["printer"].get("state") == "paper_out")
    assert out["printer"]["id"] == "p1"
    await board.until(lambda m: _printed(m, ticket["number"], "retrying"))
    assert fake.printed == []  # nothing was sent to a printer without paper

    fake.set_paper(out=False)
    await board.until(lambda m: _printed(m, ticket["number"]))
    second = await _kiosk_issue(await server.device("kiosk"))
    await board.until(lambda m: _printed(m, second["number"]))
    assert len(fake.printed) == 2  # the first ticket once, then the second


async def test_unreachable_printer_fails_over_to_the_next(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    await fakes[0].refuse()
    server = create_server(
        config=with_printers(config, fakes[0].uri + "?" + FAST[1:], fakes[1].uri), print_workers=True
    )
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    ticket = await _kiosk_issue(await server.device("kiosk"))
    done = await board.until(lambda m: _printed(m, ticket["number"]))
    assert done["job"]["printer"] == "p2"
    assert len(await fakes[1].wait_for_jobs(1)) == 1
    assert fakes[0].printed == []


async def test_stalled_printer_does_not_hold_up_issuing(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    fakes[0].stall()
    server = create_server(
        config=with_printers(config, fakes[0].uri + "?" + FAST[1:], failover_after=99), print_workers=True
    )
    kiosk = await server.device("kiosk")
    tickets = await asyncio.gather(*(_kiosk_issue(kiosk) for _ in range(5)))
    assert sorted(t["number"] for t in tickets) == ["P001", "P002", "P003", "P004", "P005"]
    assert {t["print_job"]["state"] for t in tickets} == {"queued"}
    assert fakes[0].printed == []


async def test_queued_job_survives_a_server_restart(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    fake = fakes[0]
    await fake.refuse()
    cfg = with_printers(config, fake.uri + "?" + FAST[1:], failover_after=99)
    first = create_server(config=cfg, print_workers=True)
    ticket = await _kiosk_issue(await first.device("kiosk"))
    board = await open_ws(f"{first.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    await board.until(lambda m: _printed(m, ticket["number"], "retrying"))
    first.stop()  # the job is in flight on a printer that does not answer

    await fake.recover()
    second = create_server(config=cfg, print_workers=True)
    board = await open_ws(f"{second.ws_url}/ws/v1/sites/city-hall")
    snap = await board.recv()
    assert snap["type"] == "snapshot"
    await fake.wait_for_jobs(1, within=20)
    record = await second.call(second.runtime.printing.job("city-hall", ticket["print_job"]["id"]))
    assert record["state"] in ("printing", "printed")
    await board.until(lambda m: _printed(m, ticket["number"]) or record["state"] == "printed", within=20)
    assert len(fake.printed) == 1


async def test_reprint_prints_the_ticket_again(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    server = create_server(config=with_printers(config, fakes[0].uri), print_workers=True)
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    ticket = await _kiosk_issue(await server.device("kiosk"))
    await board.until(lambda m: _printed(m, ticket["number"]))
    guide = await server.login("guide", ("city-hall",))
    again = await guide.post(f"/api/v1/tickets/{ticket['id']}/reprint")
    assert again.status_code == 201 and again.json()["print_job"]["id"] != ticket["print_job"]["id"]
    await board.until(lambda m: _printed(m, ticket["number"]) and m["job"]["id"] == again.json()["print_job"]["id"])
    assert len(await fakes[0].wait_for_jobs(2)) == 2


async def test_print_agent_prints_its_kiosks_tickets_and_hands_over_when_out_of_paper(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    usb_standin, site_printer = fakes  # the agent's "USB" printer is a fake network printer here
    server = create_server(config=with_printers(config, site_printer.uri), print_workers=True)
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    token = await server.device_token("kiosk")
    async with running_agent(server, token, usb_standin.uri + "?" + FAST[1:]):
        kiosk = server.http()
        kiosk.headers["authorization"] = f"Bearer {token}"
        ticket = await _kiosk_issue(kiosk)
        assert ticket["print_job"]["printer"].startswith("agent-")
        await board.until(lambda m: _printed(m, ticket["number"]))
        assert len(await usb_standin.wait_for_jobs(1)) == 1

        usb_standin.set_paper(out=True)
        second = await _kiosk_issue(kiosk)
        moved = await board.until(lambda m: _printed(m, second["number"]))
        assert moved["job"]["printer"] == "p1"  # handed to the site's printer
        assert len(await site_printer.wait_for_jobs(1)) == 1
        assert len(usb_standin.printed) == 1


async def test_print_agent_reconnects_after_a_server_restart(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    printer = fakes[0]
    cfg = with_printers(config, fakes[1].uri)
    first = create_server(config=cfg, print_workers=True)
    token = await first.device_token("kiosk")
    async with running_agent(first, token, printer.uri):
        port = int(first.base_url.rsplit(":", 1)[1])
        first.stop()
        second = create_server(config=cfg, print_workers=True, port=port)
        board = await open_ws(f"{second.ws_url}/ws/v1/sites/city-hall")
        await board.recv()
        kiosk = second.http()
        kiosk.headers["authorization"] = f"Bearer {token}"
        # the agent's heartbeat outlives the restart, so the ticket is routed to it; it prints once it is back
        ticket = await _kiosk_issue(kiosk)
        done = await board.until(lambda m: _printed(m, ticket["number"]), within=30)
        assert done["job"]["printer"].startswith("agent-")
        assert len(await printer.wait_for_jobs(1)) == 1


async def test_jobs_of_a_stopped_agent_go_to_the_site_printer(
    create_server: Any, config: Config, fakes: list[FakePrinter], redis_url: str
) -> None:
    import redis.asyncio as aredis

    server = create_server(config=with_printers(config, fakes[0].uri), print_workers=True)
    keys = SiteKeys("city-hall")
    admin = aredis.Redis.from_url(redis_url)
    await admin.set(keys.agent("kiosk-gone"), "kiosk", ex=60)
    chain = await server.call(server.runtime.printing.chain("city-hall", "kiosk-gone"))
    assert chain == ["agent-kiosk-gone", "p1"]
    await admin.rpush(keys.print_queue("agent-kiosk-gone"), "pj-x")
    await admin.hset(keys.print_job("pj-x"), mapping={"id": "pj-x", "state": "queued", "printer": "agent-kiosk-gone"})
    assert await server.call(server.runtime.printing.rescue_agent_jobs("city-hall")) == 0  # still alive
    await admin.delete(keys.agent("kiosk-gone"))
    assert await server.call(server.runtime.printing.rescue_agent_jobs("city-hall")) == 1
    assert await admin.lrange(keys.print_queue("p1"), 0, -1) in ([b"pj-x"], [])  # p1's worker may have taken it
    assert (await admin.hget(keys.print_job("pj-x"), "printer")) == b"p1"
    await admin.aclose()


async def test_without_printers_tickets_are_written_as_png_previews(
    create_server: Any, config: Config, open_ws: Any, tmp_path: Any
) -> None:
    server = create_server(print_workers=True)
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    ticket = await _kiosk_issue(await server.device("kiosk"))
    assert ticket["print_job"]["printer"] == "preview"
    await board.until(lambda m: _printed(m, ticket["number"]))
    pngs = list((tmp_path / "var" / "tickets" / "city-hall").glob("*.png"))
    assert len(pngs) == 1 and pngs[0].read_bytes().startswith(b"\x89PNG")


# ---- long polls of print agents ---------------------------------------------------------------------------


async def _first_answers(
    polls: list[asyncio.Task[httpx.Response]], n: int, within: float = 15.0
) -> list[httpx.Response]:
    """The first ``n`` answers among ``polls``, in the order they came."""
    answers: list[httpx.Response] = []

    async def collect() -> None:
        for next_answer in asyncio.as_completed(polls):
            answers.append(await next_answer)
            if len(answers) == n:
                return

    await asyncio.wait_for(collect(), within)
    return answers


def _told_to_come_back(r: httpx.Response) -> bool:
    return r.status_code == 429 and r.json()["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1


async def test_a_flood_of_long_polls_from_one_kiosk_token_does_not_stall_printing(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    # confirm=0: the fake printer answers from this test's event loop, busy with 300 requests, and a
    # confirmation later than the read timeout would count as lost and print the ticket twice
    tsuyazaki = with_printers(config, fakes[0].uri + "?confirm=0", site="tsuyazaki")
    server = create_server(config=tsuyazaki, print_workers=True)
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/tsuyazaki")
    await board.recv()
    token = await server.device_token("kiosk", "city-hall")
    flood = httpx.AsyncClient(
        base_url=server.base_url, headers={"authorization": f"Bearer {token}"}, timeout=60,
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=None),
    )  # fmt: skip
    server.clients.append(flood)
    polls = [asyncio.create_task(flood.post("/api/v1/agent/poll", json={"wait": 25})) for _ in range(300)]
    try:
        # meanwhile visitors at Tsuyazaki take tickets: each is issued and printed in turn
        kiosk = await server.device("kiosk", "tsuyazaki")
        for printed in (1, 2):
            ticket = await _kiosk_issue(kiosk, "application", site="tsuyazaki")
            await board.until(lambda m, number=ticket["number"]: _printed(m, number))
            assert len(await fakes[0].wait_for_jobs(printed)) == printed
        # all polls but two were answered at once, each told when to come back
        refused = await _first_answers(polls, 298)
        assert all(_told_to_come_back(r) for r in refused), {r.status_code for r in refused}
        waiting = [p for p in polls if not p.done()]
        assert len(waiting) == 2
        # the two that wait are served: the kiosk's next ticket goes to one of them
        mine = await _kiosk_issue(flood)
        assert mine["print_job"]["printer"].startswith("agent-")
        served = (await _first_answers(waiting, 1))[0]
        assert served.status_code == 200 and served.json()["job"]["ticket"]["number"] == mine["number"]
    finally:
        for p in polls:
            p.cancel()
        await asyncio.gather(*polls, return_exceptions=True)


def _agent_status(m: dict[str, Any], state: str) -> bool:
    return (
        m.get("type") == "printer.changed"
        and m["printer"]["id"].startswith("agent-")
        and m["printer"]["state"] == state
    )


async def _city_hall_board(server: Any, open_ws: Any) -> Any:
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    return board


@contextlib.asynccontextmanager
async def only_waiting_poll_held(server: Any, board: Any) -> AsyncIterator[asyncio.Task[httpx.Response]]:
    """With one waiting poll allowed per process, another kiosk's agent holds it (seen by its status on the
    board) until the block ends."""
    server.runtime.printing.polls.total = 1
    holder = await server.device("kiosk")
    body = {"wait": 25, "status": {"online": True, "cover_open": False, "paper_out": False, "paper_near_end": True}}
    waiting = asyncio.create_task(holder.post("/api/v1/agent/poll", json=body))
    try:
        await board.until(lambda m: _agent_status(m, "paper_near_end"))
        yield waiting
    finally:
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)


async def test_a_poll_beyond_the_waiting_polls_a_process_holds_answers_at_once(
    create_server: Any, open_ws: Any
) -> None:
    server = create_server()
    board = await _city_hall_board(server, open_ws)
    async with only_waiting_poll_held(server, board) as waiting:
        kiosk = await server.device("kiosk")
        assert (await kiosk.post("/api/v1/agent/poll", json={"wait": 0})).json() == {"job": None}  # agent alive
        ticket = await _kiosk_issue(kiosk)
        assert ticket["print_job"]["printer"].startswith("agent-")
        # no room to wait, but the job is there: it is handed over at once
        r = await asyncio.wait_for(kiosk.post("/api/v1/agent/poll", json={"wait": 25}), 10)
        assert r.status_code == 200 and r.json()["job"]["ticket"]["number"] == ticket["number"]
        done = await kiosk.post(f"/api/v1/agent/jobs/{r.json()['job']['id']}", json={"state": "printed"})
        assert done.status_code == 200
        # nothing to hand over: told at once when to come back, instead of waiting
        r = await asyncio.wait_for(kiosk.post("/api/v1/agent/poll", json={"wait": 25}), 10)
        assert _told_to_come_back(r), r.text
        assert not waiting.done()  # the poll holding the place still waits for its own kiosk's jobs


async def test_a_print_agent_told_to_come_back_waits_and_then_prints(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    server = create_server(config=with_printers(config, fakes[1].uri), print_workers=True)
    board = await _city_hall_board(server, open_ws)
    token = await server.device_token("kiosk")
    async with only_waiting_poll_held(server, board), running_agent(server, token, fakes[0].uri) as agent:
        await asyncio.wait_for(agent.told_to_wait.wait(), 10)
        kiosk = server.http()
        kiosk.headers["authorization"] = f"Bearer {token}"
        ticket = await _kiosk_issue(kiosk)
        assert ticket["print_job"]["printer"].startswith("agent-")
        done = await board.until(lambda m: _printed(m, ticket["number"]))
        assert done["job"]["printer"].startswith("agent-")
        assert len(await fakes[0].wait_for_jobs(1)) == 1 and fakes[1].printed == []


def _text(sent: bytes) -> str:
    """The words of a ticket printed in kanji mode (Shift_JIS text between the commands)."""
    return "".join(op.data.decode("shift_jis", errors="replace") for op in decode(sent) if isinstance(op, Text))


async def test_the_ticket_promises_a_call_when_a_counter_opens_and_an_estimate_once_one_is_open(
    create_server: Any, config: Config, fakes: list[FakePrinter], open_ws: Any
) -> None:
    server = create_server(
        config=with_printers(config, fakes[0].uri + "?mode=kanji&width=80" + FAST), print_workers=True
    )
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    kiosk = await server.device("kiosk")

    early = await _kiosk_issue(kiosk)  # no counter serving card pickup is open yet
    assert early["counters_open"] == 0 and early["waiting_ahead"] == 0
    await board.until(lambda m: _printed(m, early["number"]))
    printed = _text((await fakes[0].wait_for_jobs(1))[0])
    assert "窓口が開きしだいお呼びします" in printed and "開いていませんでした" in printed
    assert "まもなくお呼びします" not in printed and "待ち時間の目安" not in printed

    await open_counter(await server.login("admin"), "ch-booth-1", "pickup")
    later = await _kiosk_issue(kiosk)
    assert later["counters_open"] == 1 and later["waiting_ahead"] == 1 and later["estimated_wait_min"] > 0
    await board.until(lambda m: _printed(m, later["number"]))
    printed = _text((await fakes[0].wait_for_jobs(2))[1])
    assert "待ち時間の目安" in printed and f"約{later['estimated_wait_min']}分" in printed
    assert "窓口が開きしだい" not in printed
