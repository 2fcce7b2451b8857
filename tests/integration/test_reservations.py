"""Reservations over real HTTP, websockets and Redis: capacity from the seasonal counters, the race for the last
place, check-in and its refusals, the call order against walk-ins, no-shows, CSV, purge, personal data."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
import redis.asyncio as aredis

from server.queue.keys import SiteKeys
from server.reservations import codes, csvio
from tests.conftest import LiveServer, issue, open_counter

TOKYO = "+09:00"
NAME, PHONE = "フクツ タロウ", "090-1234-5678"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + TOKYO)


async def book(
    client: httpx.AsyncClient, date: str, start: str, service: str = "pickup", site: str = "city-hall",
    name: str = NAME, phone: str = PHONE,
) -> httpx.Response:  # fmt: skip
    body = {"site": site, "service": service, "date": date, "start": start, "name": name, "phone": phone}
    return await client.post("/api/v1/reservations", json=body)


async def booked(client: httpx.AsyncClient, date: str, start: str, **kw: Any) -> dict[str, Any]:
    r = await book(client, date, start, **kw)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def slots(client: httpx.AsyncClient, date: str, service: str = "pickup", site: str = "city-hall") -> list[Any]:
    r = await client.get(f"/api/v1/sites/{site}/availability", params={"date": date, "service": service})
    assert r.status_code == 200, r.text
    data: list[Any] = r.json()
    return data


def slot(found: list[dict[str, Any]], start: str) -> dict[str, Any]:
    return next(s for s in found if s["start"] == start)


async def check_in(server: LiveServer, code: str, site: str = "city-hall") -> httpx.Response:
    """A check-in from a kiosk of its own (check-ins are rate-limited per kiosk)."""
    kiosk = await server.device("kiosk", site)
    return await kiosk.post(f"/api/v1/sites/{site}/checkins", json={"code": code})


def jobs(server: LiveServer) -> Any:
    """The server's reservation store, for running its background jobs at a chosen moment."""
    return server._server.config.app.state.reservations


# ---- capacity ------------------------------------------------------------------------------------


async def test_capacity_follows_the_seasonal_counters(create_server: Callable[..., LiveServer]) -> None:
    server = create_server(at=at("2026-10-20T09:00"))
    phone = await server.login("phone", ("city-hall", "tsuyazaki"))
    october, november = await slots(phone, "2026-10-27"), await slots(phone, "2026-11-24")
    assert {s["capacity"] for s in october} == {3}  # City Hall: the booth's 3 counters
    assert {s["capacity"] for s in november} == {6}  # plus the meeting room's 3 from November
    assert [s["start"] for s in october][:3] == ["08:30", "09:00", "09:30"]
    assert october[-1] == {"start": "16:00", "end": "16:30", "capacity": 3, "booked": 0, "available": 3}
    assert {s["capacity"] for s in await slots(phone, "2026-10-27", "application", "tsuyazaki")} == {1}
    assert {s["capacity"] for s in await slots(phone, "2026-11-24", "application", "tsuyazaki")} == {2}
    assert await slots(phone, "2026-10-24") == []  # a Saturday
    assert await slots(phone, "2026-10-27", "e-cert") == []  # takes no reservations
    assert await slots(phone, "2026-10-27", "pickup", "tsuyazaki") == []  # not offered there
    today = await slots(phone, "2026-10-20")
    assert slot(today, "08:30")["available"] == 0 and slot(today, "09:00")["available"] == 0  # started
    assert slot(today, "09:30")["available"] == 3


async def test_two_bookings_race_for_the_last_place(create_server: Callable[..., LiveServer]) -> None:
    server = create_server(at=at("2026-10-20T09:00"))
    first, second = await server.login("phone", ("tsuyazaki",)), await server.login("phone", ("tsuyazaki",))
    kw = {"service": "application", "site": "tsuyazaki"}
    answers = await asyncio.gather(
        book(first, "2026-10-27", "10:00", **kw), book(second, "2026-10-27", "10:00", **kw, name="ツヤザキ ハナコ")
    )
    assert sorted(r.status_code for r in answers) == [201, 409]
    loser = next(r for r in answers if r.status_code == 409)
    assert loser.json()["code"] == "slot_full"
    assert slot(await slots(first, "2026-10-27", **kw), "10:00") | {"start": "10:00"} == {
        "start": "10:00", "end": "10:30", "capacity": 1, "booked": 1, "available": 0,
    }  # fmt: skip
    # many at once for City Hall's 3 places: exactly 3 get one
    phones = [await server.login("phone", ("city-hall",)) for _ in range(2)]
    many = await asyncio.gather(*(book(phones[i % 2], "2026-10-27", "11:00") for i in range(7)))
    assert sorted(r.status_code for r in many) == [201] * 3 + [409] * 4
    refused = await first.get("/api/v1/reservations", params={"site": "city-hall", "date": "2026-10-27"})
    assert refused.status_code == 403  # Tsuyazaki's phone staff may not read City Hall's list
    admin = await server.login("admin")
    listed = (await admin.get("/api/v1/reservations", params={"site": "city-hall", "date": "2026-10-27"})).json()
    assert len(listed) == 3 and {r["status"] for r in listed} == {"booked"}


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"name": "山田 太郎"}, 400, "validation_error"),
        ({"name": "Yamada"}, 400, "validation_error"),
        ({"phone": "090-1234"}, 400, "validation_error"),
        ({"phone": "tel 0901234567"}, 400, "validation_error"),
        ({"start": "10:10"}, 400, "validation_error"),
        ({"start": "07:30"}, 400, "validation_error"),
        ({"date": "2026-11-19"}, 400, "validation_error"),  # yesterday
        ({"date": "2027-03-01"}, 400, "validation_error"),  # beyond 60 days
        ({"date": "2026-11-21"}, 409, "site_closed"),  # Saturday
        ({"service": "e-cert"}, 409, "service_unavailable"),
        ({"service": "no-such"}, 404, "unknown_service"),
        ({"site": "tsuyazaki", "service": "pickup"}, 409, "service_unavailable"),
    ],
)
async def test_bad_bookings_are_refused_and_change_nothing(
    create_server: Callable[..., LiveServer], change: dict[str, str], status: int, code: str
) -> None:
    server = create_server(at=at("2026-11-20T09:00"))
    admin = await server.login("admin")
    body = {"site": "city-hall", "service": "pickup", "date": "2026-11-24", "start": "10:00", "name": NAME,
            "phone": PHONE, **change}  # fmt: skip
    r = await admin.post("/api/v1/reservations", json=body)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.json()["detail"]
    assert (await admin.get("/api/v1/reservations", params={"site": "city-hall", "date": "2026-11-24"})).json() == []
    assert slot(await slots(admin, "2026-11-24"), "10:00")["booked"] == 0


async def test_names_and_phones_are_normalised(server: LiveServer) -> None:
    phone = await server.login("phone", ("city-hall",))
    r = await booked(phone, "2026-11-25", "10:00", name="ふくつ　はなこ", phone="０９０－１１１１－２２２２")
    assert (r["name"], r["phone"]) == ("フクツ ハナコ", "090-1111-2222")
    half = await booked(phone, "2026-11-25", "10:00", name="ｶﾞｸ ﾀﾛｳ")
    assert half["name"] == "ガク タロウ"
    assert codes.is_valid(r["code"]) and r["status"] == "booked" and r["created_by"].startswith("phone-")


# ---- check-in ------------------------------------------------------------------------------------


async def test_check_in_refusals_each_have_their_code(create_server: Callable[..., LiveServer]) -> None:
    server = create_server(at=at("2026-11-20T10:00"))
    admin = await server.login("admin")
    resv = await booked(admin, "2026-11-24", "10:30")
    early_slot = await booked(admin, "2026-11-24", "09:00")
    code = resv["code"]

    r = await check_in(server, code)  # on Friday for Tuesday
    assert (r.status_code, r.json()["code"]) == (409, "reservation_not_today")

    server.clock.set(at("2026-11-24T09:45"))
    admin = await server.login("admin")  # days later: the Friday session ended with the server clock
    r = await check_in(server, code)
    assert (r.status_code, r.json()["code"]) == (409, "checkin_too_early")
    assert "10:00" in r.json()["detail"] and r.json()["opens_at"] == "10:00"

    r = await check_in(server, early_slot["code"])  # 09:00 slot: check-in closed at 09:15
    assert (r.status_code, r.json()["code"]) == (409, "checkin_too_late")
    assert r.json()["walk_in"] is True and r.json()["reservation"]["service"] == "pickup"

    r = await check_in(server, code, site="tsuyazaki")
    assert (r.status_code, r.json()["code"]) == (409, "reservation_wrong_site")
    for unknown in ("ABCDEF", codes.new_code(), "zz"):
        r = await check_in(server, unknown)
        assert (r.status_code, r.json()["code"]) in ((404, "reservation_not_found"), (400, "validation_error"))

    server.clock.set(at("2026-11-24T10:05"))
    kiosk = await server.device("kiosk", "city-hall")
    r = await kiosk.post(
        "/api/v1/sites/city-hall/checkins", json={"code": codes.spaced(code).replace(" ", "-").lower()}
    )
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert ticket["channel"] == "reservation" and ticket["number"].startswith("P") and ticket["token"]
    assert ticket["reservation"] == {"code": code, "start": "10:30", "end": "11:00"}
    assert {"position", "waiting_ahead", "estimated_wait_min", "status_url", "print_job"} <= set(ticket)

    r = await check_in(server, code)
    assert (r.status_code, r.json()["code"]) == (409, "already_checked_in")
    assert ticket["number"] in r.json()["detail"]
    after = (await admin.get(f"/api/v1/reservations/{code}")).json()
    assert after["status"] == "checked_in" and after["ticket_number"] == ticket["number"] and after["checked_in_at"]

    other = await booked(admin, "2026-11-24", "11:00")
    assert (await admin.delete(f"/api/v1/reservations/{other['code']}")).status_code == 200
    r = await check_in(server, other["code"])
    assert (r.status_code, r.json()["code"]) == (409, "reservation_cancelled")


async def test_checked_in_reservations_go_ahead_of_earlier_walk_ins_within_the_ratio(
    create_server: Callable[..., LiveServer],
) -> None:
    server = create_server(at=at("2026-11-24T09:00"))
    admin = await server.login("admin")
    reservations = [await booked(admin, "2026-11-24", "10:00") for _ in range(3)]
    server.clock.set(at("2026-11-24T09:35"))
    walk_ins = [(await issue(admin, "pickup"))["number"] for _ in range(3)]
    numbers = {}
    for r in reservations:
        checked = await check_in(server, r["code"])
        assert checked.status_code == 201, checked.text
        numbers[checked.json()["number"]] = r["code"]
    await open_counter(admin, "ch-booth-1", "pickup")

    async def call() -> str:
        r = await admin.post("/api/v1/counters/ch-booth-1/call-next")
        assert r.status_code == 200, r.text
        assert (await admin.post(f"/api/v1/tickets/{r.json()['id']}/no-show")).status_code == 200
        return str(r.json()["number"])

    assert await call() == walk_ins[0]  # 09:35: the 10:00 slot is not due yet (10 minutes early)
    server.clock.set(at("2026-11-24T10:00"))
    order = [await call() for _ in range(5)]
    resv_numbers = list(numbers)
    # slot started: reservations first, but after 2 in a row a waiting walk-in goes (ratio 2:1)
    assert order == [resv_numbers[0], resv_numbers[1], walk_ins[1], resv_numbers[2], walk_ins[2]]


# ---- release, cancel, move ----------------------------------------------------------------------


async def test_a_no_show_is_recorded_at_release_time(
    create_server: Callable[..., LiveServer], open_ws: Callable[..., Any]
) -> None:
    server = create_server(at=at("2026-11-24T09:00"))
    admin = await server.login("admin")
    resv = await booked(admin, "2026-11-24", "10:00")
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await ws.recv()  # snapshot
    server.clock.set(at("2026-11-24T10:19"))  # release after 20 minutes
    await server.call(jobs(server).release_due())
    assert (await admin.get(f"/api/v1/reservations/{resv['code']}")).json()["status"] == "booked"
    server.clock.set(at("2026-11-24T10:21"))
    await server.call(jobs(server).release_due())
    event = await ws.until(lambda m: m["type"] == "reservation.changed")
    assert event["reservation"] == {"date": "2026-11-24", "service": "pickup", "start": "10:00", "status": "no_show"}
    assert (await admin.get(f"/api/v1/reservations/{resv['code']}")).json()["status"] == "no_show"
    r = await check_in(server, resv["code"])
    assert (r.status_code, r.json()["code"]) == (409, "reservation_no_show")


async def test_move_is_atomic_and_cancel_frees_the_place(create_server: Callable[..., LiveServer]) -> None:
    server = create_server(at=at("2026-10-20T09:00"))
    phone = await server.login("phone", ("tsuyazaki",))
    kw = {"service": "application", "site": "tsuyazaki"}
    mine = await booked(phone, "2026-10-27", "10:00", **kw)
    full = await booked(phone, "2026-10-27", "11:00", **kw, name="ホカ ノヒト")
    r = await phone.patch(f"/api/v1/reservations/{mine['code']}", json={"start": "11:00"})
    assert (r.status_code, r.json()["code"]) == (409, "slot_full")
    assert (await phone.get(f"/api/v1/reservations/{mine['code']}")).json()["start"] == "10:00"
    moved = await phone.patch(f"/api/v1/reservations/{mine['code']}", json={"date": "2026-10-28", "start": "13:30"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["date"], moved.json()["start"], moved.json()["end"]) == ("2026-10-28", "13:30", "14:00")
    assert slot(await slots(phone, "2026-10-27", **kw), "10:00")["available"] == 1
    assert slot(await slots(phone, "2026-10-28", **kw), "13:30")["available"] == 0
    bad = await phone.patch(f"/api/v1/reservations/{mine['code']}", json={"start": "13:31"})
    assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")

    cancelled = await phone.delete(f"/api/v1/reservations/{full['code']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert slot(await slots(phone, "2026-10-27", **kw), "11:00")["available"] == 1
    again = await phone.delete(f"/api/v1/reservations/{full['code']}")
    assert (again.status_code, again.json()["code"]) == (409, "reservation_cancelled")
    r = await phone.patch(f"/api/v1/reservations/{full['code']}", json={"start": "12:00"})
    assert (r.status_code, r.json()["code"]) == (409, "reservation_cancelled")

    def found(rows: list[dict[str, Any]]) -> set[str]:
        return {row["code"] for row in rows}

    async def q(text: str, **params: str) -> set[str]:
        r = await phone.get("/api/v1/reservations", params={"site": "tsuyazaki", "q": text, **params})
        assert r.status_code == 200, r.text
        return found(r.json())

    assert await q(mine["code"][:3]) >= {mine["code"]}
    assert await q("ふくつ") == {mine["code"]}  # hiragana finds the katakana name
    assert await q("ﾎｶ") == {full["code"]}
    assert await q("1234") == {mine["code"], full["code"]}
    assert await q("5678", date="2026-10-28") == {mine["code"]}
    other = await server.login("phone", ("city-hall",))
    assert (await other.get(f"/api/v1/reservations/{mine['code']}")).status_code == 403
    assert (await other.delete(f"/api/v1/reservations/{mine['code']}")).status_code == 403


# ---- slips -----------------------------------------------------------------------------------------


async def test_confirmation_slip_png_and_print_job(server: LiveServer) -> None:
    phone = await server.login("phone", ("city-hall",))
    resv = await booked(phone, "2026-11-25", "09:30")
    r = await phone.get(f"/api/v1/reservations/{resv['code']}/slip", params={"format": "png"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG")
    job = await phone.post(f"/api/v1/reservations/{resv['code']}/slip", json={})
    assert job.status_code == 202, job.text
    assert job.json()["print_job"]["state"] == "queued" and job.json()["print_job"]["printer"] == "preview"
    r = await phone.post(f"/api/v1/reservations/{resv['code']}/slip", json={"printer": "nowhere"})
    assert (r.status_code, r.json()["code"]) == (400, "validation_error")


# ---- CSV -----------------------------------------------------------------------------------------


async def test_csv_round_trip_utf8_and_shift_jis(
    create_server: Callable[..., LiveServer], create_redis: Callable[[], Any]
) -> None:
    server = create_server(at=at("2026-11-20T09:00"))
    admin = await server.login("admin")
    made = [
        await booked(admin, "2026-11-25", "09:00"),
        await booked(admin, "2026-11-25", "09:00", service="application", name="ヤマダ ハナコ", phone="0940-11-2233"),
        await booked(admin, "2026-11-25", "14:30", name="スズキ イチロウ"),
    ]
    assert (await admin.delete(f"/api/v1/reservations/{made[2]['code']}")).status_code == 200
    params = {"site": "city-hall", "date": "2026-11-25"}
    utf8 = await admin.get("/api/v1/reservations/export", params=params)
    assert utf8.status_code == 200 and utf8.content.startswith(b"\xef\xbb\xbf")
    text = utf8.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(csvio.HEADER_JA)
    assert len(text.splitlines()) == 4 and "cancelled" in text and "ヤマダ ハナコ" in text
    sjis = await admin.get("/api/v1/reservations/export", params={**params, "encoding": "shift_jis"})
    assert sjis.content.decode("cp932") == text

    for data in (utf8.content, utf8.content[3:], sjis.content):
        fresh = create_server(at=at("2026-11-20T09:00"), url=create_redis().url)
        other = await fresh.login("admin")
        r = await other.post("/api/v1/reservations/import", params={"site": "city-hall"}, content=data,
                             headers={"content-type": "text/csv"})  # fmt: skip
        assert r.status_code == 200, r.text
        assert r.json() == {"imported": 3}
        again = await other.get("/api/v1/reservations/export", params=params)
        assert again.content == utf8.content
        assert slot(await slots(other, "2026-11-25"), "09:00")["booked"] == 1
        assert slot(await slots(other, "2026-11-25"), "14:30")["booked"] == 0  # the cancelled one


async def test_a_bad_csv_imports_nothing_and_names_each_bad_row(create_server: Callable[..., LiveServer]) -> None:
    server = create_server(at=at("2026-10-20T09:00"))
    admin = await server.login("admin")
    header = ",".join(csvio.COLUMNS)
    good = ",2026-10-27,10:00,,application,ヤマダ タロウ,090-1111-2222,booked"
    rows = [
        header,
        good,
        ",2026-10-27,10:10,,application,ヤマダ タロウ,090-1111-2222,booked",  # 3: not a slot start
        ",2026-10-27,10:30,,application,山田,090-1111-2222,booked",  # 4: not kana
        ",2026-10-27,10:30,,e-cert,ヤマダ タロウ,090-1111-2222,booked",  # 5: takes no reservations
        ",2026-10-31,10:30,,application,ヤマダ タロウ,090-1111-2222,booked",  # 6: a Saturday
        "XXXXXX,2026-10-27,11:00,,application,ヤマダ タロウ,12,maybe",  # 7: code, phone, status
    ]
    r = await admin.post("/api/v1/reservations/import", params={"site": "tsuyazaki"},
                         content="\r\n".join(rows).encode(), headers={"content-type": "text/csv"})  # fmt: skip
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "csv_invalid" and "nothing was imported" in body["detail"]
    problems = {(e["row"], e["column"]) for e in body["errors"]}
    assert problems == {(3, "start"), (4, "name"), (5, "service"), (6, "date"), (7, "code"), (7, "phone"),
                        (7, "status")}  # fmt: skip
    # rows that are each fine but overfill a slot (Tsuyazaki in October: 1 place) are refused atomically
    code = codes.new_code()
    twice = "\r\n".join([header, f"{code},2026-10-27,10:00,10:30,application,ヤマダ タロウ,090-1111-2222,", good])
    r = await admin.post("/api/v1/reservations/import", params={"site": "tsuyazaki"}, content=twice.encode())
    assert r.status_code == 422 and r.json()["errors"] == [
        {"row": 3, "column": "start", "message": "the slot 2026-10-27 10:00 has no place left (1 places)"}
    ]
    params = {"site": "tsuyazaki", "date": "2026-10-27"}
    assert (await admin.get("/api/v1/reservations", params=params)).json() == []
    assert (await admin.get(f"/api/v1/reservations/{code}")).status_code == 404
    empty = await admin.post("/api/v1/reservations/import", params={"site": "tsuyazaki"}, content=b"")
    assert (empty.status_code, empty.json()["code"]) == (422, "csv_invalid")
    # the code was not kept by the refused import: the fixed file goes in with it
    fixed = "\r\n".join([header, f"{code},2026-10-27,10:00,10:30,application,ヤマダ タロウ,090-1111-2222,"])
    r = await admin.post("/api/v1/reservations/import", params={"site": "tsuyazaki"}, content=fixed.encode())
    assert r.status_code == 200 and r.json() == {"imported": 1}
    assert (await admin.get(f"/api/v1/reservations/{code}")).json()["status"] == "booked"


async def test_an_import_adds_nothing_to_a_closed_day(create_server: Callable[..., LiveServer]) -> None:
    """A day close made the date's archive and reports final: a CSV row for that date is refused (naming the row)
    and nothing of the file goes in; the same rows without it import."""
    server = create_server(at=at("2026-11-24T17:30"))
    admin = await server.login("admin")
    closed = await admin.post("/api/v1/sites/city-hall/day-close")
    assert closed.status_code == 200, closed.text
    server.clock.set(at("2026-11-25T09:00"))
    admin = await server.login("admin")
    header = ",".join(csvio.COLUMNS)
    later = ",2026-11-26,10:00,,pickup,ヤマダ タロウ,090-1111-2222,booked"
    rows = [header, ",2026-11-24,10:00,,pickup,ヤマダ タロウ,090-1111-2222,checked_in", later]
    r = await admin.post("/api/v1/reservations/import", params={"site": "city-hall"},
                         content="\r\n".join(rows).encode(), headers={"content-type": "text/csv"})  # fmt: skip
    assert r.status_code == 422, r.text
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2, "date")]
    assert "closed" in r.json()["errors"][0]["message"]
    for day in ("2026-11-24", "2026-11-26"):
        assert (await admin.get("/api/v1/reservations", params={"site": "city-hall", "date": day})).json() == []
    r = await admin.post("/api/v1/reservations/import", params={"site": "city-hall"},
                         content="\r\n".join([header, later]).encode())  # fmt: skip
    assert r.status_code == 200 and r.json() == {"imported": 1}


async def test_a_day_closed_before_its_last_slot_takes_no_booking_or_move(
    create_server: Callable[..., LiveServer],
) -> None:
    """A manager closed today by hand at noon: its archive and reports are final, so a phone booking for one of
    its afternoon slots, or a reservation moved there, is refused (409 day_closed) and nothing changes."""
    server = create_server(at=at("2026-11-24T12:00"))
    admin = await server.login("admin")
    mine = await booked(admin, "2026-11-26", "10:00")
    afternoon = next(s["start"] for s in await slots(admin, "2026-11-24") if s["start"] >= "14:00")
    closed = await admin.post("/api/v1/sites/city-hall/day-close")
    assert closed.status_code == 200, closed.text
    before = await slots(admin, "2026-11-24")
    r = await book(admin, "2026-11-24", afternoon)
    assert r.status_code == 409 and r.json()["code"] == "day_closed", r.text
    r = await admin.patch(f"/api/v1/reservations/{mine['code']}", json={"date": "2026-11-24", "start": afternoon})
    assert r.status_code == 409 and r.json()["code"] == "day_closed", r.text
    assert (await admin.get("/api/v1/reservations", params={"site": "city-hall", "date": "2026-11-24"})).json() == []
    assert await slots(admin, "2026-11-24") == before
    kept = (await admin.get(f"/api/v1/reservations/{mine['code']}")).json()
    assert (kept["date"], kept["start"], kept["status"]) == ("2026-11-26", "10:00", "booked")
    assert (await book(admin, "2026-11-26", "10:30")).status_code == 201  # other dates take bookings as before


# ---- personal data ------------------------------------------------------------------------------


async def test_purge_removes_name_and_phone_keeps_counts_and_is_audited(
    create_server: Callable[..., LiveServer],
) -> None:
    server = create_server(at=at("2026-11-20T09:00"))
    admin = await server.login("admin")
    resv = await booked(admin, "2026-11-24", "10:00")
    await booked(admin, "2026-11-24", "10:30", name="ニバン メ")
    server.clock.set(at("2026-12-24T23:59"))  # 30 days after the date: still kept
    admin = await server.login("admin")  # a month later: a new session
    await server.call(jobs(server).purge_due())
    assert (await admin.get(f"/api/v1/reservations/{resv['code']}")).json()["name"] == NAME
    server.clock.set(at("2026-12-25T00:01"))
    admin = await server.login("admin")
    await server.call(jobs(server).purge_due())
    after = (await admin.get(f"/api/v1/reservations/{resv['code']}")).json()
    assert (after["name"], after["phone"], after["purged"]) == ("", "", True)
    assert (after["date"], after["start"], after["service"]) == ("2026-11-24", "10:00", "pickup")
    listed = (await admin.get("/api/v1/reservations", params={"site": "city-hall", "date": "2026-11-24"})).json()
    assert len(listed) == 2 and all(r["name"] == "" and r["phone"] == "" for r in listed)
    audit = (await admin.get("/api/v1/audit", params={"date": "2026-12-25"})).json()
    purges = [e for e in audit if e["action"] == "reservation.purge"]
    assert purges == [{"at": purges[0]["at"], "action": "reservation.purge", "login": "system", "role": "",
                       "site": "city-hall", "address": "",
                       "detail": "2 reservations: names and phone numbers deleted"}]  # fmt: skip


async def test_personal_data_never_reaches_a_websocket(
    create_server: Callable[..., LiveServer], open_ws: Callable[..., Any]
) -> None:
    server = create_server(at=at("2026-11-24T09:40"))
    admin = await server.login("admin")
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()
    cookie = "; ".join(f"{k}={v}" for k, v in admin.cookies.items())
    staff = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall", additional_headers={"Cookie": cookie,
                          "Origin": server.base_url})  # fmt: skip
    await staff.recv()
    resv = await booked(admin, "2026-11-24", "10:30", name="ヒミツ ノナマエ", phone="080-9999-8888")
    moved = await admin.patch(f"/api/v1/reservations/{resv['code']}", json={"start": "10:00"})
    assert moved.status_code == 200
    assert (await check_in(server, resv["code"])).status_code == 201
    frames = {"board": [], "staff": []}
    for name, sock in (("board", board), ("staff", staff)):
        for _ in range(4):  # changed, changed, ticket.issued, changed
            frames[name].append(json.dumps(await sock.recv(), ensure_ascii=False))
    everything = "".join(frames["board"] + frames["staff"])
    for secret in ("ヒミツ", "ノナマエ", "9999", "8888"):
        assert secret not in everything
    assert resv["code"] not in "".join(frames["board"])  # the code checks the visitor in: staff only
    assert resv["code"] in "".join(frames["staff"])
    assert [json.loads(f)["type"] for f in frames["board"]] == [
        "reservation.changed", "reservation.changed", "ticket.issued", "reservation.changed",
    ]  # fmt: skip


async def test_reservation_jobs_run_in_the_server(
    create_server: Callable[..., LiveServer], open_ws: Callable[..., Any]
) -> None:
    """The server's own loop purges and releases at start: a reservation long past is purged and a no-show."""
    server = create_server(at=at("2026-11-20T09:00"))
    admin = await server.login("admin")
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    seq = (await ws.recv())["seq"]
    resv = await booked(admin, "2026-11-20", "10:00")
    await ws.close()
    server.stop()
    later = create_server(at=at("2027-01-05T09:00"))
    replay = await open_ws(f"{later.ws_url}/ws/v1/sites/city-hall?since={seq}")
    released = await replay.until(lambda m: m.get("reservation", {}).get("status") == "no_show")
    assert released["type"] == "reservation.changed"
    got = (await (await later.login("admin")).get(f"/api/v1/reservations/{resv['code']}")).json()
    assert (got["status"], got["name"], got["purged"]) == ("no_show", "", True)


async def test_cli_purges_by_the_real_clock(create_server: Callable[..., LiveServer], redis_url: str) -> None:
    """`madoguchi reservations purge` does the server's daily purge now (its clock is the real one)."""
    server = create_server(at=at("2025-06-02T09:00"))
    admin = await server.login("admin")
    resv = await booked(admin, "2025-06-03", "10:00")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")} | {"MADOGUCHI_REDIS_URL": redis_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "reservations", "purge", "--json", env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0 and json.loads(out) == {"purged": 1}
    got = (await admin.get(f"/api/v1/reservations/{resv['code']}")).json()
    assert (got["name"], got["phone"], got["purged"]) == ("", "", True)


async def test_a_resent_booking_books_once(create_server: Callable[..., LiveServer]) -> None:
    server = create_server(at=at("2026-10-20T09:00"))
    phone = await server.login("phone", ("tsuyazaki",))
    body = {"site": "tsuyazaki", "service": "application", "date": "2026-10-27", "start": "10:00",
            "name": NAME, "phone": PHONE, "idempotency_key": "form-1"}  # fmt: skip
    first = await phone.post("/api/v1/reservations", json=body)
    again = await phone.post("/api/v1/reservations", json=body)  # the answer to the first was lost
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    found = await slots(phone, "2026-10-27", "application", "tsuyazaki")
    assert slot(found, "10:00")["booked"] == 1
    other = await phone.post("/api/v1/reservations", json={**body, "idempotency_key": "form-2"})
    assert (other.status_code, other.json()["code"]) == (409, "slot_full")  # a new form is a new booking


async def test_the_export_shows_cells_that_look_like_formulas_as_text(
    create_server: Callable[..., LiveServer], redis_url: str
) -> None:
    server = create_server(at=at("2026-11-20T09:00"))
    admin = await server.login("admin")
    plain = await booked(admin, "2026-11-25", "09:00")
    odd = {"=1+1": await booked(admin, "2026-11-25", "10:00"), "@SUM(A1)": await booked(admin, "2026-11-25", "10:30")}
    # names that reached the store past the form's kana check (an older version, a hand edit)
    store = aredis.Redis.from_url(redis_url)
    for name, resv in odd.items():
        await store.hset(SiteKeys("city-hall").resv(resv["code"]), "name", name)
    await store.aclose()
    params = {"site": "city-hall", "date": "2026-11-25"}
    for encoding, text_of in (("utf-8", "utf-8-sig"), ("shift_jis", "cp932")):
        r = await admin.get("/api/v1/reservations/export", params={**params, "encoding": encoding})
        assert r.status_code == 200
        assert r.headers["content-type"] == f"text/csv; charset={encoding}"  # one character set, not two
        rows = list(csv.reader(io.StringIO(r.content.decode(text_of))))
        names = {row[0]: row[5] for row in rows[1:]}
        assert names == {plain["code"]: NAME, odd["=1+1"]["code"]: "'=1+1", odd["@SUM(A1)"]["code"]: "'@SUM(A1)"}
        assert {row[6] for row in rows[1:]} == {PHONE}  # 090-1234-5678 begins with a digit: left as it is
