"""Fixed-window rate limits in Redis, shared by every server process."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from server.auth.accounts import RateLimited
from server.queue.keys import rate_key

PUBLIC_PER_MINUTE = 600
"""Site list and calendar, per client address."""
STATUS_PER_MINUTE = 120
"""Visitor status page (HTTP and websocket), per client address: no guessing of tokens."""
CHECKIN_PER_MINUTE = 10
"""Reservation check-ins, per device or address: no guessing of reservation codes."""


class RateLimiter:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def hit(self, bucket: str, who: str, limit: int, window_s: int) -> None:
        """Count one request of ``who`` in ``bucket``; ``RateLimited`` past ``limit`` per window."""
        now = int(time.time())
        window = now // window_s
        key = rate_key(bucket, who, window)
        pipe = self.redis.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window_s + 1, nx=True)
        count, _ = await pipe.execute()
        if int(count) > limit:
            retry = window_s - now % window_s
            raise RateLimited(f"too many requests; try again in {retry} seconds", retry_after=retry)
