"""The day's reservations as CSV, to exchange with the city's reservation system. Pure.

Columns, in this order: code, date, start, end, service, name, phone, status. The header row is written in
Japanese (``HEADER_JA``); on import either the Japanese or the machine names (``COLUMNS``) are accepted.
Files are UTF-8 with a BOM (what Excel in Japan opens), or Shift_JIS/cp932 (``encoding=shift_jis``); an
import detects which: a BOM or valid UTF-8 is UTF-8, anything else is read as cp932. Exports are written by
``server.tabular`` like every other CSV: a cell that would begin like a formula is shown as text.

Parsing checks the form of every cell and collects every problem as ``{row, column, message}`` (rows
counted as a spreadsheet shows them: the header is row 1). Whether a slot exists and has room is the
store's business: it adds its problems to the same list before anything is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from server import tabular
from server.reservations import codes, rules
from server.tabular import encode as encode  # the bytes of ``format_rows``, the inverse of ``decode``

COLUMNS = ("code", "date", "start", "end", "service", "name", "phone", "status")
HEADER_JA = ("予約番号", "予約日", "開始時刻", "終了時刻", "業務", "氏名（カナ）", "電話番号", "状態")
STATUS_JA = {"booked": "予約済", "checked_in": "受付済", "no_show": "来庁なし", "cancelled": "取消"}
MAX_ROWS = 5000

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Row:
    """One reservation read from a file, its cells checked for form."""

    row: int
    code: str  # "" = give it a new code
    date: dt.date
    start: str  # "HH:MM"
    end: str  # "HH:MM" or "" (= the slot's end)
    service: str  # a service id
    name: str
    phone: str
    status: str


@dataclass(frozen=True, slots=True)
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


def decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM) when it is that, else Shift_JIS (cp932)."""
    if data.startswith(tabular.BOM):
        return data[len(tabular.BOM) :].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp932")


def format_rows(reservations: Iterable[Mapping[str, object]]) -> str:
    """CSV text: the Japanese header, then one line per reservation (CRLF line ends, as Excel writes); turn it
    into bytes with ``encode``."""
    return tabular.csv_text(HEADER_JA, ([r.get(c) for c in COLUMNS] for r in reservations))


def parse(text: str, service_ids: Mapping[str, str]) -> tuple[list[Row], list[Problem]]:
    """Rows and every problem of a CSV text. ``service_ids`` maps what the file may say (an id or a
    Japanese name) to a service id."""
    reader = csv.reader(io.StringIO(text))
    problems: list[Problem] = []
    try:
        lines = list(reader)
    except csv.Error as exc:
        return [], [Problem(reader.line_num, "", f"not readable as CSV: {exc}")]
    # number the rows before leaving out blank ones, so a problem names the row the spreadsheet shows
    numbered = [(index, line) for index, line in enumerate(lines, start=1) if any(cell.strip() for cell in line)]
    if not numbered:
        return [], [Problem(1, "", "the file is empty: it needs a header row and one row per reservation")]
    header_row, first = numbered[0]
    header = tuple(cell.strip().lstrip("\ufeff") for cell in first)
    if header not in (COLUMNS, HEADER_JA):
        expected = ",".join(HEADER_JA)
        return [], [Problem(header_row, "", f"the header must be {expected} (or {','.join(COLUMNS)})")]
    if len(numbered) - 1 > MAX_ROWS:
        return [], [Problem(header_row, "", f"at most {MAX_ROWS} reservations at a time")]
    rows: list[Row] = []
    for index, cells in numbered[1:]:
        row, found = _row(index, cells, service_ids)
        problems += found
        if row is not None:
            rows.append(row)
    return rows, problems


def _row(index: int, cells: list[str], service_ids: Mapping[str, str]) -> tuple[Row | None, list[Problem]]:
    if len(cells) != len(COLUMNS):
        return None, [Problem(index, "", f"{len(cells)} columns, expected {len(COLUMNS)}")]
    raw = dict(zip(COLUMNS, (cell.strip() for cell in cells), strict=True))
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(index, column, message))

    code = codes.normalize(raw["code"])
    if code and not codes.is_valid(code):
        bad("code", f"{raw['code']!r} is not a reservation code (leave it empty for a new code)")
    day = _date(raw["date"])
    if day is None:
        bad("date", f"{raw['date']!r} is not a date (YYYY-MM-DD)")
    start = _time(raw["start"])
    if start is None:
        bad("start", f"{raw['start']!r} is not a time (HH:MM)")
    end = _time(raw["end"]) if raw["end"] else ""
    if end is None:
        bad("end", f"{raw['end']!r} is not a time (HH:MM)")
    service = service_ids.get(raw["service"])
    if service is None:
        bad("service", f"unknown service {raw['service']!r}")
    name = phone = ""
    try:
        name = rules.normalize_name(raw["name"])
    except ValueError as exc:
        bad("name", str(exc))
    try:
        phone = rules.normalize_phone(raw["phone"])
    except ValueError as exc:
        bad("phone", str(exc))
    status = _status(raw["status"])
    if status is None:
        bad("status", f"unknown status {raw['status']!r} (one of {', '.join(rules.STATUSES)})")
    if problems or day is None or start is None or end is None or service is None or status is None:
        return None, problems
    return Row(index, code, day, start, end, service, name, phone, status), []


def _date(text: str) -> dt.date | None:
    """YYYY-MM-DD, or YYYY/M/D as Excel writes dates."""
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _time(text: str) -> str | None:
    match = _TIME.match(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return f"{int(match[1]):02d}:{match[2]}"


def _status(text: str) -> str | None:
    if text == "":
        return "booked"
    if text in rules.STATUSES:
        return text
    return next((status for status, ja in STATUS_JA.items() if ja == text), None)
