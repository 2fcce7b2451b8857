"""Websocket push: snapshot first, resume by ``since``, bad messages answered, foreign origins refused."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as aredis
from websockets.exceptions import ConnectionClosed, InvalidStatus

from server.queue.keys import SiteKeys
from tests.conftest import issue


async def test_since_resume_delivers_exactly_the_missed_events(server: Any, http: Any, open_ws: Any) -> None:
    url = f"{server.ws_url}/ws/v1/sites/city-hall"
    first = await open_ws(url)
    snap = await first.recv()
    start = snap["seq"]
    await issue(http, "pickup")
    seen = await first.recv()
    assert seen["seq"] == start + 1
    await first.close()

    missed = [await issue(http, "pickup") for _ in range(4)]
    again = await open_ws(f"{url}?since={seen['seq']}")
    replay = await again.events(4)
    assert [e["type"] for e in replay] == ["ticket.issued"] * 4
    assert [e["seq"] for e in replay] == [start + 2, start + 3, start + 4, start + 5]
    assert [e["ticket"]["number"] for e in replay] == [t["number"] for t in missed]
    live = await issue(http, "e-cert")
    nxt = await again.recv()
    assert nxt["seq"] == start + 6 and nxt["ticket"]["number"] == live["number"]


async def test_since_nothing_missed_sends_nothing_until_the_next_event(server: Any, http: Any, open_ws: Any) -> None:
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    seq = (await ws.recv())["seq"]
    resumed = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall?since={seq}")
    t = await issue(http, "pickup")
    msg = await resumed.recv()
    assert msg["type"] == "ticket.issued" and msg["ticket"]["number"] == t["number"]


async def test_since_ahead_of_the_store_gets_a_snapshot(server: Any, http: Any, open_ws: Any) -> None:
    await issue(http, "pickup")
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall?since=999999")
    msg = await ws.recv()
    assert msg["type"] == "snapshot" and msg["seq"] == 1


async def test_since_older_than_the_kept_history_gets_a_snapshot(
    server: Any, http: Any, open_ws: Any, redis_url: str
) -> None:
    for _ in range(5):
        await issue(http, "pickup")
    client = aredis.Redis.from_url(redis_url)
    await client.xtrim(SiteKeys("city-hall").events, maxlen=2, approximate=False)
    await client.aclose()
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall?since=1")
    msg = await ws.recv()
    assert msg["type"] == "snapshot" and msg["seq"] == 5
    pickup = next(s for s in msg["state"]["services"] if s["id"] == "pickup")
    assert pickup["waiting"] == 5


async def test_bad_client_message_gets_an_error_and_the_socket_stays(server: Any, open_ws: Any) -> None:
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await ws.recv()
    await ws.send("{not json")
    err = await ws.recv()
    assert err["type"] == "error" and err["code"] == "validation_error"
    await ws.send({"type": "launch-missiles"})
    assert (await ws.recv())["code"] == "validation_error"
    await ws.send({"type": "ping"})
    pong = await ws.recv()
    assert pong["type"] == "pong"


async def test_resync_request_sends_missed_events(server: Any, http: Any, open_ws: Any) -> None:
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await ws.recv()
    await ws.send({"type": "resync"})
    t = await issue(http, "pickup")
    msg = await ws.until(lambda m: m["type"] == "ticket.issued")
    assert msg["ticket"]["number"] == t["number"]


async def test_unknown_site_and_ticket_are_closed_with_a_code(server: Any, open_ws: Any) -> None:
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/nowhere")
    with pytest.raises(ConnectionClosed) as info:
        await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 4404
    ws = await open_ws(f"{server.ws_url}/ws/v1/tickets/not-a-token")
    with pytest.raises(ConnectionClosed) as info:
        await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 4404


async def test_foreign_origin_is_refused(server: Any, open_ws: Any) -> None:
    url = f"{server.ws_url}/ws/v1/sites/city-hall"
    try:
        ws = await open_ws(url, origin="http://evil.example")
    except InvalidStatus as exc:  # refused before the upgrade
        assert exc.response.status_code == 403
    else:
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
        assert info.value.rcvd is not None and info.value.rcvd.code == 4403
    own = await open_ws(url, origin=server.base_url)
    assert (await own.recv())["type"] == "snapshot"


async def test_many_clients_all_receive_each_event(server: Any, http: Any, open_ws: Any) -> None:
    boards = [await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall") for _ in range(50)]
    for b in boards:
        await b.recv()
    t = await issue(http, "pickup")
    for b in boards:
        msg = await b.recv()
        assert msg["ticket"]["number"] == t["number"]
