"""Notices: a manager posts one and every board of the site shows it at once; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest


async def test_a_posted_notice_reaches_boards_live_and_in_the_snapshot(server: Any, open_ws: Any) -> None:
    manager = await server.login("manager", ("city-hall",))
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    assert (await board.recv())["state"]["notices"] == []

    r = await manager.post(
        "/api/v1/sites/city-hall/notices",
        json={"text": "本日は大変混み合っております", "texts": {"en": "It is very busy today"}},
    )
    assert r.status_code == 201, r.text
    posted = r.json()
    event = await board.until(lambda e: e["type"] == "notice.changed")
    assert event["notices"] == [
        {"id": posted["id"], "text": "本日は大変混み合っております", "texts": {"en": "It is very busy today"},
         "created_at": posted["created_at"]}
    ]  # fmt: skip
    assert "by" not in event["notices"][0], "the public never learns who posted a notice"

    kiosk = await server.device("kiosk", "city-hall")
    state = (await kiosk.get("/api/v1/sites/city-hall/state")).json()
    assert [n["text"] for n in state["notices"]] == ["本日は大変混み合っております"]
    staff_view = (await manager.get("/api/v1/sites/city-hall/notices")).json()
    assert staff_view[0]["by"].startswith("manager"), "staff see who posted it"

    other_site = await open_ws(f"{server.ws_url}/ws/v1/sites/tsuyazaki")
    assert (await other_site.recv())["state"]["notices"] == []

    gone = await manager.delete(f"/api/v1/sites/city-hall/notices/{posted['id']}")
    assert gone.status_code == 200 and gone.json() == []
    cleared = await board.until(lambda e: e["type"] == "notice.changed")
    assert cleared["notices"] == []

    audit = (await manager.get("/api/v1/audit")).json()
    assert [e["action"] for e in audit if e["action"].startswith("notice.")] == ["notice.set", "notice.clear"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "   "},
        {"text": "改行\nあり"},
        {"text": "x" * 201},
        {"text": "ok", "texts": {"fr": "non"}},
        {"text": "ok", "color": "red"},
    ],
)
async def test_bad_notices_are_refused_and_change_nothing(server: Any, open_ws: Any, body: dict[str, Any]) -> None:
    manager = await server.login("manager", ("city-hall",))
    before = (await manager.get("/api/v1/sites/city-hall/state")).json()["seq"]
    r = await manager.post("/api/v1/sites/city-hall/notices", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "validation_error" and r.json()["detail"]
    after = (await manager.get("/api/v1/sites/city-hall/state")).json()
    assert after["seq"] == before and after["notices"] == []


async def test_unknown_notice_and_too_many_notices(server: Any) -> None:
    manager = await server.login("manager", ("city-hall",))
    r = await manager.delete("/api/v1/sites/city-hall/notices/nope")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    for i in range(10):
        assert (await manager.post("/api/v1/sites/city-hall/notices", json={"text": f"お知らせ{i}"})).status_code == 201
    r = await manager.post("/api/v1/sites/city-hall/notices", json={"text": "もう一つ"})
    assert r.status_code == 409 and r.json()["code"] == "too_many_notices"
    texts = [n["text"] for n in (await manager.get("/api/v1/sites/city-hall/notices")).json()]
    assert texts == [f"お知らせ{i}" for i in range(10)], "notices keep the order they were posted in"
