"""The sockets' queue: first in, first out, bounded, one consumer that waits."""

from __future__ import annotations

import asyncio

import pytest

from server.mailbox import Mailbox


async def test_first_in_first_out_and_a_waiting_consumer_gets_the_next() -> None:
    box: Mailbox[int] = Mailbox()
    assert box.empty() and box.qsize() == 0
    box.put_nowait(1)
    box.put_nowait(2)
    assert [await box.get(), box.get_nowait()] == [1, 2] and box.empty()
    waiting = asyncio.ensure_future(box.get())
    await asyncio.sleep(0)  # let it wait: the order of the loop's steps, not a time
    assert not waiting.done()
    box.put_nowait(3)
    assert await waiting == 3
    with pytest.raises(asyncio.QueueEmpty):
        box.get_nowait()


async def test_bounded_and_one_consumer() -> None:
    box: Mailbox[str] = Mailbox(2)
    box.put_nowait("a")
    box.put_nowait("b")
    assert box.full()
    with pytest.raises(asyncio.QueueFull):
        box.put_nowait("c")
    assert box.get_nowait() == "a" and not box.full()
    box.get_nowait()
    first = asyncio.ensure_future(box.get())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        await box.get()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    box.put_nowait("d")  # a cancelled get leaves the mailbox usable
    assert await box.get() == "d"
