"""The day archive: day close keeps every ticket and reservation of a date once, immutably, across several server
processes, restarts and a killed store; nothing is issued on a closed date; retention deletes it in time; managers
read an archived date back."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import date, datetime
from typing import Any

import httpx
import redis.asyncio as aredis

from server.queue.archive import DayArchive
from server.queue.keys import SiteKeys
from tests.conftest import LiveServer, issue, open_counter

SITE = "city-hall"
NAME, PHONE = "アーカイブ タロウ", "090-5555-0101"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+09:00")


def minute(text: str) -> int:
    """The minute of a time of day (the server clock runs on from where a test sets it)."""
    return int(at(text).timestamp()) // 60


def minute_of(ms: int | None) -> int:
    assert ms is not None
    return ms // 60_000


async def reserve(client: httpx.AsyncClient, day: str, start: str, site: str = SITE) -> str:
    body = {"site": site, "service": "pickup" if site == SITE else "application", "date": day, "start": start,
            "name": NAME, "phone": PHONE}  # fmt: skip
    r = await client.post("/api/v1/reservations", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


async def records(server: LiveServer, day: str, site: str = SITE) -> DayArchive:
    found: DayArchive = await server.call(server.runtime.store.day_records(site, day))
    return found


async def stored(redis_url: str, key: str) -> list[str]:
    client = aredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return list(await client.lrange(key, 0, -1))
    finally:
        await client.aclose()


async def act(client: httpx.AsyncClient, ticket: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
    r = await client.post(f"/api/v1/tickets/{ticket['id']}/{action}", json=body or None)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def call(client: httpx.AsyncClient, ticket: dict[str, Any], counter: str = "ch-booth-1") -> None:
    r = await client.post(f"/api/v1/counters/{counter}/call", json={"number": ticket["number"]})
    assert r.status_code == 200, r.text


async def test_closing_today_archives_it_once_and_nothing_more_is_issued(
    create_server: Any, redis_url: str, open_ws: Any
) -> None:
    server = create_server(at=at("2026-11-24T08:00"))
    admin = await server.login("admin")
    arrives, stays_away, cancels, after_close = [
        await reserve(admin, "2026-11-24", start) for start in ("10:00", "10:30", "11:00", "11:30")
    ]
    assert (await admin.delete(f"/api/v1/reservations/{cancels}")).status_code == 200
    server.clock.set(at("2026-11-24T09:45"))
    kiosk = await server.device("kiosk", SITE)
    checked_in = (await kiosk.post(f"/api/v1/sites/{SITE}/checkins", json={"code": arrives})).json()
    served, gone, cancelled, left = [await issue(admin, "pickup") for _ in range(4)]
    prio = await issue(admin, "pickup", priority=True)
    await open_counter(admin, "ch-booth-1", "pickup")

    await call(admin, served)  # 09:45: its wait ends here
    await act(admin, served, "return")
    server.clock.set(at("2026-11-24T09:50"))
    await call(admin, served)  # a second call does not lengthen the wait
    await act(admin, served, "recall")
    await act(admin, served, "start")
    await act(admin, served, "complete", outcome="missing_documents")
    await call(admin, gone)
    await act(admin, gone, "no-show")
    await act(admin, cancelled, "cancel")
    await call(admin, checked_in)
    await act(admin, checked_in, "start")
    await act(admin, checked_in, "complete", outcome="completed")
    live = await records(server, "2026-11-24")
    assert live.archived_at is None

    server.clock.set(at("2026-11-24T11:10"))
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}")
    assert (await board.recv())["state"]["open"] is True
    manager = await server.login("manager")
    r = await manager.post(f"/api/v1/sites/{SITE}/day-close")
    assert r.status_code == 200 and r.json()["was_open"] is True and r.json()["unserved"] == 2, r.text
    closed = await board.until(lambda m: m["type"] == "day.closed")
    assert (closed["tickets"], closed["reservations"], closed["unserved"]) == (6, 4, 2)

    # nothing more happens on the closed date: no ticket, no check-in, no reinstated no-show; the kiosk says closed
    refused = await kiosk.post(f"/api/v1/sites/{SITE}/tickets", json={"service": "pickup"})
    assert refused.status_code == 409 and refused.json()["code"] == "day_closed", refused.text
    refused = await kiosk.post(f"/api/v1/sites/{SITE}/checkins", json={"code": after_close})
    assert refused.status_code == 409 and refused.json()["code"] == "day_closed", refused.text
    refused = await admin.post(f"/api/v1/tickets/{gone['id']}/reinstate")
    assert refused.status_code == 409 and refused.json()["code"] == "day_closed", refused.text
    assert (await kiosk.get(f"/api/v1/sites/{SITE}/state")).json()["open"] is False

    day = await records(server, "2026-11-24")
    assert day.archived_at is not None and day.archived_at.startswith("2026-11-24T11:10")
    assert [t.id for t in day.tickets] == [checked_in["id"], served["id"], gone["id"], cancelled["id"], left["id"],
                                           prio["id"]]  # fmt: skip
    by_id = {t.id: t for t in day.tickets}
    assert minute_of(by_id[served["id"]].first_called_at_ms) == minute("2026-11-24T09:45")
    assert minute_of(by_id[served["id"]].called_at_ms) == minute("2026-11-24T09:50")
    assert by_id[served["id"]].recall_count == 1 and by_id[served["id"]].outcome == "missing_documents"
    assert by_id[checked_in["id"]].channel == "reservation" and by_id[checked_in["id"]].reservation == arrives
    assert by_id[prio["id"]].priority is True
    assert [by_id[t["id"]].status for t in (gone, cancelled, left, prio)] == ["no_show", "cancelled", "unserved",
                                                                            "unserved"]  # fmt: skip
    # a ticket that ended before the close reads the same live and archived
    for t in live.tickets:
        if t.status in ("done", "no_show", "cancelled"):
            assert by_id[t.id] == t
    assert {(r.code, r.status) for r in day.reservations} == {
        (arrives, "checked_in"), (stays_away, "no_show"), (cancels, "cancelled"), (after_close, "booked"),
    }  # fmt: skip
    assert next(r for r in day.reservations if r.code == arrives).ticket_number == checked_in["number"]
    keys = SiteKeys(SITE)
    kept = "".join(await stored(redis_url, keys.archive_tickets("2026-11-24")))
    kept += "".join(await stored(redis_url, keys.archive_reservations("2026-11-24")))
    assert served["token"] not in kept and "token" not in kept
    assert NAME not in kept and PHONE not in kept and '"phone":' not in kept and '"name":' not in kept

    # closing again changes nothing and says so
    r = await manager.post(f"/api/v1/sites/{SITE}/day-close")
    assert r.json()["was_open"] is False and r.json()["unserved"] == 0
    assert await records(server, "2026-11-24") == day
    assert await server.call(server.runtime.store.archived_days(SITE, date(2026, 11, 1), date(2026, 11, 30))) == [
        "2026-11-24"
    ]


async def test_the_read_api_of_an_archived_date(create_server: Any) -> None:
    server = create_server()
    manager = await server.login("manager")
    first = await issue(manager, "pickup")
    await open_counter(manager, "ch-booth-1", "pickup")
    await call(manager, first)
    second = await issue(manager, "pickup")
    operator = await server.login("operator", (SITE,))
    today = await operator.get(f"/api/v1/sites/{SITE}/tickets")
    assert today.status_code == 200 and [t["number"] for t in today.json()] == [first["number"], second["number"]]
    assert today.json()[0]["first_called_at"].startswith("2026-11-24T10:00")

    server.clock.set(at("2026-11-25T09:00"))
    assert (await server.call(server.runtime.store.close_past_days())) == [(SITE, "2026-11-24", 2)]
    manager = await server.login("manager")
    r = await manager.get(f"/api/v1/sites/{SITE}/tickets", params={"date": "2026-11-24"})
    assert r.status_code == 200, r.text
    rows = r.json()
    assert [(t["number"], t["status"]) for t in rows] == [(first["number"], "unserved"), (second["number"], "unserved")]
    assert rows[0]["first_called_at"].startswith("2026-11-24T10:00") and rows[0]["operator"]
    assert rows[1]["first_called_at"] is None and rows[1]["finished_at"].startswith("2026-11-25T09:00")
    assert all(t["archived_at"].startswith("2026-11-25T09:00") and "token" not in t for t in rows)
    mine = await manager.get(
        f"/api/v1/sites/{SITE}/tickets", params={"date": "2026-11-24", "operator": rows[0]["operator"]}
    )
    assert [t["number"] for t in mine.json()] == [first["number"]]

    nothing = await manager.get(f"/api/v1/sites/{SITE}/tickets", params={"date": "2026-11-20"})
    assert nothing.status_code == 404 and nothing.json()["code"] == "not_archived", nothing.text
    operator = await server.login("operator", (SITE,))
    refused = await operator.get(f"/api/v1/sites/{SITE}/tickets", params={"date": "2026-11-24"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text
    other_site = await server.login("manager", ("tsuyazaki",))
    refused = await other_site.get(f"/api/v1/sites/{SITE}/tickets", params={"date": "2026-11-24"})
    assert refused.status_code == 403, refused.text
    today = await operator.get(f"/api/v1/sites/{SITE}/tickets", params={"date": "2026-11-25"})
    assert today.status_code == 200 and today.json() == []
    bad = await manager.get(f"/api/v1/sites/{SITE}/tickets", params={"date": "2026-13-01"})
    assert bad.status_code == 400, bad.text


async def test_two_servers_closing_one_date_at_once_archive_it_once(
    create_server: Any, redis_url: str, open_ws: Any
) -> None:
    first, second = create_server(), create_server()
    admin = await first.login("admin")
    tickets = [await issue(admin, "pickup") for _ in range(3)]
    await open_counter(admin, "ch-booth-1", "pickup")
    await call(admin, tickets[0])
    for server in (first, second):
        server.clock.set(at("2026-11-25T08:30"))
    managers = [await server.login("manager") for server in (first, second)]
    board = await open_ws(f"{second.ws_url}/ws/v1/sites/{SITE}")
    await board.recv()

    results = await asyncio.gather(
        *(m.post(f"/api/v1/sites/{SITE}/day-close", params={"date": "2026-11-24"}) for m in managers),
        first.call(first.runtime.store.close_past_days()),
        second.call(second.runtime.store.close_past_days()),
        *(m.post(f"/api/v1/sites/{SITE}/day-close", params={"date": "2026-11-24"}) for m in managers),
    )
    routes = [r.json() for r in (*results[:2], *results[4:])]
    assert all(r.status_code == 200 for r in (*results[:2], *results[4:]))
    by_closer = [c for found in results[2:4] for c in found]
    # exactly one close did it: it made the 3 tickets unserved, every other one found the date closed
    assert sum(r["unserved"] for r in routes) + sum(n for _, _, n in by_closer) == 3
    assert sum(r["was_open"] for r in routes) + len(by_closer) == 1

    keys = SiteKeys(SITE)
    archived = await stored(redis_url, keys.archive_tickets("2026-11-24"))
    assert sorted(json.loads(t)["id"] for t in archived) == sorted(t["id"] for t in tickets)
    day = await records(first, "2026-11-24")
    assert await records(second, "2026-11-24") == day
    # one day.closed on the board, before the ticket issued afterwards
    later = await issue(managers[0], "pickup")
    seen: list[dict[str, Any]] = []
    await board.until(lambda m: seen.append(m) is None and m["type"] == "ticket.issued" and m["ticket"]["number"]
                      == later["number"])  # fmt: skip
    assert [m["business_date"] for m in seen if m["type"] == "day.closed"] == ["2026-11-24"]
    log = (await managers[0].get("/api/v1/audit", params={"date": "2026-11-25", "site": SITE})).json()
    details = [e["detail"] for e in log if e["action"] == "day.close"]
    assert len([d for d in details if "archived" in d]) == 1
    assert len([d for d in details if "closed already" in d]) == len(details) - 1

    # a new server process after the others stopped: the date stays archived as it was
    first.stop()
    second.stop()
    third = create_server(at=at("2026-11-25T08:40"))
    assert await third.call(third.runtime.store.close_past_days()) == []
    assert await records(third, "2026-11-24") == day
    r = await (await third.login("manager")).post(f"/api/v1/sites/{SITE}/day-close", params={"date": "2026-11-24"})
    assert r.json() == {"site": SITE, "business_date": "2026-11-24", "was_open": False, "unserved": 0}
    assert await stored(redis_url, keys.archive_tickets("2026-11-24")) == archived


async def test_a_day_with_reservations_only_is_archived_once_by_the_closer(create_server: Any) -> None:
    """Every reserved visitor stayed away: the date had no ticket, yet its reservations are archived as no-shows."""
    first, second = create_server(), create_server()
    phone = await first.login("phone", (SITE, "tsuyazaki"))
    codes = [await reserve(phone, "2026-11-25", "10:00"), await reserve(phone, "2026-11-25", "10:30")]
    tsuyazaki = await reserve(phone, "2026-11-25", "10:00", site="tsuyazaki")
    for server in (first, second):
        server.clock.set(at("2026-11-26T08:00"))
    found = await asyncio.gather(*(s.call(s.runtime.store.close_past_days()) for s in (first, second, first, second)))
    assert sorted(c for closed in found for c in closed) == [(SITE, "2026-11-25", 0), ("tsuyazaki", "2026-11-25", 0)]
    day = await records(second, "2026-11-25")
    assert day.archived_at is not None and day.tickets == ()
    assert [(r.code, r.status) for r in day.reservations] == [(codes[0], "no_show"), (codes[1], "no_show")]
    assert [r.code for r in (await records(first, "2026-11-25", "tsuyazaki")).reservations] == [tsuyazaki]
    store = first.runtime.store
    assert await first.call(store.archived_days(SITE, date(2026, 11, 1), date(2026, 11, 30))) == ["2026-11-25"]
    # the next minute's round finds nothing more to do
    assert await first.call(store.close_past_days()) == []
    assert await first.call(store.days_records(SITE, ["2026-11-25", "2026-11-26"])) == [
        day,
        DayArchive(site=SITE, business_date="2026-11-26", archived_at=None, tickets=(), reservations=()),
    ]


async def test_the_archive_survives_a_killed_store(create_redis: Any, create_server: Any) -> None:
    store = create_redis()
    server = create_server(url=store.url)
    manager = await server.login("manager")
    for _ in range(3):
        await issue(manager, "pickup")
    assert (await manager.post(f"/api/v1/sites/{SITE}/day-close")).status_code == 200
    before = await records(server, "2026-11-24")
    assert before.archived_at is not None and len(before.tickets) == 3

    store.signal(signal.SIGKILL)
    store.start()  # same data dir and port: the AOF is replayed

    async def ready() -> None:
        while (await manager.get("/readyz")).status_code != 200:
            continue  # each request awaits the server, which paces the loop

    await asyncio.wait_for(ready(), 20)
    assert await records(server, "2026-11-24") == before
    refused = await manager.post(f"/api/v1/sites/{SITE}/tickets", json={"service": "pickup"})
    assert refused.status_code == 409 and refused.json()["code"] == "day_closed", refused.text


async def test_retention_deletes_a_date_after_its_fiscal_year_plus_five(create_server: Any) -> None:
    server = create_server()
    store = server.runtime.store
    manager = await server.login("manager")
    old = await issue(manager, "pickup")
    code = await reserve(manager, "2026-11-25", "10:00")
    assert (await manager.post(f"/api/v1/sites/{SITE}/day-close")).status_code == 200
    server.clock.set(at("2027-04-01T10:00"))  # FY2027 begins
    await server.call(store.close_past_days())  # archives the reservation's 11/25
    kept = await issue(await server.login("manager"), "pickup")
    assert (await (await server.login("manager")).post(f"/api/v1/sites/{SITE}/day-close")).status_code == 200

    server.clock.set(at("2032-03-31T23:00"))  # the last day of FY2031: FY2026 is still kept
    assert await server.call(store.purge_past_retention()) == []
    assert len((await records(server, "2026-11-24")).tickets) == 1

    server.clock.set(at("2032-04-01T00:30"))
    assert await server.call(store.purge_past_retention()) == [(SITE, "2026-11-24"), (SITE, "2026-11-25")]
    assert await server.call(store.purge_past_retention()) == []  # once is enough; a second process finds nothing
    gone = await records(server, "2026-11-24")
    assert gone.archived_at is None and gone.tickets == () and gone.reservations == ()
    assert await server.call(store.archived_days(SITE, date(2026, 4, 1), date(2032, 3, 31))) == ["2027-04-01"]
    assert [t.id for t in (await records(server, "2027-04-01")).tickets] == [kept["id"]]
    admin = await server.login("admin")
    assert (await admin.get(f"/api/v1/reservations/{code}")).status_code == 404
    r = await admin.get(f"/api/v1/sites/{SITE}/tickets", params={"date": "2026-11-24"})
    assert r.status_code == 404 and r.json()["code"] == "not_archived"
    assert (await admin.get(f"/api/v1/tickets/by-token/{old['token']}")).status_code == 404
    log = (await admin.get("/api/v1/audit", params={"date": "2032-04-01", "site": SITE})).json()
    purged = [e for e in log if e["action"] == "archive.purge"]
    assert [(e["login"], e["detail"].split(":")[0]) for e in purged] == [
        ("system", "2026-11-24"),
        ("system", "2026-11-25"),
    ]


async def test_a_day_with_tallies_only_is_archived_and_retention_takes_tallies_and_incidents(
    create_server: Any,
) -> None:
    """The counters stayed shut but the phone rang: the date is closed and archived, and goes with its tallies and
    incident reports when its retention ends."""
    server = create_server()
    guide = await server.login("guide", (SITE,))
    r = await guide.post(f"/api/v1/sites/{SITE}/tallies", json={"kind": "phone", "topic": "reservation"})
    assert r.status_code == 200, r.text
    report = {"site": SITE, "category": "trouble", "title": "発券機の紙詰まり", "occurred_at": "2026-11-24T09:00:00",
              "description": "紙詰まりで5分間発券できなかった"}  # fmt: skip
    assert (await guide.post("/api/v1/incidents", json=report)).status_code == 201

    server.clock.set(at("2026-11-25T08:00"))
    store = server.runtime.store
    assert await server.call(store.close_past_days()) == [(SITE, "2026-11-24", 0)]
    day = await records(server, "2026-11-24")
    assert day.archived_at is not None and day.tickets == () and day.reservations == ()

    server.clock.set(at("2032-04-01T00:30"))
    assert await server.call(store.purge_past_retention()) == [(SITE, "2026-11-24")]
    admin = await server.login("admin")
    counts = (await admin.get(f"/api/v1/sites/{SITE}/tallies", params={"date": "2026-11-24"})).json()
    assert counts["totals"] == {"phone": 0, "guide": 0}
    reports = await admin.get("/api/v1/incidents", params={"site": SITE, "from": "2026-11-01", "to": "2026-11-30"})
    assert reports.status_code == 200 and reports.json() == []
    log = (await admin.get("/api/v1/audit", params={"date": "2032-04-01", "site": SITE})).json()
    assert [(e["action"], e["login"]) for e in log if e["action"].endswith(".purge")] == [
        ("archive.purge", "system"),
        ("incident.purge", "system"),
    ]
