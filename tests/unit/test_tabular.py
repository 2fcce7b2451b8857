"""The cells every CSV and XLSX export writes: formulas shown as text, everything else as it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from server.tabular import csv_text, encode, safe_cell


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","y")', "+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_text_that_a_spreadsheet_would_run_is_shown_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["090-1234-5678", "フクツ タロウ", "a=b", "", "'=1", 0, -3, 2.5, Decimal("-1.5"), True, None,
              dt.date(2026, 11, 24), dt.datetime(2026, 11, 24, 10, 0), dt.time(9, 30)],
)  # fmt: skip
def test_other_cells_and_numbers_stay_as_they_are(value: object) -> None:
    assert safe_cell(value) == value  # an XLSX writer keeps numbers and dates typed


def test_csv_has_crlf_lines_and_a_bom_or_shift_jis() -> None:
    text = csv_text(["氏名", "件数"], [["=1+1", -3], [None, 4]])
    assert text == "氏名,件数\r\n'=1+1,-3\r\n,4\r\n"
    assert encode(text) == b"\xef\xbb\xbf" + text.encode("utf-8")
    assert encode(text, "shift_jis") == text.encode("cp932")
