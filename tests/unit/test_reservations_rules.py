"""Reservation rules without I/O: codes, slots and capacity, the check-in window, names, phones, search, CSV."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.calendar import resolve_opening
from server.config import Config, default_config_path, load_config
from server.reservations import codes, csvio, rules

TZ = ZoneInfo("Asia/Tokyo")
CONFIG = load_config(default_config_path())
code_bodies = st.text(alphabet=codes.ALPHABET, min_size=codes.CODE_LENGTH, max_size=codes.CODE_LENGTH)


@pytest.fixture(scope="module")
def config() -> Config:
    return CONFIG


# ---- codes ---------------------------------------------------------------------------------------


def test_alphabet_leaves_out_what_people_confuse() -> None:
    assert not set("0O1ILZ") & set(codes.ALPHABET)
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 30


def test_new_codes_are_valid_and_short() -> None:
    made = {codes.new_code() for _ in range(200)}
    assert all(len(c) == codes.CODE_LENGTH + 1 and codes.is_valid(c) for c in made)
    assert len(made) == 200


@given(code_bodies, st.integers(min_value=0, max_value=codes.CODE_LENGTH), st.sampled_from(codes.ALPHABET))
def test_one_wrong_character_is_always_caught(body: str, position: int, other: str) -> None:
    code = body + codes.check_char(body)
    wrong = code[:position] + other + code[position + 1 :]
    assert codes.is_valid(wrong) == (wrong == code)


@given(code_bodies)
def test_typed_forms_of_a_code_normalize_to_it(body: str) -> None:
    code = body + codes.check_char(body)
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    for typed in (code.lower(), codes.spaced(code), codes.spaced(code).replace(" ", "-"), fullwidth):
        assert codes.normalize(typed) == code


def test_malformed_codes_are_not_valid() -> None:
    assert not codes.is_valid("")
    assert not codes.is_valid("ABCD2345")
    assert not codes.is_valid("OOOOOO")


# ---- slots and capacity --------------------------------------------------------------------------


def test_weekday_slots_end_by_the_last_ticket(config: Config) -> None:
    opening = resolve_opening(config, "city-hall", dt.date(2026, 11, 24))
    found = rules.slots(opening, 30)
    assert (found[0].label, found[-1].label, rules.hhmm(found[-1].end)) == ("08:30", "16:00", "16:30")
    assert len(found) == 16
    assert rules.slot_of(opening, 30, "10:00") is not None and rules.slot_of(opening, 30, "10:15") is None


def test_sunday_opening_slots_and_services(config: Config) -> None:
    sunday = next(o for o in config.sunday_openings if o.site == "city-hall" and "pickup" in o.services)
    opening = resolve_opening(config, "city-hall", sunday.date)
    assert rules.slots(opening, 30)[0].label == sunday.opens_at
    assert rules.capacity(config, opening, "pickup") == len(opening.counters)
    assert rules.capacity(config, opening, "application") == 0  # not offered on Sundays


@pytest.mark.parametrize(
    ("site", "day", "service", "places"),
    [
        ("city-hall", dt.date(2026, 10, 27), "pickup", 3),
        ("city-hall", dt.date(2026, 11, 24), "pickup", 6),
        ("tsuyazaki", dt.date(2026, 10, 27), "application", 1),
        ("tsuyazaki", dt.date(2026, 11, 24), "application", 2),
        ("tsuyazaki", dt.date(2026, 11, 24), "pickup", 0),
        ("city-hall", dt.date(2026, 11, 24), "e-cert", 0),
        ("city-hall", dt.date(2026, 11, 21), "pickup", 0),  # Saturday
    ],
)
def test_capacity_is_active_counters_times_places(
    config: Config, site: str, day: dt.date, service: str, places: int
) -> None:
    assert rules.capacity(config, resolve_opening(config, site, day), service) == places


def test_availability_of_today_leaves_nothing_in_started_slots(config: Config) -> None:
    opening = resolve_opening(config, "city-hall", dt.date(2026, 11, 24))
    now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ)
    found = rules.availability(config, opening, "pickup", {"10:30": 6, "11:00": 2}, now)
    by_start = {s["start"]: s for s in found}
    assert by_start["10:00"]["available"] == 0 and by_start["09:30"]["available"] == 0
    assert by_start["10:30"] == {"start": "10:30", "end": "11:00", "capacity": 6, "booked": 6, "available": 0}
    assert by_start["11:00"]["available"] == 4


def test_checkin_window_is_clamped_to_the_opening(config: Config) -> None:
    opening = resolve_opening(config, "city-hall", dt.date(2026, 11, 24))
    first = rules.checkin_window(config, opening, dt.datetime(2026, 11, 24, 8, 30, tzinfo=TZ))
    assert f"{first.opens:%H:%M}" == "08:30"  # never before the doors open
    mid = rules.checkin_window(config, opening, dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ))
    assert (f"{mid.opens:%H:%M}", f"{mid.closes:%H:%M}") == ("09:30", "10:15")


@pytest.mark.parametrize(
    ("status", "date", "site", "expected"),
    [
        ("booked", "2026-11-24", "city-hall", None),
        ("booked", "2026-11-25", "city-hall", "reservation_not_today"),
        ("booked", "2026-11-24", "tsuyazaki", "reservation_wrong_site"),
        ("checked_in", "2026-11-24", "city-hall", "already_checked_in"),
        ("cancelled", "2026-11-24", "city-hall", "reservation_cancelled"),
        ("no_show", "2026-11-24", "city-hall", "reservation_no_show"),
    ],
)
def test_checkin_refusals(status: str, date: str, site: str, expected: str | None) -> None:
    assert rules.checkin_refusal(status, date, site, "city-hall", dt.date(2026, 11, 24)) == expected


def test_release_and_purge_times(config: Config) -> None:
    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ)
    assert rules.release_at(start, config) == start + dt.timedelta(minutes=20)
    assert rules.purge_at(dt.date(2026, 11, 24), config) == dt.datetime(2026, 12, 25, tzinfo=TZ)


# ---- names, phones, search -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ヤマダ タロウ", "ヤマダ タロウ"),
        ("やまだ　たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ  ﾀﾛｳ", "ヤマダ タロウ"),
        (" ヴァン・ゴッホ ", "ヴァン・ゴッホ"),
    ],
)
def test_names_become_full_width_katakana(typed: str, stored: str) -> None:
    assert rules.normalize_name(typed) == stored


@pytest.mark.parametrize("typed", ["", "山田", "Yamada", "ヤマダ1", "ア" * 41])
def test_names_that_are_not_kana_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        rules.normalize_name(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("090-1234-5678", "090-1234-5678"), ("０９４０−４２−１１１１", "0940-42-1111"), ("0312345678", "0312345678")],
)
def test_phones_keep_digits_and_hyphens(typed: str, stored: str) -> None:
    assert rules.normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "090-1234", "090-1234-56789", "+81 90 1234 5678", "090(1234)5678"])
def test_bad_phones_are_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        rules.normalize_phone(typed)


@given(st.text(alphabet="アイウエオカキクケコサシスセソタチツテトナニヌネノ ", min_size=1, max_size=20))
def test_any_part_of_a_name_finds_it(name: str) -> None:
    name = " ".join(name.split())
    if not name:
        return
    part = name.replace(" ", "")[1:4] or name
    assert rules.matches(part, "K7M3QX", name, "090-0000-0000")


def test_search_by_code_kana_or_phone_digits() -> None:
    hit = ("K7M3QX", "フクツ ハナコ", "090-1234-5678")
    assert rules.matches("k7m", *hit) and rules.matches("ふくつ", *hit) and rules.matches("ﾊﾅｺ", *hit)
    assert rules.matches("5678", *hit) and rules.matches("1234-5678", *hit)
    assert not rules.matches("ヤマダ", *hit) and not rules.matches("12", *hit) and not rules.matches("9999", *hit)
    assert rules.matches("", *hit)


# ---- CSV -----------------------------------------------------------------------------------------

SERVICES = {"pickup": "pickup", "カード交付": "pickup", "application": "application"}
reservations = st.fixed_dictionaries(
    {
        "code": code_bodies.map(lambda b: b + codes.check_char(b)),
        "date": st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)).map(dt.date.isoformat),
        "start": st.sampled_from(["08:30", "10:00", "16:00"]),
        "end": st.sampled_from(["09:00", "10:30", "16:30"]),
        "service": st.sampled_from(["pickup", "application"]),
        "name": st.sampled_from(["ヤマダ タロウ", "フクツ ハナコ", "ヴァン・ゴッホ"]),
        "phone": st.sampled_from(["090-1234-5678", "0940-42-1111"]),
        "status": st.sampled_from(rules.STATUSES),
    }
)


@given(st.lists(reservations, max_size=8), st.sampled_from(["utf-8", "shift_jis"]))
def test_format_then_parse_gives_the_same_rows(rows: list[dict[str, str]], encoding: str) -> None:
    data = csvio.encode(csvio.format_rows(rows), encoding)
    parsed, problems = csvio.parse(csvio.decode(data), SERVICES)
    assert problems == []
    assert [
        {"code": r.code, "date": r.date.isoformat(), "start": r.start, "end": r.end, "service": r.service,
         "name": r.name, "phone": r.phone, "status": r.status} for r in parsed
    ] == rows  # fmt: skip


def test_encodings_are_detected() -> None:
    text = "予約番号\r\n"
    assert csvio.decode(("\ufeff" + text).encode("utf-8")) == text
    assert csvio.decode(text.encode("utf-8")) == text
    assert csvio.decode(text.encode("cp932")) == text
    assert csvio.encode(text, "utf-8").startswith(b"\xef\xbb\xbf")


def test_every_bad_cell_is_named_by_row_and_column() -> None:
    text = "\r\n".join(
        [
            ",".join(csvio.HEADER_JA),
            ",2026/11/24,10:00,,カード交付,ヤマダ タロウ,090-1234-5678,予約済",
            "XXXXXX,2026-13-01,25:00,9,nothing,山田,12,maybe",
            "too,few",
        ]
    )
    rows, problems = csvio.parse(text, SERVICES)
    assert [(r.row, r.date, r.service, r.status, r.code) for r in rows] == [
        (2, dt.date(2026, 11, 24), "pickup", "booked", "")
    ]
    assert {(p.row, p.column) for p in problems} == {
        (3, "code"), (3, "date"), (3, "start"), (3, "end"), (3, "service"), (3, "name"), (3, "phone"),
        (3, "status"), (4, ""),
    }  # fmt: skip


def test_a_wrong_header_or_an_empty_file_is_one_problem() -> None:
    assert csvio.parse("", SERVICES)[1][0].message.startswith("the file is empty")
    rows, problems = csvio.parse("a,b,c\r\n1,2,3", SERVICES)
    assert rows == [] and len(problems) == 1 and problems[0].row == 1


def test_nothing_is_available_beyond_the_booking_horizon(config: Config) -> None:
    now = dt.datetime(2026, 10, 1, 9, 0, tzinfo=TZ)
    inside = resolve_opening(config, "city-hall", dt.date(2026, 11, 30))  # 60 days on
    beyond = resolve_opening(config, "city-hall", dt.date(2026, 12, 1))
    assert {s["available"] for s in rules.availability(config, inside, "pickup", {}, now)} == {6}
    assert {s["available"] for s in rules.availability(config, beyond, "pickup", {}, now)} == {0}


def test_rows_are_numbered_as_the_spreadsheet_shows_them_also_after_blank_rows() -> None:
    text = "\r\n".join(
        [
            ",".join(csvio.HEADER_JA),
            "",
            ",,,,,,,",
            ",2026-11-24,10:00,,カード交付,ヤマダ タロウ,090-1234-5678,予約済",
            ",2026-11-24,25:00,,カード交付,ヤマダ タロウ,090-1234-5678,予約済",
        ]
    )
    rows, problems = csvio.parse(text, SERVICES)
    assert [r.row for r in rows] == [4]
    assert [(p.row, p.column) for p in problems] == [(5, "start")]
