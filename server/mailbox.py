"""A first-in first-out queue with one consumer, in a fraction of the memory of ``asyncio.Queue``.

A server holds two queues per websocket (uvicorn's for what the client sends, the fan-out's for what it is sent)
and most of them are empty all day. An ``asyncio.Queue`` keeps three deques and an ``asyncio.Event`` with a deque
of its own: ~3 KiB, of a socket's ~30. A ``Mailbox`` is one small object, with a deque only while it holds
something, and a future only while its consumer waits.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Mailbox(Generic[T]):
    """``put_nowait``, ``get``, ``get_nowait``, ``empty``, ``qsize`` and ``full`` as ``asyncio.Queue`` has them, for
    one consumer at a time (a second ``get`` while one waits is an error). ``maxsize`` 0: no limit; a ``put_nowait``
    beyond it raises ``asyncio.QueueFull``."""

    __slots__ = ("_items", "_waiter", "maxsize")

    def __init__(self, maxsize: int = 0) -> None:
        self.maxsize = maxsize
        self._items: deque[T] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return 0 < self.maxsize <= self.qsize()

    def put_nowait(self, item: T) -> None:
        if self.full():
            raise asyncio.QueueFull
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.popleft()
        if not self._items:
            self._items = None  # most mailboxes are empty most of the time: no deque kept for them
        return item

    async def get(self) -> T:
        while not self._items:
            if self._waiter is not None:
                raise RuntimeError("a Mailbox has one consumer: get() is already waiting")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self.get_nowait()
