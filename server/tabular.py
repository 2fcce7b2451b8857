"""Tables for spreadsheets: the one way every CSV (and, for the reports, XLSX) export writes its cells.

Formula injection: Excel and LibreOffice take a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return for a formula, so a login typed as ``=HYPERLINK(...)`` on the sign-in page became a live link
in the audit CSV a manager opened. ``safe_cell`` puts a single quote before such a text (OWASP's advice): the
spreadsheet shows it as text. Numbers, dates and empty cells stay what they are, so an XLSX writer (openpyxl)
passes every cell through ``safe_cell`` and still gets numbers as numbers; ``-3`` as an int is a number, the
text ``"-3"`` is shown as text.

CSV files are written one way: CRLF line ends as Excel writes them, UTF-8 with a BOM (what Excel in Japan
opens as UTF-8) or Shift_JIS (cp932, as Windows writes it). ``csv_download`` answers a download and names its
character set once: Litestar appends ``charset`` to every ``text/`` media type by itself, so a media type that
carried one already was sent with two.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal
from typing import Literal

from litestar import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = b"\xef\xbb\xbf"
Encoding = Literal["utf-8", "shift_jis"]


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet must show it: a text beginning like a formula gets a leading ``'``.

    ``None``, numbers (``bool`` too), dates and times are returned as they are; anything else as its text.
    """
    if value is None or isinstance(value, int | float | Decimal | date | time):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """A header row and the rows as CSV text, CRLF line ends, every cell through ``safe_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def encode(text: str, encoding: Encoding = "utf-8") -> bytes:
    """``utf-8`` with a BOM, or ``shift_jis`` (cp932: a character it lacks becomes ``?``)."""
    if encoding == "shift_jis":
        return text.encode("cp932", errors="replace")
    return BOM + text.encode("utf-8")


def csv_download(text: str, filename: str, encoding: Encoding = "utf-8") -> Response[bytes]:
    """CSV text as a file download: ``content-type: text/csv; charset=<encoding>``, exactly one charset."""
    return Response(
        encode(text, encoding),
        media_type="text/csv",
        encoding=encoding,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
