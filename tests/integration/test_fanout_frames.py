"""The fan-out's frames: each event framed once per process and written as it is to every live site socket, the
same bytes websockets would send; a socket that cannot take a frame then gets the events its ordinary way, in
order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from websockets.frames import Frame, Opcode

from server import fanout
from server.wsframes import PushProtocol, text_frame
from tests.conftest import LiveServer, issue

SITE = "city-hall"


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 1000, 65535, 65536, 70000])
def test_a_frame_is_the_one_websockets_would_send(size: int) -> None:
    text = ("窓" + "x" * size)[:size]  # multi-byte UTF-8: the length in the header counts bytes
    assert text_frame(text) == Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


async def staff_socket(server: LiveServer, open_ws: Any, client: httpx.AsyncClient) -> Any:
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}", additional_headers={"Cookie": cookie})


async def test_live_sockets_get_each_event_framed_once(
    server: LiveServer, http: httpx.AsyncClient, open_ws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    framed: list[str] = []
    written: list[bool] = []
    original = PushProtocol.write_frame

    def counted_frame(text: str) -> bytes:
        framed.append(text)
        return text_frame(text)

    def counted_write(self: PushProtocol, frame: bytes) -> bool:
        written.append(original(self, frame))
        return written[-1]

    monkeypatch.setattr(fanout, "text_frame", counted_frame)
    monkeypatch.setattr(PushProtocol, "write_frame", counted_write)

    boards = [await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}") for _ in range(3)]  # they offer deflate
    staff = await staff_socket(server, open_ws, http)
    for sock in [*boards, staff]:
        assert sock.conn.protocol.extensions == []  # declined: frames go out as they are
        start = (await sock.recv())["seq"]
    tickets = [await issue(http, "pickup") for _ in range(2)]

    for sock in boards:
        got = await sock.events(2)
        assert [(e["type"], e["seq"], e["ticket"]["number"]) for e in got] == [
            ("ticket.issued", start + i + 1, t["number"]) for i, t in enumerate(tickets)
        ]
        assert all("id" not in e["ticket"] for e in got)  # the public projection
    staffed = await staff.events(2)
    assert [e["ticket"]["id"] for e in staffed] == [t["id"] for t in tickets]  # the staff projection
    assert len(framed) == 4  # two events, each framed once for the public and once for the staff
    assert written == [True] * 8  # every socket live: the hub wrote every frame itself


async def test_a_socket_that_cannot_take_a_frame_gets_the_events_in_order(
    server: LiveServer, http: httpx.AsyncClient, open_ws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused: list[int] = []
    original = PushProtocol.write_frame

    def every_other(self: PushProtocol, frame: bytes) -> bool:
        """Refuses every other frame, as a socket whose client is slow to read does: the event then waits in the
        socket's queue, and the next ones after it."""
        refused.append(len(refused) % 2)
        return not refused[-1] and original(self, frame)

    monkeypatch.setattr(PushProtocol, "write_frame", every_other)
    boards = [await open_ws(f"{server.ws_url}/ws/v1/sites/{SITE}") for _ in range(2)]
    start = [(await sock.recv())["seq"] for sock in boards]
    tickets = [await issue(http, "pickup") for _ in range(6)]
    for sock, first in zip(boards, start, strict=True):
        got = await sock.events(6)
        assert [e["seq"] for e in got] == list(range(first + 1, first + 7))
        assert [e["ticket"]["number"] for e in got] == [t["number"] for t in tickets]
    assert 1 in refused and 0 in refused


async def test_under_another_server_every_event_goes_the_ordinary_way(
    create_server: Any, open_ws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's own protocol offers no frame writes and accepts permessage-deflate: the sessions send every event
    themselves, compressed for the boards that asked, in order."""
    framed: list[str] = []

    def counted_frame(text: str) -> bytes:
        framed.append(text)
        return text_frame(text)

    monkeypatch.setattr(fanout, "text_frame", counted_frame)
    stock = create_server(stock_websockets=True)
    http = await stock.login("admin")
    boards = [await open_ws(f"{stock.ws_url}/ws/v1/sites/{SITE}", compression=c) for c in ("deflate", None)]
    assert [len(b.conn.protocol.extensions) for b in boards] == [1, 0]
    start = [(await sock.recv())["seq"] for sock in boards]
    tickets = [await issue(http, "pickup") for _ in range(3)]
    for sock, first in zip(boards, start, strict=True):
        got = await sock.events(3)
        assert [(e["seq"], e["ticket"]["number"]) for e in got] == [
            (first + i + 1, t["number"]) for i, t in enumerate(tickets)
        ]
    assert framed == []
