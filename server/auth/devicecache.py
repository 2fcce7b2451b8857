"""Device tokens looked up once per process, not once per request, and forgotten when the device is revoked.

A kiosk sends its bearer token with every ticket it issues: reading the token's device and the device's record is
two store round trips per request. A process keeps what it read (``DeviceCache``) only while it listens on the
control channel, where ``Accounts.revoke_device`` announces every revocation: the message drops the device's
entries in every process, and the revoking process drops them itself before it answers. Whenever the listener is
not subscribed (starting, the store unreachable, a failover) nothing is cached and every request reads the store, as
without the cache; entries also expire after ``ttl_s`` whatever happens. An entry read from the store while a
revocation or a reconnection happened is not kept (``stamp``): it may be older than the message that dropped it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.queue.keys import CONTROL_CHANNEL

log = logging.getLogger("madoguchi.auth")

TTL_S = 10.0
"""The longest an entry is used without reading the store again, should a revocation message ever be lost."""
MAX_ENTRIES = 4096
"""Tokens kept per process (kiosks and boards of every site, with room to spare); past it the cache starts over."""


class DeviceCache:
    def __init__(
        self, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, dict[str, str]]] = {}
        """Token digest -> (expiry on ``clock``, the device's record as the store held it)."""
        self._generation = 0
        """Changes at every drop and every (un)subscription: a lookup that saw another value stores nothing."""
        self.live = False
        """Subscribed to the control channel: only then is anything cached or used."""
        self.subscribed = asyncio.Event()
        """Set while ``live`` (tests wait for it)."""
        self._decoder = msgspec.json.Decoder()

    def get(self, token_digest: str) -> dict[str, str] | None:
        if not self.live:
            return None
        hit = self._entries.get(token_digest)
        if hit is None:
            return None
        if hit[0] <= self.clock():
            self._entries.pop(token_digest, None)
            return None
        return hit[1]

    def stamp(self) -> int | None:
        """Taken before reading the store; ``put`` keeps the record only if nothing was dropped meanwhile."""
        return self._generation if self.live else None

    def put(self, stamp: int | None, token_digest: str, record: dict[str, str]) -> None:
        if stamp is None or stamp != self._generation or not self.live:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[token_digest] = (self.clock() + self.ttl_s, record)

    def forget(self, device_id: str) -> None:
        """Drop every token of ``device_id`` (it was revoked), and whatever a lookup in flight would store."""
        self._generation += 1
        for key in [k for k, (_, record) in self._entries.items() if record.get("id") == device_id]:
            del self._entries[key]

    def _set_live(self, live: bool) -> None:
        self._generation += 1
        self._entries.clear()
        self.live = live
        if live:
            self.subscribed.set()
        else:
            self.subscribed.clear()

    def on_message(self, data: Any) -> None:
        try:
            body = self._decoder.decode(data)
            if body["revoke"] == "device":
                self.forget(str(body["id"]))
        except (msgspec.DecodeError, KeyError, TypeError) as exc:
            log.warning("ignored a bad control message: %s", exc)

    async def listen(self, redis_factory: Callable[[], Redis]) -> None:
        """Follow the control channel for as long as the process runs; cache only while subscribed.

        A pattern subscription: ``PUBSUB NUMSUB`` of the channel keeps counting one subscriber per process (the
        fan-out's, which closes the revoked device's websockets)."""
        delay = 0.05
        while True:
            redis = redis_factory()
            pubsub = redis.pubsub()
            try:
                await pubsub.psubscribe(CONTROL_CHANNEL)
                async for message in pubsub.listen():
                    if message["type"] == "psubscribe":
                        self._set_live(True)  # from here on, every revocation reaches on_message
                        delay = 0.05
                    elif message["type"] == "pmessage":
                        self.on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self.live:
                    log.warning("control channel unreachable (%s): device tokens are read from the store", exc)
            finally:
                self._set_live(False)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await redis.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
