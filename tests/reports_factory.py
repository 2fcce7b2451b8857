"""Constructed records of business days for the report tests (no store): tickets with local HH:MM times."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from server.config import Config, load_config
from server.queue.archive import DayArchive, ReservationRecord, TicketRecord, Transfer
from server.reports.compute import DayData

TZ = ZoneInfo("Asia/Tokyo")
CONFIG: Config = load_config(Path(__file__).resolve().parents[1] / "config" / "fukutsu.toml")
GENERATED = dt.datetime(2027, 5, 1, 9, 0, tzinfo=TZ)
_numbers: dict[str, int] = {}


def ms(day: str, hhmm: str | None) -> int | None:
    if hhmm is None:
        return None
    return int(dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), TZ).timestamp() * 1000)


def ticket(
    day: str = "2026-11-24",
    service: str = "pickup",
    status: str = "done",
    *,
    issued: str = "10:00",
    called: str | None = "10:05",
    serving: str | None = "10:06",
    finished: str | None = "10:16",
    channel: str = "walk_in",
    outcome: str = "completed",
    counter: str = "ch-booth-1",
    operator: str = "op-sato",
    transfers: tuple[tuple[str, str], ...] = (),
    priority: bool = False,
    recall_count: int = 0,
) -> TicketRecord:
    """A ticket; times not reached by ``status`` are dropped (a cancelled waiting ticket has no call)."""
    if status in ("waiting", "cancelled", "unserved") and called == "10:05":
        called = serving = finished = None
    if status in ("called", "no_show") and serving == "10:06":
        serving = finished = None
    if status == "serving" and finished == "10:16":
        finished = None
    key = f"{day}:{service}"
    _numbers[key] = _numbers.get(key, 0) + 1
    site = "tsuyazaki" if counter.startswith("tz-") else "city-hall"
    return TicketRecord(
        id=f"{site}.{day}.{key}.{_numbers[key]}",
        number=f"X{_numbers[key]:03d}",
        service=service,
        channel=channel,
        priority=priority,
        status=status,
        business_date=day,
        issued_at_ms=ms(day, issued) or 0,
        first_called_at_ms=ms(day, called),
        called_at_ms=ms(day, called),
        serving_at_ms=ms(day, serving),
        finished_at_ms=ms(day, finished),
        counter=counter if called else "",
        counter_label="",
        operator=operator if called else "",
        outcome=outcome if status == "done" else "",
        note="",
        recall_count=recall_count,
        transfers=tuple(Transfer(from_service=f, to=t, at=f"{day}T10:10:00+09:00") for f, t in transfers),
        reservation="",
        lang="ja",
    )


def reservation(day: str, status: str, start: str = "10:00") -> ReservationRecord:
    return ReservationRecord(code=f"R{start}{status}", service="application", date=day, start=start, end="10:30",
                             status=status)  # fmt: skip


def day_data(
    day: str,
    tickets: list[TicketRecord] | tuple[TicketRecord, ...] = (),
    site: str = "city-hall",
    *,
    reservations: tuple[ReservationRecord, ...] = (),
    tallies: dict[str, dict[str, int]] | None = None,
    archived: bool = True,
) -> DayData:
    archive = DayArchive(
        site=site,
        business_date=day,
        archived_at=f"{day}T17:30:00+09:00" if archived else None,
        tickets=tuple(tickets),
        reservations=reservations,
    )
    return DayData(archive=archive, tallies=tallies or {})


def as_dict(obj: Any) -> Any:
    import msgspec

    return msgspec.to_builtins(obj)
