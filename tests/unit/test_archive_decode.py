"""The fast decoder of stored tickets (``ticket_records``: one msgspec call per day) reads every stored ticket
exactly as ``ticket_record`` reads it, so a report's figures do not depend on which of the two read a day."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.queue.archive import fast_ticket_records, stored_rows, ticket_record, ticket_records

DIGITS = st.integers(1, 2**53).map(str)
"""A time as the scripts store it: epoch milliseconds as text."""
ODD_TIMES = st.sampled_from(["", "0", "-0", "-5", "null", " 5", "5 ", "1.0", "1e3", "1.5", "9007199254740993", "x"])
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_.:/ 窓口受付", max_size=12)
TRANSFER = st.fixed_dictionaries(
    {"from": st.sampled_from(["pickup", "application"]), "to": st.sampled_from(["pickup", "e-cert"]),
     "at": st.just("2026-11-24T10:10:00.000+09:00")},
    optional={"operator": WORDS, "counter": WORDS, "note": WORDS},
)  # fmt: skip
TRANSFERS = st.one_of(
    st.sampled_from(["[]", "{}"]),  # Lua's cjson writes an empty list as {}
    st.lists(TRANSFER, min_size=1, max_size=3).map(lambda ts: msgspec.json.encode(ts).decode()),
)
STORED = st.fixed_dictionaries(
    {
        "id": WORDS, "number": st.from_regex(r"[A-Z][0-9]{3}", fullmatch=True),
        "service": st.sampled_from(["pickup", "application", "e-cert"]),
        "channel": st.sampled_from(["walk_in", "guide", "reservation"]),
        "priority": st.sampled_from(["0", "1", "true", "True", "TRUE", ""]),  # the scripts write 0 or 1
        "status": st.sampled_from(["waiting", "called", "serving", "done", "no_show", "cancelled", "unserved"]),
        "business_date": st.just("2026-11-24"), "issued_at": DIGITS, "recall_count": st.sampled_from(["0", "1", "12"]),
        "transfers": TRANSFERS, "klass": st.sampled_from(["walk", "resv"]), "order": DIGITS, "slot_at": st.just(""),
    },
    optional={
        "called_at": DIGITS, "first_called_at": DIGITS, "serving_at": DIGITS, "finished_at": DIGITS,
        "counter": WORDS, "counter_label": WORDS, "operator": WORDS, "outcome": WORDS, "note": WORDS,
        "reservation": WORDS, "lang": st.sampled_from(["ja", "en", ""]),
    },
)  # fmt: skip
"""A ticket as the scripts store it: every value text, the fields of later steps missing until then."""
ANY_VALUE = st.one_of(
    WORDS, DIGITS, ODD_TIMES, TRANSFERS, st.sampled_from(["true", "True", "false", "TRUE", "yes"]),
    st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
FIELDS = [
    "id", "number", "service", "channel", "priority", "status", "business_date", "issued_at", "recall_count",
    "transfers", "klass", "order", "slot_at", "called_at", "first_called_at", "serving_at", "finished_at", "counter",
    "counter_label", "operator", "outcome", "note", "reservation", "lang",
]  # fmt: skip


ANY_STORED = st.dictionaries(st.sampled_from(FIELDS), ANY_VALUE)
"""Whatever a stored ticket might hold: any field missing, numbers, nulls, odd texts."""
UNREADABLE = (ValueError, TypeError, msgspec.DecodeError)
"""What ``ticket_record`` raises for a ticket it cannot read (a recall count "x", transfers that are not JSON)."""


def as_stored(tickets: list[dict[str, Any]], *, cjson: bool) -> bytes:
    """The JSON array ``lua/day_records.lua`` returns; cjson also writes "/" as "\\/"."""
    text = msgspec.json.encode(tickets)
    return text.replace(b"/", b"\\/") if cjson else text


def slow(text: bytes) -> tuple[Any, ...]:
    return tuple(ticket_record(t) for t in stored_rows(text))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STORED, max_size=8), st.booleans())
def test_stored_tickets_decode_fast_exactly_as_ticket_record_reads_them(
    tickets: list[dict[str, Any]], cjson: bool
) -> None:
    text = as_stored(tickets, cjson=cjson)
    assert fast_ticket_records(text) == slow(text)
    assert ticket_records(text) == slow(text)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_STORED, max_size=4))
def test_any_stored_value_decodes_as_ticket_record_reads_it_or_fails_alike(tickets: list[dict[str, Any]]) -> None:
    text = as_stored(tickets, cjson=False)
    try:
        expected = slow(text)
    except UNREADABLE:
        with pytest.raises(UNREADABLE):
            ticket_records(text)
        return
    assert ticket_records(text) == expected


def test_an_empty_transfer_list_written_as_an_object_and_missing_fields() -> None:
    issued = {"id": "city-hall.1", "status": "waiting", "issued_at": "1795000000000", "transfers": "{}"}
    moved = {
        "id": "city-hall.2", "status": "done", "issued_at": "1795000000000", "called_at": "1795000300000",
        "serving_at": "1795000310000", "finished_at": "1795000900000", "priority": "1", "recall_count": "2",
        "transfers": '[{"from":"application","to":"pickup","at":"2026-11-24T10:10:00+09:00","note":"a/b"}]',
        "lang": "",
    }  # fmt: skip
    first, second = fast_ticket_records(as_stored([issued, moved], cjson=True))
    assert first.transfers == () and first.called_at_ms is None and first.lang == "ja" and first.counter == ""
    assert second.first_called_at_ms == second.called_at_ms == 1795000300000  # no first_called_at: the call
    assert second.priority and second.recall_count == 2 and second.lang == "ja"
    assert [(t.from_service, t.to, t.note) for t in second.transfers] == [("application", "pickup", "a/b")]


@pytest.mark.parametrize(
    ("odd", "called"), [("", None), ("0", None), ("-5", -5), ("1.5", 1), ("9007199254740993", 9007199254740992)]
)
def test_a_time_the_fast_decoder_does_not_take_is_read_by_ticket_record(odd: str, called: int | None) -> None:
    text = as_stored([{"id": "city-hall.1", "status": "called", "issued_at": "1795000000000", "called_at": odd}],
                     cjson=False)  # fmt: skip
    with pytest.raises(msgspec.ValidationError):
        fast_ticket_records(text)
    assert ticket_records(text) == slow(text)
    assert ticket_records(text)[0].called_at_ms == called
