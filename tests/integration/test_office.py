"""Tallies (電話問い合わせ・案内のみ) and incident reports through real HTTP, websockets and Redis.

What a guide, a phone operator and a manager would notice: a click counts once and every console of the site
sees it at once, an undo never takes a count below zero, each site keeps its own counts and reports, every
change is in the audit log, and bad input is refused with a 4xx that changes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from server.office.store import OfficeStore

SITE = "city-hall"
TALLIES = f"/api/v1/sites/{SITE}/tallies"
TOPICS = ["reservation", "documents", "hours-place", "how-to-apply", "pickup", "e-cert", "other"]


async def _staff_socket(server: Any, open_ws: Any, client: httpx.AsyncClient, site: str = SITE) -> Any:
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/{site}", additional_headers={"Cookie": cookie})
    assert (await ws.recv())["type"] == "snapshot"
    return ws


async def _tally(client: httpx.AsyncClient, kind: str, topic: str, delta: int = 1, site: str = SITE, **kw: Any) -> Any:
    return await client.post(f"/api/v1/sites/{site}/tallies", json={"kind": kind, "topic": topic, "delta": delta}, **kw)


async def _counts(client: httpx.AsyncClient, site: str = SITE, **params: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/sites/{site}/tallies", params=params)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def _office(server: Any) -> OfficeStore:
    office: OfficeStore = server._server.config.app.state.office
    return office


async def _audit(client: httpx.AsyncClient, prefix: str) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/audit")
    assert r.status_code == 200, r.text
    return [e for e in r.json() if e["action"].startswith(prefix)]


# ---- tallies -----------------------------------------------------------------------------------------


async def test_a_click_counts_and_every_console_of_the_site_sees_it(server: Any, open_ws: Any) -> None:
    guide = await server.login("guide", (SITE,))
    phone = await server.login("phone", (SITE,))
    other_console = await _staff_socket(server, open_ws, await server.login("guide", (SITE,)))

    fresh = await _counts(guide)
    assert fresh["date"] == "2026-11-24"
    assert [t["id"] for t in fresh["topics"]] == TOPICS
    assert fresh["topics"][1] == {"id": "documents", "name": "必要書類", "name_en": "Required documents"}
    assert fresh["counts"] == {"phone": dict.fromkeys(TOPICS, 0), "guide": dict.fromkeys(TOPICS, 0)}

    r = await _tally(guide, "guide", "documents")
    assert r.status_code == 200, r.text
    assert (r.json()["kind"], r.json()["topic"], r.json()["count"]) == ("guide", "documents", 1)
    event = await other_console.until(lambda e: e["type"] == "tally.changed")
    assert (event["date"], event["kind"], event["topic"], event["delta"]) == ("2026-11-24", "guide", "documents", 1)
    assert event["counts"] == {"guide": {"documents": 1}}

    for _ in range(2):
        assert (await _tally(phone, "phone", "reservation")).status_code == 200
    event = await other_console.until(lambda e: e["type"] == "tally.changed" and e["kind"] == "phone")
    event = await other_console.until(lambda e: e["type"] == "tally.changed" and e["kind"] == "phone")
    assert event["counts"] == {"guide": {"documents": 1}, "phone": {"reservation": 2}}

    now = await _counts(phone)
    assert now["counts"]["guide"]["documents"] == 1
    assert now["counts"]["phone"]["reservation"] == 2
    assert now["totals"] == {"phone": 2, "guide": 1}
    assert await server.call(_office(server).tallies(SITE, "2026-11-24")) == now["counts"]


async def test_undo_takes_back_one_and_never_goes_below_zero(server: Any) -> None:
    guide = await server.login("guide", (SITE,))
    assert (await _tally(guide, "guide", "pickup")).json()["count"] == 1
    undone = await _tally(guide, "guide", "pickup", -1)
    assert undone.status_code == 200 and undone.json()["count"] == 0

    again = await _tally(guide, "guide", "pickup", -1)
    assert again.status_code == 409
    assert again.json()["code"] == "nothing_to_undo"
    never = await _tally(guide, "guide", "e-cert", -1)
    assert never.status_code == 409 and never.json()["code"] == "nothing_to_undo"
    assert (await _counts(guide))["counts"]["guide"]["pickup"] == 0
    assert (await _counts(guide))["counts"]["guide"]["e-cert"] == 0

    audit = await _audit(await server.login("manager"), "tally.")
    assert [(e["action"], e["detail"], e["site"]) for e in audit] == [
        ("tally.add", "guide:pickup +1", SITE),
        ("tally.undo", "guide:pickup -1", SITE),
    ], "refused undos leave no trace; each change one entry, atomically with it"
    assert all(e["login"].startswith("guide-") and e["role"] == "guide" for e in audit)


async def test_a_retried_click_counts_once(server: Any) -> None:
    guide = await server.login("guide", (SITE,))
    key = {"idempotency-key": "tally-click-0001"}
    first, second = await asyncio.gather(
        _tally(guide, "guide", "other", headers=key), _tally(guide, "guide", "other", headers=key)
    )
    assert first.status_code == second.status_code == 200
    assert (await _counts(guide))["counts"]["guide"]["other"] == 1
    reused = await _tally(guide, "phone", "other", headers=key)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    assert (await _counts(guide))["counts"]["phone"]["other"] == 0


async def test_each_site_and_each_day_keeps_its_own_counts(server: Any) -> None:
    everywhere = await server.login("phone")
    await _tally(everywhere, "phone", "documents")
    await _tally(everywhere, "phone", "documents", site="tsuyazaki")
    await _tally(everywhere, "phone", "documents", site="tsuyazaki")
    assert (await _counts(everywhere))["counts"]["phone"]["documents"] == 1
    assert (await _counts(everywhere, "tsuyazaki"))["counts"]["phone"]["documents"] == 2

    server.clock.advance(timedelta(days=1))
    everywhere = await server.login("phone")  # a staff session ends with its working day
    tomorrow = await _counts(everywhere)
    assert tomorrow["date"] == "2026-11-25" and tomorrow["totals"] == {"phone": 0, "guide": 0}
    undo = await _tally(everywhere, "phone", "documents", -1)
    assert undo.status_code == 409, "yesterday's click cannot be taken back from today's count"
    assert (await _counts(everywhere, date="2026-11-24"))["counts"]["phone"]["documents"] == 1
    office = _office(server)
    days = await server.call(office.tally_days(SITE, date(2026, 11, 1), date(2026, 11, 30)))
    assert days == ["2026-11-24"]


async def test_only_the_site_staff_who_count_may_count(server: Any) -> None:
    tsuyazaki_guide = await server.login("guide", ("tsuyazaki",))
    operator = await server.login("operator", (SITE,))
    kiosk = await server.device("kiosk", SITE)
    assert (await _tally(tsuyazaki_guide, "guide", "other")).status_code == 403
    assert (await _tally(operator, "guide", "other")).status_code == 403
    assert (await _tally(kiosk, "guide", "other")).status_code == 403
    assert (await _tally(server.http(), "guide", "other")).status_code == 401
    assert (await _counts(operator))["totals"] == {"phone": 0, "guide": 0}, "operators read the counts"
    assert (await tsuyazaki_guide.get(TALLIES)).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "guide"},
        {"kind": "walk_in", "topic": "other"},
        {"kind": "guide", "topic": "no-such-topic"},
        {"kind": "guide", "topic": "Other"},
        {"kind": "guide", "topic": "other", "delta": 2},
        {"kind": "guide", "topic": "other", "delta": 0},
        {"kind": "guide", "topic": "other", "note": "x"},
        {"kind": "guide", "topic": "x" * 65},
    ],
)
async def test_bad_tallies_are_refused_and_change_nothing(server: Any, open_ws: Any, body: dict[str, Any]) -> None:
    guide = await server.login("guide", (SITE,))
    seq = (await guide.get(f"/api/v1/sites/{SITE}/state")).json()["seq"]
    r = await guide.post(TALLIES, json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "validation_error" and r.json()["detail"]
    assert (await _counts(guide))["totals"] == {"phone": 0, "guide": 0}
    assert (await guide.get(f"/api/v1/sites/{SITE}/state")).json()["seq"] == seq, "no event"


async def test_bad_tally_requests_are_4xx(server: Any) -> None:
    guide = await server.login("guide")
    assert (await _tally(guide, "guide", "other", site="nowhere")).status_code == 404
    assert (await guide.get("/api/v1/sites/nowhere/tallies")).status_code == 404
    bad_date = await guide.get(TALLIES, params={"date": "2026-02-30"})
    assert bad_date.status_code == 400 and bad_date.json()["code"] == "validation_error"
    bad_key = await _tally(guide, "guide", "other", headers={"idempotency-key": "no spaces allowed"})
    assert bad_key.status_code == 400
    assert (await _counts(guide))["totals"] == {"phone": 0, "guide": 0}


# ---- incidents ---------------------------------------------------------------------------------------

REPORT = {
    "site": SITE,
    "category": "trouble",
    "title": "発券機の紙詰まり",
    "occurred_at": "2026-11-24T09:40:00+09:00",
    "description": "発券機で番号札が詰まり、約10分間発券できなかった。",
    "actions": "総合案内で代理発券した。ロール紙を交換した。",
    "follow_up": "朝の点検で用紙の残りを確認する。",
}


async def _record(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/incidents", json={**REPORT, **changes})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


async def test_an_incident_is_recorded_reported_and_closed(server: Any) -> None:
    guide = await server.login("guide", (SITE,))
    manager = await server.login("manager", (SITE,))
    made = await _record(guide, description="発券機で番号札が詰まった。\r\n約10分間発券できなかった。  ")
    assert made["id"] == "city-hall.2026-0001" and made["number"] == "2026-0001"
    assert made["status"] == "open" and made["site"] == SITE
    assert made["created_by"].startswith("guide-")
    assert made["occurred_at"] == "2026-11-24T09:40:00+09:00"
    assert made["description"] == "発券機で番号札が詰まった。\n約10分間発券できなかった。"
    assert (await _record(guide, title="二件目"))["number"] == "2026-0002"

    r = await manager.patch(f"/api/v1/incidents/{made['id']}", json={"status": "reported"})
    assert r.status_code == 200, r.text
    reported = r.json()
    assert reported["status"] == "reported" and reported["reported_by"].startswith("manager-")
    assert reported["reported_at"].startswith("2026-11-24T10:")
    r = await manager.patch(f"/api/v1/incidents/{made['id']}", json={"follow_up": "毎朝9時に用紙を点検する。"})
    assert r.status_code == 200 and r.json()["follow_up"] == "毎朝9時に用紙を点検する。"
    r = await manager.patch(f"/api/v1/incidents/{made['id']}", json={"status": "closed"})
    assert r.status_code == 200 and r.json()["status"] == "closed"

    final = (await manager.get(f"/api/v1/incidents/{made['id']}")).json()
    assert final["status"] == "closed" and final["closed_by"].startswith("manager-")
    assert final["follow_up"] == "毎朝9時に用紙を点検する。"

    for change in ({"status": "open"}, {"status": "reported"}, {"title": "書き換え"}):
        refused = await manager.patch(f"/api/v1/incidents/{made['id']}", json=change)
        assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition", change
    assert (await manager.get(f"/api/v1/incidents/{made['id']}")).json() == final

    audit = await _audit(manager, "incident.")
    assert [(e["action"], e["detail"]) for e in audit] == [
        ("incident.record", "city-hall.2026-0001 trouble"),
        ("incident.record", "city-hall.2026-0002 trouble"),
        ("incident.change", "city-hall.2026-0001 status reported"),
        ("incident.change", "city-hall.2026-0001 follow_up"),
        ("incident.change", "city-hall.2026-0001 status closed"),
    ]


async def test_no_step_is_skipped_and_nothing_goes_back(server: Any) -> None:
    manager = await server.login("manager", (SITE,))
    made = await _record(manager)
    url = f"/api/v1/incidents/{made['id']}"
    skipped = await manager.patch(url, json={"status": "closed", "title": "飛ばして完了"})
    assert skipped.status_code == 409 and skipped.json()["code"] == "invalid_transition"
    assert (await manager.get(url)).json() == made, "a refused change changes no field"
    assert (await manager.patch(url, json={"status": "reported"})).status_code == 200
    back = await manager.patch(url, json={"status": "open"})
    assert back.status_code == 409 and back.json()["code"] == "invalid_transition"
    assert (await manager.get(url)).json()["status"] == "reported"


async def test_the_list_covers_a_period_and_the_sites_a_manager_has(server: Any) -> None:
    admin = await server.login("admin")
    early = await _record(admin, occurred_at="2026-11-01T17:30:00+09:00", title="月初")
    today = await _record(admin)
    other = await _record(admin, site="tsuyazaki", title="津屋崎の件")
    await server.login("manager", (SITE,))

    def ids(rows: list[dict[str, Any]]) -> list[str]:
        return [r["id"] for r in rows]

    everything = (await admin.get("/api/v1/incidents")).json()
    assert ids(everything) == [early["id"], today["id"], other["id"]]
    november_24 = (await admin.get("/api/v1/incidents", params={"site": SITE, "from": "2026-11-02"})).json()
    assert ids(november_24) == [today["id"]]
    first_day = (await admin.get("/api/v1/incidents", params={"from": "2026-11-01", "to": "2026-11-01"})).json()
    assert ids(first_day) == [early["id"]], "both ends of the period are whole local days"
    open_only = (await admin.get("/api/v1/incidents", params={"status": "open", "site": "tsuyazaki"})).json()
    assert ids(open_only) == [other["id"]]

    limited = await server.login("manager", (SITE,))
    assert ids((await limited.get("/api/v1/incidents")).json()) == [early["id"], today["id"]]
    assert (await limited.get("/api/v1/incidents", params={"site": "tsuyazaki"})).status_code == 403
    assert (await limited.get(f"/api/v1/incidents/{other['id']}")).status_code == 403
    assert (await limited.patch(f"/api/v1/incidents/{other['id']}", json={"status": "reported"})).status_code == 403
    assert (await admin.get(f"/api/v1/incidents/{other['id']}")).json()["status"] == "open"

    office = _office(server)
    records = await server.call(office.incidents(SITE, date(2026, 11, 1), date(2026, 11, 30)))
    assert [r.id for r in records] == [early["id"], today["id"]]
    assert records[0].title == "月初" and records[0].occurred_at.isoformat() == "2026-11-01T17:30:00+09:00"
    assert await server.call(office.incidents(SITE, date(2026, 10, 1), date(2026, 10, 31))) == []


async def test_every_staff_of_a_site_records_only_managers_read_and_change(server: Any) -> None:
    for role in ("operator", "guide", "phone"):
        staff = await server.login(role, (SITE,))
        made = await _record(staff, title=f"{role}の記録")
        assert (await staff.get(f"/api/v1/incidents/{made['id']}")).status_code == 403
        assert (await staff.get("/api/v1/incidents")).status_code == 403
        assert (await staff.patch(f"/api/v1/incidents/{made['id']}", json={"status": "reported"})).status_code == 403
    elsewhere = await server.login("guide", ("tsuyazaki",))
    r = await elsewhere.post("/api/v1/incidents", json=REPORT)
    assert r.status_code == 403
    kiosk = await server.device("kiosk", SITE)
    assert (await kiosk.post("/api/v1/incidents", json=REPORT)).status_code == 403
    admin = await server.login("admin")
    assert [r["title"] for r in (await admin.get("/api/v1/incidents")).json()] == [
        "operatorの記録", "guideの記録", "phoneの記録",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "changes",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 101},
        {"title": "二行の\n件名"},
        {"description": ""},
        {"description": "y" * 2001},
        {"actions": "z" * 2001},
        {"follow_up": "制御\x07文字"},
        {"category": "gossip"},
        {"site": "nowhere"},
        {"occurred_at": "yesterday"},
        {"occurred_at": "2026-11-25T10:00:00+09:00"},
        {"visitor_name": "フクツ ハナコ"},
    ],
)
async def test_bad_reports_are_refused_and_change_nothing(server: Any, changes: dict[str, Any]) -> None:
    manager = await server.login("manager", (SITE,))
    r = await manager.post("/api/v1/incidents", json={**REPORT, **changes})
    assert r.status_code in (400, 404), r.text
    assert r.json()["code"] in ("validation_error", "unknown_site") and r.json()["detail"]
    assert (await manager.get("/api/v1/incidents")).json() == []
    assert await _audit(manager, "incident.") == []


@pytest.mark.parametrize(
    "change",
    [{"title": "x" * 101}, {"description": "   "}, {"status": "archived"}, {"follow_up": 3}, {"id": "other"}],
)
async def test_bad_changes_are_refused_and_change_nothing(server: Any, change: dict[str, Any]) -> None:
    manager = await server.login("manager", (SITE,))
    made = await _record(manager)
    r = await manager.patch(f"/api/v1/incidents/{made['id']}", json=change)
    assert r.status_code == 400 and r.json()["code"] == "validation_error", r.text
    assert (await manager.get(f"/api/v1/incidents/{made['id']}")).json() == made


async def test_unknown_reports_and_bad_periods(server: Any) -> None:
    admin = await server.login("admin")
    for missing in ("city-hall.2026-0099", "nowhere.2026-0001", "no-dot"):
        r = await admin.get(f"/api/v1/incidents/{missing}")
        assert r.status_code == 404 and r.json()["code"] == "not_found", missing
        assert (await admin.patch(f"/api/v1/incidents/{missing}", json={"status": "reported"})).status_code == 404
    for params in ({"from": "2026-11-30", "to": "2026-11-01"}, {"from": "2020-01-01"}, {"to": "2026-13-01"}):
        r = await admin.get("/api/v1/incidents", params=params)
        assert r.status_code == 400 and r.json()["code"] == "validation_error", params
    assert (await admin.get("/api/v1/incidents", params={"site": "nowhere"})).status_code == 404


async def test_the_printable_form_of_a_report(server: Any) -> None:
    guide = await server.login("guide", (SITE,))
    made = await _record(guide, category="complaint", title="待ち時間への苦情", description="一行目\n<b>二行目</b>")
    manager = await server.login("manager", (SITE,))
    r = await manager.get(f"/incidents/{made['id']}/print")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for text in ("苦情報告書", "2026-0001", "福津市 マイナンバーカード窓口", "福津市役所", "待ち時間への苦情",
                 "令和8年11月24日(火) 9時40分", "責任者", "確認", "未報告"):  # fmt: skip
        assert text in page, text
    assert "一行目\n&lt;b&gt;二行目&lt;/b&gt;" in page, "the text is printed as written, never as markup"
    assert made["created_by"] in page

    assert (await guide.get(f"/incidents/{made['id']}/print")).status_code == 403
    elsewhere = await server.login("manager", ("tsuyazaki",))
    assert (await elsewhere.get(f"/incidents/{made['id']}/print")).status_code == 403
    assert (await manager.get("/incidents/city-hall.2026-0999/print")).status_code == 404
    assert (await server.http().get(f"/incidents/{made['id']}/print")).status_code == 401
