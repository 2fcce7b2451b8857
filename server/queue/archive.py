"""The archived business day: what day close keeps of every ticket and reservation of a date (DESIGN §10).

Day close writes each ticket of the date as it stood at the close (``lua/day_close.lua``: the ticket hash
without its visitor token) and each reservation of the date without name or phone, once, never rewritten.
Reports, the staff history view and the export read them through the typed records below, and today's live
tickets through the same ``ticket_record`` so a report of today and of an archived day count alike.

Pure: no redis, no litestar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from server.calendar import fiscal_year, fiscal_year_bounds

RESERVATION_FIELDS = (
    "code", "site", "service", "date", "start", "end", "slot_at", "status", "ticket", "ticket_number",
    "checked_in_at", "created_at", "created_by", "source", "updated_at",
)  # fmt: skip
"""What the archive keeps of a reservation: a list of what may be kept rather than of what may not, so a field
added to reservations later (an e-mail address?) stays out of the archive until someone decides otherwise."""


class Transfer(msgspec.Struct, frozen=True, kw_only=True):
    """One move of a ticket to another service (``ticket.transferred``)."""

    from_service: str = msgspec.field(name="from")
    to: str
    at: str
    """ISO time (Asia/Tokyo)."""
    operator: str = ""
    counter: str = ""
    note: str = ""


class TicketRecord(msgspec.Struct, frozen=True, gc=False):
    """A ticket of a business date with every field the reports need. Times are epoch milliseconds.

    ``service`` is the service the ticket ended in (after transfers); ``first_called_at_ms`` the first call,
    where waits end (a recall or a second call after "back to queue" does not lengthen the wait); for a
    reservation the ticket is issued at check-in, so ``issued_at_ms`` is the check-in time.

    A fiscal year's report makes ~150,000 of them, so: not tracked by the garbage collector (``gc=False``: its
    fields are strings, numbers and a tuple of frozen transfers, so it cannot be part of a cycle), and not
    keyword-only, so ``_StoredTicket.record`` can build it from positions (ten times faster than from 21
    keywords). Everywhere else, build it with keywords."""

    id: str
    number: str
    service: str
    channel: str
    priority: bool
    status: str
    business_date: str
    issued_at_ms: int
    first_called_at_ms: int | None
    called_at_ms: int | None
    serving_at_ms: int | None
    finished_at_ms: int | None
    counter: str
    counter_label: str
    operator: str
    outcome: str
    note: str
    recall_count: int
    transfers: tuple[Transfer, ...]
    reservation: str
    lang: str


class ReservationRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A reservation of a business date as it stood at the close: no name, no phone number."""

    code: str
    service: str
    date: str
    start: str
    end: str
    status: str
    ticket_number: str = ""
    checked_in_at: str = ""


class DayArchive(msgspec.Struct, frozen=True, kw_only=True):
    """Everything of one site's business date: archived (``archived_at`` set) or, before the close, live."""

    site: str
    business_date: str
    archived_at: str | None
    """ISO time of the close that archived the date; None while the date is not archived."""
    tickets: tuple[TicketRecord, ...]
    """In issue order."""
    reservations: tuple[ReservationRecord, ...]


def day_score(day: str | dt.date) -> int:
    """A date as the score of ``SiteKeys.archived_days``: 2026-11-24 -> 20261124."""
    text = day.isoformat() if isinstance(day, dt.date) else day
    return int(text.replace("-", ""))


def retention_cutoff(today: dt.date, fiscal_years: int) -> dt.date:
    """The first date still kept: dates before it are past retention (config ``[retention]``).

    A date is deleted once its fiscal year plus ``fiscal_years`` is before the current fiscal year: with 5,
    FY2026 (2026-04-01 to 2027-03-31) is kept through FY2031, i.e. until 2032-03-31."""
    return fiscal_year_bounds(fiscal_year(today) - fiscal_years)[0]


def _ms(value: Any) -> int | None:
    if value in (None, "", "0", 0):
        return None
    return int(float(value))


_transfers = msgspec.json.Decoder(tuple[Transfer, ...])


def _decode_transfers(text: str) -> tuple[Transfer, ...]:
    # Lua's cjson writes an empty list as {}
    return () if text in ("{}", "[]") else _transfers.decode(text)


def ticket_record(t: Mapping[str, Any]) -> TicketRecord:
    """A stored ticket (the hash the scripts write, live or archived) as a typed record."""
    transfers = _decode_transfers(t.get("transfers") or "[]")
    called = _ms(t.get("called_at"))
    return TicketRecord(
        id=str(t.get("id", "")),
        number=str(t.get("number", "")),
        service=str(t.get("service", "")),
        channel=str(t.get("channel", "")),
        priority=str(t.get("priority", "0")) in ("1", "true", "True"),
        status=str(t.get("status", "")),
        business_date=str(t.get("business_date", "")),
        issued_at_ms=_ms(t.get("issued_at")) or 0,
        first_called_at_ms=_ms(t.get("first_called_at")) or called,
        called_at_ms=called,
        serving_at_ms=_ms(t.get("serving_at")),
        finished_at_ms=_ms(t.get("finished_at")),
        counter=str(t.get("counter") or ""),
        counter_label=str(t.get("counter_label") or ""),
        operator=str(t.get("operator") or ""),
        outcome=str(t.get("outcome") or ""),
        note=str(t.get("note") or ""),
        recall_count=int(t.get("recall_count") or 0),
        transfers=transfers,
        reservation=str(t.get("reservation") or ""),
        lang=str(t.get("lang") or "ja"),
    )


_EpochMs = Annotated[int, msgspec.Meta(ge=1, le=2**53)]
"""A time as the fast decoder takes it: a positive integer that a float holds exactly, so that it is what
``_ms`` (``int(float(text))``) makes of the same text. Anything else ("", "0", "null", a negative number) makes
``ticket_records`` decode that array the slow way."""


class _StoredTicket(msgspec.Struct, kw_only=True, gc=False):
    """A stored ticket as the JSON the scripts write (every value a string), decoded by msgspec in C.

    Types are narrow on purpose: a value that ``ticket_record`` would read in some other way (a number where a
    string belongs, a null, a time that is not a positive integer) fails the decode instead of being read
    differently, and the array falls back to ``ticket_record``. ``record`` then finishes what C cannot: the
    transfers (JSON inside a string), the first call falling back to the call, the defaults of empty values."""

    id: str = ""
    number: str = ""
    service: str = ""
    channel: str = ""
    priority: str = "0"
    status: str = ""
    business_date: str = ""
    issued_at: _EpochMs = 0
    first_called_at: _EpochMs = 0
    called_at: _EpochMs = 0
    serving_at: _EpochMs = 0
    finished_at: _EpochMs = 0
    counter: str = ""
    counter_label: str = ""
    operator: str = ""
    outcome: str = ""
    note: str = ""
    recall_count: str = ""
    transfers: str = ""
    reservation: str = ""
    lang: str = ""

    def record(self) -> TicketRecord:
        called = self.called_at or None
        return TicketRecord(  # by position, in the order of TicketRecord's fields
            self.id,
            self.number,
            self.service,
            self.channel,
            self.priority in ("1", "true", "True"),
            self.status,
            self.business_date,
            self.issued_at,
            self.first_called_at or called,
            called,
            self.serving_at or None,
            self.finished_at or None,
            self.counter,
            self.counter_label,
            self.operator,
            self.outcome,
            self.note,
            int(self.recall_count or 0),
            _decode_transfers(self.transfers or "[]"),
            self.reservation,
            self.lang or "ja",
        )


_stored_tickets = msgspec.json.Decoder(list[_StoredTicket], strict=False)


def fast_ticket_records(text: str | bytes) -> tuple[TicketRecord, ...]:
    """The tickets of a JSON array of stored tickets, decoded in one C call (``strict=False`` turns the stored
    strings into numbers) and finished by ``_StoredTicket.record``: each exactly what ``ticket_record`` makes
    of it. ``msgspec.ValidationError`` for an array with a value the fast decoder does not take."""
    return tuple(t.record() for t in _stored_tickets.decode(text))


def ticket_records(text: str | bytes) -> tuple[TicketRecord, ...]:
    """The tickets of a JSON array as ``lua/day_records.lua`` reads them (archived or live), as ``ticket_record``
    reads each: by ``fast_ticket_records`` (about 3.5 times faster), or ``ticket_record`` itself when the array
    holds a value the fast decoder does not take."""
    try:
        return fast_ticket_records(text)
    except msgspec.ValidationError:
        return tuple(ticket_record(t) for t in stored_rows(text))


_rows = msgspec.json.Decoder(list[dict[str, Any]])


def stored_rows(text: str | bytes) -> list[dict[str, Any]]:
    """A JSON array of stored tickets or reservations, as ``lua/day_records.lua`` reads them (archived or live)."""
    return _rows.decode(text)


def day_archive(
    site: str, business_date: str, archived_at: str | None, tickets: str | bytes, reservations: str | bytes
) -> DayArchive:
    """A day from its stored tickets and reservations (JSON arrays), archived or live: the same
    ``ticket_records`` and ``reservation_record`` decode both, so a report of today and of an archived day
    count alike."""
    return DayArchive(
        site=site,
        business_date=business_date,
        archived_at=archived_at,
        tickets=ticket_records(tickets),
        reservations=tuple(reservation_record(r) for r in stored_rows(reservations)),
    )


def reservation_record(r: Mapping[str, Any]) -> ReservationRecord:
    """A stored reservation (hash or archived JSON) without its personal data."""
    return ReservationRecord(
        code=str(r.get("code", "")),
        service=str(r.get("service", "")),
        date=str(r.get("date", "")),
        start=str(r.get("start", "")),
        end=str(r.get("end", "")),
        status=str(r.get("status", "")),
        ticket_number=str(r.get("ticket_number") or ""),
        checked_in_at=str(r.get("checked_in_at") or ""),
    )
