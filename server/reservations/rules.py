"""Reservation rules: slots, capacity, the check-in window, names, phone numbers and search. Pure.

Functions of the configuration, an ``Opening`` of the calendar and plain values: no Redis, no Litestar,
so the phone console, the kiosk, the CSV import and the tests agree on one answer.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from server.calendar import Opening
from server.config import Config, ReservableService
from server.reservations import codes

STATUSES = ("booked", "checked_in", "no_show", "cancelled")
HOLDING = frozenset({"booked", "checked_in"})
"""Statuses that hold a place in their slot."""
NAME_MAX = 40


@dataclass(frozen=True, slots=True)
class Slot:
    start: dt.time
    end: dt.time

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}"


def hhmm(t: dt.time) -> str:
    return f"{t:%H:%M}"


def slots(opening: Opening, slot_min: int) -> list[Slot]:
    """The slots of an opening: from opening time, ``slot_min`` long, the last ending by the last-ticket time.

    Ending by the last-ticket time (not closing time) means a visitor checked in at any point of a slot
    still gets a ticket, and the counters clear the day as they do for walk-ins.
    """
    if opening.opens_at is None or opening.closes_at is None:
        return []
    limit = _at(opening.date, opening.last_ticket_at or opening.closes_at)
    step = dt.timedelta(minutes=slot_min)
    start = _at(opening.date, opening.opens_at)
    out = []
    while start + step <= limit:
        out.append(Slot(start.time(), (start + step).time()))
        start += step
    return out


def slot_of(opening: Opening, slot_min: int, start: str) -> Slot | None:
    """The slot starting at ``start`` ("HH:MM"), or None when no slot starts then."""
    return next((s for s in slots(opening, slot_min) if s.label == start), None)


def reservable(config: Config, opening: Opening, service_id: str) -> ReservableService | None:
    """The config entry when ``service_id`` takes reservations at the opening's site on its day."""
    if not opening.is_open or service_id not in opening.services:
        return None
    return config.reservations.entry(service_id, opening.site)


def capacity(config: Config, opening: Opening, service_id: str) -> int:
    """Places per slot: the counters active that day times the capacity per counter (0: no reservations)."""
    entry = reservable(config, opening, service_id)
    if entry is None:
        return 0
    return len(opening.counters) * config.reservations.capacity(entry)


def slot_start(day: dt.date, start: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The aware instant a slot starts."""
    return dt.datetime.combine(day, start, tzinfo=tz)


def availability(
    config: Config, opening: Opening, service_id: str, booked: Mapping[str, int], now: dt.datetime
) -> list[dict[str, object]]:
    """Each slot with its capacity, places taken and places left; a slot that has started, or a day beyond the
    booking horizon, has none left."""
    cap = capacity(config, opening, service_id)
    if cap == 0:
        return []
    tz = ZoneInfo(config.timezone)
    beyond = opening.date > now.astimezone(tz).date() + dt.timedelta(days=config.reservations.horizon_days)
    out: list[dict[str, object]] = []
    for slot in slots(opening, config.queue.reservation_slot_min):
        taken = booked.get(slot.label, 0)
        started = slot_start(opening.date, slot.start, tz) <= now
        left = 0 if started or beyond else max(0, cap - taken)
        out.append({"start": slot.label, "end": hhmm(slot.end), "capacity": cap, "booked": taken, "available": left})
    return out


# ---- check-in -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """When a reservation can be checked in: ``opens`` to ``closes``, both included."""

    opens: dt.datetime
    closes: dt.datetime


def checkin_window(config: Config, opening: Opening, start: dt.datetime) -> Window:
    """From ``checkin_early_min`` before the slot (never before opening) to ``checkin_late_min`` after it
    (never after the last-ticket minute)."""
    r = config.reservations
    opens = start - dt.timedelta(minutes=r.checkin_early_min)
    closes = start + dt.timedelta(minutes=r.checkin_late_min)
    if opening.opens_at is not None:
        opens = max(opens, dt.datetime.combine(opening.date, opening.opens_at, tzinfo=start.tzinfo))
    if opening.last_ticket_at is not None:
        last = dt.datetime.combine(opening.date, opening.last_ticket_at, tzinfo=start.tzinfo)
        closes = min(closes, last + dt.timedelta(seconds=59))
    return Window(opens, closes)


def checkin_refusal(status: str, date: str, site: str, at_site: str, today: dt.date) -> str | None:
    """Why a reservation cannot be checked in whatever the time, as an error code; None when it can."""
    if site != at_site:
        return "reservation_wrong_site"
    refusal = {
        "checked_in": "already_checked_in",
        "cancelled": "reservation_cancelled",
        "no_show": "reservation_no_show",
    }.get(status)
    if refusal is not None:
        return refusal
    if date != today.isoformat():
        return "reservation_not_today"
    return None


def release_at(start: dt.datetime, config: Config) -> dt.datetime:
    """When a reservation not checked in becomes a no-show."""
    return start + dt.timedelta(minutes=config.reservations.release_after_min)


def purge_at(day: dt.date, config: Config) -> dt.datetime:
    """When the name and phone number of a reservation on ``day`` are deleted (midnight, local time)."""
    tz = ZoneInfo(config.timezone)
    return dt.datetime.combine(day + dt.timedelta(days=config.queue.reservation_retention_days + 1), dt.time(), tz)


# ---- names and phone numbers ----------------------------------------------------------------------

_KATAKANA = re.compile(r"^[\u30A1-\u30FA\u30FB\u30FC\u30FD\u30FE ]+$")
_SPACES = re.compile(r"[\s\u3000]+")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ー－"})


def to_katakana(text: str) -> str:
    """Half-width katakana widened, hiragana turned to katakana, runs of spaces made one space."""
    wide = unicodedata.normalize("NFKC", text)
    kata = "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in wide)
    return _SPACES.sub(" ", kata).strip()


def normalize_name(text: str) -> str:
    """The contact name in full-width katakana; ValueError saying why when it is not a kana name."""
    name = to_katakana(text)
    if not name:
        raise ValueError("enter the name in katakana (e.g. ヤマダ タロウ)")
    if len(name) > NAME_MAX:
        raise ValueError(f"the name is longer than {NAME_MAX} characters")
    if not _KATAKANA.match(name):
        raise ValueError("the name must be written in katakana (e.g. ヤマダ タロウ)")
    return name


def phone_digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def normalize_phone(text: str) -> str:
    """The phone number as digits and hyphens; ValueError unless it has 10 or 11 digits."""
    phone = unicodedata.normalize("NFKC", text).translate(_DASHES).replace(" ", "")
    if not phone or any(ch not in "0123456789-" for ch in phone):
        raise ValueError("a phone number has digits and hyphens only (e.g. 090-1234-5678)")
    digits = phone_digits(phone)
    if not 10 <= len(digits) <= 11:
        raise ValueError(f"a phone number has 10 or 11 digits, this one has {len(digits)}")
    return phone.strip("-")


def matches(query: str, code: str, name: str, phone: str) -> bool:
    """Whether a search matches a reservation: a code prefix, part of the kana name, or phone digits."""
    q = query.strip()
    if not q:
        return True
    folded = codes.normalize(q)
    if folded and code.startswith(folded):
        return True
    kana = to_katakana(q).replace(" ", "")
    if kana and kana in name.replace(" ", ""):
        return True
    numeric = unicodedata.normalize("NFKC", q).translate(_DASHES).replace("-", "").replace(" ", "")
    return len(numeric) >= 3 and numeric.isdigit() and numeric in phone_digits(phone)


def _at(day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t)
