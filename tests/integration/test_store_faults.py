"""The store goes away and comes back: no acknowledged ticket is lost and live clients carry on.

Redis runs with AOF and ``appendfsync always`` (as the embedded server does), is stopped gracefully
or killed with SIGKILL, and restarted on the same data dir and port. The server process is not restarted.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import pytest

from tests.conftest import issue, open_counter


async def _wait_ready(http: Any) -> None:
    """Wait (bounded) until the server reports ready again: store reachable and fan-out running."""

    async def poll() -> None:
        while (await http.get("/readyz")).status_code != 200:
            continue  # each request awaits the server, which paces the loop

    await asyncio.wait_for(poll(), 20)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stop", "kill-9"])
async def test_store_restart_loses_no_acknowledged_ticket(
    create_redis: Any, create_server: Any, open_ws: Any, sig: int
) -> None:
    store = create_redis()
    server = create_server(url=store.url)
    http = await server.login()
    board = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall")
    await board.recv()

    acknowledged: list[dict[str, Any]] = []
    killed = asyncio.Event()

    async def visitor(i: int) -> None:
        r = await http.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup", "idempotency_key": f"v{i}"})
        if r.status_code in (200, 201):
            acknowledged.append(r.json())
            if len(acknowledged) == 20 and not killed.is_set():
                killed.set()
                store.signal(sig)  # in the middle of the burst
        else:
            assert r.status_code == 503 and r.json()["code"] == "store_unavailable", r.text

    await asyncio.gather(*(visitor(i) for i in range(60)))
    assert killed.is_set() and len(acknowledged) >= 20

    down = await http.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
    assert down.status_code == 503 and down.json()["code"] == "store_unavailable"
    ready = await http.get("/readyz")
    assert ready.status_code == 503 and ready.json()["ready"] is False

    store.start()  # same data dir, same port: the AOF is replayed
    await _wait_ready(http)
    listed = (await http.get("/api/v1/sites/city-hall/tickets")).json()
    assert {t["id"] for t in acknowledged} <= {t["id"] for t in listed}
    numbers = [t["number"] for t in listed]
    assert len(numbers) == len(set(numbers))

    after = await issue(http, "pickup")
    assert after["number"] not in {t["number"] for t in acknowledged}
    # the board, still on its first connection, sees the new ticket
    seen = await board.until(lambda m: m.get("type") == "ticket.issued" and m["ticket"]["number"] == after["number"])
    assert seen["seq"] > 0
    # and the call flow works on the restarted store
    await open_counter(http, "ch-booth-1", "pickup")
    called = (await http.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert called["number"] == "P001"
    await board.until(lambda m: m.get("type") == "ticket.called" and m["ticket"]["number"] == "P001")


async def test_clients_connecting_while_the_store_is_down_are_told_to_retry(
    create_redis: Any, create_server: Any, open_ws: Any
) -> None:
    from websockets.exceptions import ConnectionClosed

    store = create_redis()
    server = create_server(url=store.url)
    http = await server.login()
    board = {"Authorization": f"Bearer {await server.device_token('board')}"}
    store.signal(signal.SIGTERM)
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall", additional_headers=board)
    with pytest.raises(ConnectionClosed) as info:
        await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1013
    state = await http.get("/api/v1/sites/city-hall/state")
    assert state.status_code == 503 and state.json()["code"] == "store_unavailable"
    store.start()
    await _wait_ready(server.http())
    ws = await open_ws(f"{server.ws_url}/ws/v1/sites/city-hall", additional_headers=board)
    assert (await ws.recv())["type"] == "snapshot"
