"""Calendar overrides: admins add, change and remove openings and closures; they win over the config file, are
audited, reach every server process without a restart, and bad input changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import redis as redis_sync

from server.queue.keys import SiteKeys
from tests.conftest import issue

NEXT_TUESDAY = "2026-12-01"  # the servers start on Tuesday 2026-11-24 (tests/conftest.py WEEKDAY_MORNING)
NEXT_TUESDAY_MORNING = datetime.fromisoformat(f"{NEXT_TUESDAY}T10:30:00+09:00")
HOSPITAL = "outreach-hospital"
VENUE = "福津中央病院"
EVENT = {
    "kind": "outreach", "site": HOSPITAL, "date": NEXT_TUESDAY, "opens_at": "10:00", "closes_at": "15:00",
    "last_ticket_at": "14:30", "venue": VENUE, "address": "福津市中央3丁目1番1号", "note": "1階ロビー",
}  # fmt: skip


async def day_of(client: Any, site: str, day: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/calendar?site={site}&from={day}&to={day}")
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()[0]
    return found


async def add(admin: Any, body: dict[str, Any]) -> dict[str, Any]:
    r = await admin.post("/api/v1/calendar/overrides", json=body)
    assert r.status_code == 201, r.text
    added: dict[str, Any] = r.json()
    return added


async def test_an_outreach_event_with_its_venue_opens_the_kiosk_on_its_day(server: Any, redis_url: str) -> None:
    admin = await server.login("admin")
    before = await day_of(admin, HOSPITAL, NEXT_TUESDAY)
    assert (before["kind"], before["reason"], before["override"]) == ("closed", "no_event", None)

    added = await add(admin, EVENT)
    assert added["id"].startswith(f"{HOSPITAL}.") and added["dates"] == [NEXT_TUESDAY]
    assert added["created_by"] == added["updated_by"] != ""

    day = await day_of(server.http(), HOSPITAL, NEXT_TUESDAY)
    assert day["kind"] == "outreach" and day["override"] == added["id"]
    assert (day["opens_at"], day["closes_at"], day["last_ticket_at"]) == ("10:00", "15:00", "14:30")
    assert (day["venue"], day["address"], day["note"]) == (VENUE, "福津市中央3丁目1番1号", "1階ロビー")
    assert day["services"] == ["outreach-application"] and day["counters"] == ["hospital-desk-1", "hospital-desk-2"]
    listed = (await admin.get("/api/v1/calendar/overrides")).json()
    assert [o["id"] for o in listed] == [added["id"]]

    server.clock.set(NEXT_TUESDAY_MORNING)
    kiosk = await server.device("kiosk", HOSPITAL)
    state = (await kiosk.get(f"/api/v1/sites/{HOSPITAL}/state")).json()
    assert state["open"] is True and state["today"]["venue"] == VENUE
    ticket = await issue(kiosk, "outreach-application", HOSPITAL, print=True)
    assert ticket["number"] == "S001" and ticket["business_date"] == NEXT_TUESDAY
    status = (await server.http().get(f"/api/v1/tickets/by-token/{ticket['token']}")).json()
    assert status["venue"] == VENUE, "the visitor's page names the venue"

    store = redis_sync.Redis.from_url(redis_url, decode_responses=True)
    printed = json.loads(store.hget(SiteKeys(HOSPITAL).print_job(ticket["print_job"]["id"]), "data") or "{}")
    store.close()
    assert printed["site_name"] == f"出張申請会場：{VENUE}", "the ticket is printed with the venue"

    admin = await server.login("admin")  # the session of a week ago has expired on the moved clock
    report = (await admin.get(f"/api/v1/reports/daily?site=all&date={NEXT_TUESDAY}")).json()
    rows = {row["site"]: row for row in report["by_site"]}
    assert rows[HOSPITAL]["name"] == f"出張申請会場：{VENUE}" and rows[HOSPITAL]["issued"] == 1
    alone = (await admin.get(f"/api/v1/reports/daily?site={HOSPITAL}&date={NEXT_TUESDAY}")).json()
    assert alone["site_name"] == f"出張申請会場：{VENUE}"


async def test_a_second_server_sees_a_change_without_a_restart(create_server: Any, open_ws: Any) -> None:
    first = create_server()
    second = create_server()
    kiosk_socket = await open_ws(f"{second.ws_url}/ws/v1/sites/{HOSPITAL}")
    assert (await kiosk_socket.recv())["type"] == "snapshot"
    admin = await first.login("admin")

    added = await add(admin, EVENT)
    event = await kiosk_socket.until(lambda e: e["type"] == "calendar.changed")
    assert event["op"] == "add"
    assert event["override"] == {"id": added["id"], "kind": "outreach", "dates": [NEXT_TUESDAY]}
    assert (await day_of(second.http(), HOSPITAL, NEXT_TUESDAY))["venue"] == VENUE

    second.clock.set(NEXT_TUESDAY_MORNING)
    kiosk = await second.device("kiosk", HOSPITAL)
    assert (await kiosk.get(f"/api/v1/sites/{HOSPITAL}/state")).json()["today"]["venue"] == VENUE
    await issue(kiosk, "outreach-application", HOSPITAL)

    later = create_server()  # a process started after the change loads it at start
    assert (await day_of(later.http(), HOSPITAL, NEXT_TUESDAY))["override"] == added["id"]

    changed = await admin.patch(f"/api/v1/calendar/overrides/{added['id']}", json={"venue": "福間記念病院"})
    assert changed.status_code == 200, changed.text
    assert (await kiosk_socket.until(lambda e: e["type"] == "calendar.changed"))["op"] == "change"
    assert (await day_of(second.http(), HOSPITAL, NEXT_TUESDAY))["venue"] == "福間記念病院"

    gone = await admin.delete(f"/api/v1/calendar/overrides/{added['id']}")
    assert gone.status_code == 200 and gone.json()["venue"] == "福間記念病院"
    assert (await kiosk_socket.until(lambda e: e["type"] == "calendar.changed"))["op"] == "remove"
    assert (await day_of(second.http(), HOSPITAL, NEXT_TUESDAY))["reason"] == "no_event"


async def test_a_closure_closes_a_weekday_and_removing_it_reopens(server: Any, open_ws: Any) -> None:
    admin = await server.login("admin")
    kiosk = await server.device("kiosk", "city-hall")
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    assert (await board.recv())["state"]["open"] is True
    await issue(kiosk, "pickup")

    typhoon = {"kind": "closure", "site": "city-hall", "date": "2026-11-24", "note": "台風接近のため臨時閉庁"}
    closure = await add(admin, typhoon)
    assert (await board.until(lambda e: e["type"] == "calendar.changed"))["override"]["kind"] == "closure"
    refused = await kiosk.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
    assert refused.status_code == 409 and refused.json()["code"] == "site_closed"
    state = (await kiosk.get("/api/v1/sites/city-hall/state")).json()
    assert state["open"] is False and state["today"]["kind"] == "closed"
    day = await day_of(kiosk, "city-hall", "2026-11-24")
    assert (day["reason"], day["note"], day["override"]) == ("closure", "台風接近のため臨時閉庁", closure["id"])
    assert (await day_of(kiosk, "tsuyazaki", "2026-11-24"))["kind"] == "weekday", "only the named site closes"

    gone = await admin.delete(f"/api/v1/calendar/overrides/{closure['id']}")
    assert gone.status_code == 200, gone.text
    assert (await issue(kiosk, "pickup"))["number"] == "P002"
    assert (await day_of(kiosk, "city-hall", "2026-11-24"))["override"] is None

    audit = [e for e in (await admin.get("/api/v1/audit?site=city-hall")).json() if e["action"].startswith("calendar.")]
    assert [(e["action"], e["site"]) for e in audit] == [
        ("calendar.add", "city-hall"),
        ("calendar.remove", "city-hall"),
    ]
    assert audit[0]["detail"] == "closure 2026-11-24" and audit[0]["login"].startswith("admin")


async def test_an_extra_saturday_and_a_sunday_opening_replace_the_config_day(server: Any) -> None:
    admin = await server.login("admin")
    saturday = {"kind": "extra", "site": "city-hall", "date": "2026-11-28", "opens_at": "09:00", "closes_at": "12:00",
                "services": ["pickup"], "counters": ["ch-booth-1", "ch-booth-2"], "note": "臨時土曜開庁"}  # fmt: skip
    extra = await add(admin, saturday)
    day = await day_of(admin, "city-hall", "2026-11-28")
    assert (day["kind"], day["last_ticket_at"], day["counters"]) == ("extra", "11:30", ["ch-booth-1", "ch-booth-2"])

    server.clock.set(datetime.fromisoformat("2026-11-28T09:30:00+09:00"))
    kiosk = await server.device("kiosk", "city-hall")
    assert (await issue(kiosk, "pickup"))["business_date"] == "2026-11-28"
    other = await kiosk.post("/api/v1/sites/city-hall/tickets", json={"service": "e-cert"})
    assert other.status_code == 409 and other.json()["code"] == "service_unavailable"
    admin = await server.login("admin")  # the session of days ago has expired on the moved clock

    # the config's Sunday opening of 2026-12-13 (pickup, e-cert) becomes a shorter one with pickup only
    sunday = {"kind": "sunday", "site": "city-hall", "date": "2026-12-13", "opens_at": "10:00", "closes_at": "12:00",
              "services": ["pickup"]}  # fmt: skip
    assert (await day_of(admin, "city-hall", "2026-12-13"))["services"] == ["pickup", "e-cert"]
    await add(admin, sunday)
    day = await day_of(admin, "city-hall", "2026-12-13")
    assert (day["kind"], day["opens_at"], day["services"]) == ("sunday", "10:00", ["pickup"])
    changed = await admin.patch(f"/api/v1/calendar/overrides/{extra['id']}", json={"closes_at": "13:00"})
    assert changed.status_code == 200 and changed.json()["closes_at"] == "13:00"
    assert (await day_of(admin, "city-hall", "2026-11-28"))["last_ticket_at"] == "12:30"


async def test_an_admin_limited_to_a_site_works_on_its_own_overrides_only(server: Any) -> None:
    admin = await server.login("admin")
    local = await server.login("admin", ("tsuyazaki",))
    mine = await add(local, {"kind": "closure", "site": "tsuyazaki", "date": "2026-12-02"})
    theirs = await add(admin, {"kind": "closure", "site": "city-hall", "date": "2026-12-02"})

    assert [o["id"] for o in (await local.get("/api/v1/calendar/overrides")).json()] == [mine["id"]]
    assert {o["id"] for o in (await admin.get("/api/v1/calendar/overrides")).json()} == {mine["id"], theirs["id"]}
    for r in (
        await local.get("/api/v1/calendar/overrides?site=city-hall"),
        await local.post(
            "/api/v1/calendar/overrides", json={"kind": "closure", "site": "city-hall", "date": "2026-12-03"}
        ),
        await local.patch(f"/api/v1/calendar/overrides/{theirs['id']}", json={"note": "x"}),
        await local.delete(f"/api/v1/calendar/overrides/{theirs['id']}"),
    ):
        assert r.status_code == 403 and r.json()["code"] == "forbidden", r.text
    assert (await day_of(admin, "city-hall", "2026-12-02"))["override"] == theirs["id"]


SUNDAY = {"kind": "sunday", "site": "city-hall", "date": "2026-12-13", "opens_at": "09:00", "closes_at": "12:00",
          "services": ["pickup"]}  # fmt: skip
EXTRA = {**SUNDAY, "kind": "extra", "date": "2026-11-28"}
CLOSURE = {"kind": "closure", "site": "city-hall", "date": "2026-11-30"}
BAD_BODIES = [
    ({**EVENT, "closes_at": "09:00"}, "closes_at: closes at 09:00 but opens at 10:00"),
    ({**EVENT, "last_ticket_at": "16:00"}, "last_ticket_at: 16:00 is outside the hours 10:00-15:00"),
    ({**EVENT, "opens_at": "9:00"}, "opens_at: '9:00' is not a time in HH:MM form"),
    ({**EVENT, "services": ["pickup"]}, "services[0]: 'pickup' is not offered at outreach-hospital"),
    ({**EVENT, "services": ["no-such"]}, "services[0]: unknown service 'no-such'"),
    ({**EVENT, "counters": ["mall-desk-1"]}, "counters[0]: unknown counter of this site 'mall-desk-1'"),
    ({**EVENT, "venue": "  "}, "venue: an outreach event needs the venue's name"),
    ({**EVENT, "venue": "病院\n2階"}, "venue: one line of text"),
    ({**EVENT, "venue": "あ" * 61}, "venue: at most 60 characters"),
    ({**EVENT, "date": "2026-11-23"}, "date: 2026-11-23 is in the past"),
    ({**EVENT, "date": "2029-01-01"}, "date: more than 731 days ahead"),
    ({**EVENT, "site": "city-hall"}, "site: site 'city-hall' is an office site, not an outreach site"),
    ({**EVENT, "days": 0}, "Expected `int` >= 1"),
    ({**EVENT, "colour": "red"}, "unknown field `colour`"),
    ({**EVENT, "kind": "holiday"}, "Invalid enum value 'holiday'"),
    ({**SUNDAY, "date": "2026-12-01"}, "date: 2026-12-01 is a Tuesday, not a Sunday"),
    ({**EXTRA, "services": []}, "services: an extra opening needs at least one service"),
    ({**EXTRA, "days": 2}, "days: an extra override is one day"),
    ({**CLOSURE, "opens_at": "09:00"}, "opens_at: a closure override has no opens_at"),
    ({**CLOSURE, "note": "x" * 201}, "note: at most 200 characters"),
]


@pytest.mark.parametrize(("body", "says"), BAD_BODIES)
async def test_bad_overrides_are_refused_and_change_nothing(
    server: Any, open_ws: Any, body: dict[str, Any], says: str
) -> None:
    admin = await server.login("admin")
    seq = (await admin.get(f"/api/v1/sites/{body['site']}/state")).json()["seq"]
    r = await admin.post("/api/v1/calendar/overrides", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "validation_error" and says in r.json()["detail"], r.json()
    assert (await admin.get("/api/v1/calendar/overrides")).json() == []
    assert (await admin.get(f"/api/v1/sites/{body['site']}/state")).json()["seq"] == seq, "no event"
    assert [e for e in (await admin.get("/api/v1/audit")).json() if e["action"].startswith("calendar.")] == []


async def test_a_second_override_on_a_date_and_bad_changes_are_refused(server: Any) -> None:
    admin = await server.login("admin")
    event = await add(admin, {**EVENT, "days": 2})
    overlap = await admin.post(
        "/api/v1/calendar/overrides", json={"kind": "closure", "site": HOSPITAL, "date": "2026-12-02"}
    )
    assert overlap.status_code == 409 and overlap.json()["code"] == "override_conflict", overlap.text
    assert "2026-12-02" in overlap.json()["detail"]
    elsewhere = await add(admin, {"kind": "closure", "site": "tsuyazaki", "date": "2026-12-02"})

    url = f"/api/v1/calendar/overrides/{event['id']}"
    for body, status, says in (
        ({"closes_at": "09:00"}, 400, "closes_at: closes at 09:00 but opens at 10:00"),
        ({"kind": "closure"}, 400, "unknown field `kind`"),
        ({"site": "outreach-mall"}, 400, "unknown field `site`"),
        ({"services": ["e-cert"]}, 400, "services[0]: 'e-cert' is not offered at outreach-hospital"),
        ({"date": "2026-11-01"}, 400, "date: 2026-11-01 is in the past"),
    ):
        r = await admin.patch(url, json=body)
        assert r.status_code == status and says in r.json()["detail"], (body, r.text)
    assert (await admin.get(f"/api/v1/calendar/overrides?site={HOSPITAL}")).json() == [event]

    for method, path in (("PATCH", "city-hall.00000000"), ("DELETE", "nowhere.1234"), ("DELETE", "no-dot")):
        r = await admin.request(method, f"/api/v1/calendar/overrides/{path}", json={} if method == "PATCH" else None)
        assert r.status_code == 404 and r.json()["code"] == "not_found", r.text
    unknown = await admin.post("/api/v1/calendar/overrides", json={**EVENT, "site": "fukuoka"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_site"
    assert [o["id"] for o in (await admin.get("/api/v1/calendar/overrides")).json()] == [event["id"], elsewhere["id"]]

    # a day that has passed keeps its override: those days were run and reported with it
    server.clock.set(datetime.fromisoformat("2026-12-03T09:00:00+09:00"))
    past = await (await server.login("admin")).delete(url)
    assert past.status_code == 400 and "past days are not changed" in past.json()["detail"]
