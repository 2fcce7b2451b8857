"""The report as CSV, XLSX and printable HTML (DESIGN §10). Pure: a ``Report`` in, text or bytes out.

- CSV: UTF-8 with a BOM (Excel in Japan opens it as UTF-8), CRLF, Japanese headers. One file holds every table
  of the report, one after another: a line ``【表の名前】``, the header row, the rows, an empty line. The first
  line names the report (title, site, period).
- XLSX: one sheet per table, the header row bold on a fill and frozen, column widths set, numbers as numbers
  (minutes with one decimal), every text cell through ``safe_cell`` (no formula from a login or a title).
- HTML: A4 portrait, print CSS with page breaks between sections, the city's name, the 和暦 title, boxes for
  the seals or signatures of 責任者 and 確認, and SVG charts drawn here (tickets per hour, waits per hour; per
  day in a monthly report and per month in an annual one). No script, nothing loaded from elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Sequence
from importlib import resources
from typing import Any, Literal

import jinja2
import markupsafe
import msgspec
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from server.reports import model
from server.reports.charts import bar_chart
from server.reports.tables import Cell, Column, Table, cell_text, tables
from server.tabular import csv_text, encode, safe_cell

Format = Literal["json", "csv", "xlsx", "html"]
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
}
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
HEADER_FONT = Font(bold=True)
MINUTES_FORMAT = "0.0"
HTML_COLUMNS = 11
"""Columns of figures per printed table: a wider table is printed as several, the label columns repeated."""


def filename(report: model.Report, fmt: str) -> str:
    """``report-daily-city-hall-2026-11-24.csv``: ASCII, so every browser keeps it."""
    period = (
        report.from_
        if report.kind == "daily"
        else report.from_[:7]
        if report.kind == "monthly"
        else str(report.fiscal_year)
    )
    return f"report-{report.kind}-{report.site}-{period}.{fmt}"


def encode_report(report: model.Report, fmt: str, site_names: dict[str, str]) -> bytes:
    """The report as the bytes of a file in ``fmt``: what the CLI writes and the API sends."""
    if fmt == "csv":
        return encode(to_csv(report, site_names))
    if fmt == "xlsx":
        return to_xlsx(report, site_names)
    if fmt == "html":
        return to_html(report, site_names).encode("utf-8")
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"


# ---- CSV ---------------------------------------------------------------------------------------------


def to_csv(report: model.Report, site_names: dict[str, str]) -> str:
    parts = [csv_text([report.title, report.site_name, f"{report.from_}〜{report.to}"], [])]
    for table in tables(report, site_names):
        parts.append("\r\n" + csv_text([f"【{table.title}】"], []))
        parts.append(csv_text([c.header for c in table.columns], table.rows))
    return "".join(parts)


# ---- XLSX --------------------------------------------------------------------------------------------


def to_xlsx(report: model.Report, site_names: dict[str, str]) -> bytes:
    book = Workbook()
    for sheet in list(book.worksheets):
        book.remove(sheet)
    book.properties.title = report.title
    book.properties.creator = "madoguchi"
    for table in tables(report, site_names):
        _sheet(book, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Workbook, table: Table) -> None:
    sheet = book.create_sheet(table.key[:31])
    sheet.append([safe_cell(c.header) for c in table.columns])
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in table.rows:
        sheet.append([safe_cell(v) for v in row])
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width + 2
        if column.kind == "min":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = MINUTES_FORMAT
    sheet.freeze_panes = "A2"


# ---- HTML --------------------------------------------------------------------------------------------

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("server.reports", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_env.filters["cell"] = cell_text
_CSS = (resources.files("server.reports") / "templates" / "report.css").read_text(encoding="utf-8")
HTML_CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The printed report's own Content-Security-Policy: its one inline style sheet by hash, nothing else at all
(the app's policy allows styles from files only, and a saved report must print without the server)."""


def _printed(table: Table) -> list[Table]:
    """A table as printed on A4: its leading text columns, then at most ``HTML_COLUMNS`` figures at a time."""
    lead = 0
    while lead < len(table.columns) and table.columns[lead].kind == "text":
        lead += 1
    lead = max(lead, 1)
    figures = len(table.columns) - lead
    if figures <= HTML_COLUMNS:
        return [table]
    out: list[Table] = []
    for start in range(lead, len(table.columns), HTML_COLUMNS):
        stop = min(start + HTML_COLUMNS, len(table.columns))
        columns: list[Column] = table.columns[:lead] + table.columns[start:stop]
        rows: list[list[Cell]] = [row[:lead] + row[start:stop] for row in table.rows]
        part = len(out) + 1
        out.append(Table(table.key, f"{table.title}（{part}）", columns, rows))
    return out


def _chart(title: str, labels: list[str], values: Sequence[float | None], **kw: Any) -> tuple[str, markupsafe.Markup]:
    # the SVG is built in charts.py from numbers, with every label escaped there
    return title, markupsafe.Markup(bar_chart(labels, values, title=title, **kw))


def report_charts(report: model.Report) -> list[tuple[str, markupsafe.Markup]]:
    """Tickets and waits per hour; per day (monthly) or per month (annual) too: (caption, SVG) pairs, for the
    printed report and the reports page alike."""
    charts = []
    hours = report.by_hour
    if hours and any(h.issued for h in hours):
        labels = [f"{h.hour}時" for h in hours]
        charts.append(_chart("時間帯別の発券数", labels, [h.issued for h in hours], unit="件", bar_label="発券数"))
        charts.append(
            _chart("時間帯別の待ち時間（発券時刻別）", labels, [h.wait_avg_min for h in hours],
                   marks=[h.wait_p90_min for h in hours], unit="分", bar_label="平均", mark_label="90パーセンタイル")
        )  # fmt: skip
    rows: Sequence[model.DayRow | model.MonthRow] = report.days or report.months
    if rows:
        labels = [r.date[8:].lstrip("0") if isinstance(r, model.DayRow) else f"{int(r.month[5:])}月" for r in rows]
        what = "日別" if report.days else "月別"
        charts.append(_chart(f"{what}の発券数", labels, [r.issued for r in rows], unit="件", bar_label="発券数"))
        charts.append(
            _chart(f"{what}の待ち時間", labels, [r.wait_avg_min for r in rows], marks=[r.wait_p90_min for r in rows],
                   unit="分", bar_label="平均", mark_label="90パーセンタイル")
        )  # fmt: skip
    return charts


def to_html(report: model.Report, site_names: dict[str, str]) -> str:
    summary, *rest = tables(report, site_names)
    details = summary.rows[5:]  # title, city, site and period are in the page's head
    half = (len(details) + 1) // 2
    return _env.get_template(
        "report.html"
    ).render(
        report=report,
        css=markupsafe.Markup(_CSS),  # our own file: quotes in font names must stay quotes
        summary_halves=[details[:half], details[half:]],
        tables=[part for table in rest for part in _printed(table)],
        charts=report_charts(report),
        kind_ja={"daily": "日報", "monthly": "月報", "annual": "年報"}[report.kind],
    )
