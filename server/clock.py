"""The server's clock. ``--clock`` starts it at a chosen instant (training mode); it then runs on in real time.

Business dates and opening hours are always evaluated in the configured time zone (Asia/Tokyo).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, tz: str = "Asia/Tokyo", start: datetime | None = None) -> None:
        self.tz = ZoneInfo(tz)
        self.training = start is not None
        self._offset = 0.0
        if start is not None:
            self.set(start)

    def set(self, instant: datetime) -> None:
        """Move the clock to ``instant`` (naive means local time in the configured zone)."""
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=self.tz)
        self._offset = instant.timestamp() - time.time()
        self.training = True

    def advance(self, delta: timedelta) -> None:
        self._offset += delta.total_seconds()

    def timestamp(self) -> float:
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), self.tz)

    def now_ms(self) -> int:
        return int(self.timestamp() * 1000)
