"""Websocket frames encoded once per process and written as they are to every socket that takes them.

An event goes to every board of a site: the same text in the same frame. Sending it through the ASGI interface
costs per socket a task switch, Litestar's and uvicorn's send wrappers and websockets' framing (most of the
fan-out's Python work). Instead the event is framed once (``text_frame``) and each socket's ``write`` hands the
bytes to its transport, when the socket can take them as they are: open, no close sent, not waiting for the
client to read (writing paused), and no extension that changes frames (permessage-deflate, which ``serve``
declines). Otherwise ``write`` answers False and the event takes the ordinary way (``server.ws``).

``PushProtocol`` is uvicorn's websockets (sans-I/O) protocol with that ``write`` offered to the app as an ASGI
extension of the socket's scope (``RAW_FRAMES``); ``serve`` runs it. An app served by anything else finds no such
extension and sends every message the ordinary way. It also holds less per socket, which counts with thousands of
boards: a ``Mailbox`` for what the client sends, and the handshake's request and response let go once answered
(websockets' parser keeps the request to the socket's end: it is started again after the request, when nothing
came after it).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import Protocol, State

from server.mailbox import Mailbox

RAW_FRAMES = "madoguchi.raw_frames"
"""Scope extension: ``write(frame: bytes) -> bool``, writes one whole encoded frame if the socket can take it."""

Write = Callable[[bytes], bool]

HEAD_LIMIT = 16384
"""A handshake request longer than this keeps websockets' parser as it is (a browser's is well under 2 KiB)."""

_TEXT_FIN = 0x81
"""FIN + opcode 1 (text): a whole message in one frame. Server frames are never masked (RFC 6455 §5.1)."""


def text_frame(text: str) -> bytes:
    """``text`` as one unmasked, uncompressed websocket text frame (RFC 6455 §5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", _TEXT_FIN, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", _TEXT_FIN, 126, size)
    else:
        head = struct.pack("!BBQ", _TEXT_FIN, 127, size)
    return head + payload


def raw_writer(scope: Any) -> Write | None:
    """The socket's ``write`` when its server offers one (``PushProtocol``), else None."""
    writer: Write | None = (scope.get("extensions") or {}).get(RAW_FRAMES)
    return writer


class PushProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websockets protocol that also offers ``write`` for frames encoded once for many sockets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Mailbox()  # type: ignore[assignment]  # the same put_nowait, get and empty
        self.head: bytes | None = b""
        """What the client sent until its handshake request was read; None past ``HEAD_LIMIT``."""

    def data_received(self, data: bytes) -> None:
        if not self.handshake_initiated and self.head is not None:
            self.head = self.head + data if len(self.head) + len(data) <= HEAD_LIMIT else None
        super().data_received(data)

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # the handshake's headers, parsed and answered (~4 KiB a socket): never read again
            self.request = self.response = None  # type: ignore[assignment]

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:  # else answered over HTTP and closed: no scope, no app
            extensions: dict[str, Any] = self.scope["extensions"]  # ASGI leaves extensions open
            extensions[RAW_FRAMES] = self.write_frame
            if self.head is not None and self.head.find(b"\r\n\r\n") == len(self.head) - 4:
                # Nothing came after the request (a client sends no frame before the answer): websockets' parser
                # waits for the first frame, holding the request; a fresh frame parser waits for it the same way.
                self.conn.parser = Protocol.parse(self.conn)
                next(self.conn.parser)
        self.head = None

    def write_frame(self, frame: bytes) -> bool:
        """Write an encoded frame if the socket takes it as it is; False (nothing written) when it must go the
        ordinary way: not open yet or any more, closing, writing paused until the client reads, or an extension
        negotiated that would change it."""
        if (
            self.close_sent
            or self.disconnected
            or self.initial_response is not None
            or self.conn.state is not State.OPEN
            or self.conn.extensions
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        try:
            self.transport.write(frame)
        except (OSError, RuntimeError):  # the hub goes on with the other sockets; this one's session finds out
            return False
        return True
