"""Against an external Redis the server checks that acknowledged tickets survive a crash of it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import redis.asyncio as aredis

from server.app import PersistenceError, check_persistence
from server.clock import Clock
from server.runtime import Runtime
from server.settings import Settings


async def _runtime(url: str, config: Any, strict: bool) -> Runtime:
    return Runtime(settings=Settings(strict_persistence=strict), config=config, clock=Clock(), redis_url=url)


async def test_warns_when_aof_is_off_and_refuses_when_strict(
    create_redis: Any, config: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store = create_redis()
    admin = aredis.Redis.from_url(store.url)
    await admin.config_set("appendonly", "no")
    rt = await _runtime(store.url, config, strict=False)
    with caplog.at_level(logging.WARNING, logger="madoguchi"):
        await check_persistence(rt)
    assert "appendonly=no" in caplog.text
    await rt.redis.aclose()

    strict = await _runtime(store.url, config, strict=True)
    with pytest.raises(PersistenceError):
        await check_persistence(strict)
    await strict.redis.aclose()

    await admin.config_set("appendonly", "yes")
    caplog.clear()
    ok = await _runtime(store.url, config, strict=True)
    with caplog.at_level(logging.WARNING, logger="madoguchi"):
        await check_persistence(ok)
    assert caplog.text == ""
    await ok.redis.aclose()
    await admin.aclose()
