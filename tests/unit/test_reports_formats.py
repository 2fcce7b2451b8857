"""The report as CSV (BOM, Japanese headers), XLSX (a sheet per table, typed numbers, styled frozen header) and
printable A4 HTML (和暦 title, seal boxes, SVG charts, nothing loaded from elsewhere)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from server.reports import model
from server.reports.compute import build_report
from server.reports.formats import filename, to_csv, to_html, to_xlsx
from server.reports.periods import Period
from server.tabular import encode
from tests.reports_factory import CONFIG, GENERATED, day_data, ticket

SITE_NAMES = {s.id: s.name for s in CONFIG.sites}
EVIL = '=HYPERLINK("http://x","y")'


def _report(period: Period | None = None) -> model.Report:
    tickets = [
        ticket(issued="09:10", called="09:30", serving="09:31", finished="09:41"),
        ticket(issued="10:00", called="10:02", operator="op-evil"),
        ticket(service="e-cert", status="no_show", issued="11:00", called="11:05"),
    ]
    days = [day_data("2026-11-24", tickets, tallies={"phone": {"reservation": 2}})]
    return build_report(period or Period.daily(dt.date(2026, 11, 24)), ["city-hall"], days, config=CONFIG,
                        today=dt.date(2026, 11, 30), generated_at=GENERATED,
                        names={"op-evil": EVIL, "op-sato": "<b>佐藤</b>"})  # fmt: skip


def _sections(text: str) -> dict[str, list[list[str]]]:
    """The CSV's tables by title: {"業務別": [header, row, ...]}."""
    out: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) == 1 and row[0].startswith("【"):
            current = out.setdefault(row[0].strip("【】"), [])
        elif row:
            current.append(row)
    return out


def test_csv_opens_as_utf8_with_a_bom_and_japanese_headers() -> None:
    data = encode(to_csv(_report(), SITE_NAMES))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("令和8年11月24日 日報,福津市役所")
    assert "\r\n" in text
    sections = _sections(text)
    header, *rows = sections["業務別"]
    assert header[:3] == ["業務", "発券数", "対応済"]
    pickup = next(r for r in rows if r[0] == "カード交付")
    assert (pickup[1], pickup[2]) == ("2", "2")
    assert rows[-1][0] == "合計" and rows[-1][1] == "3"
    operators = sections["担当者別"]
    assert ["'" + EVIL] in [r[:1] for r in operators[1:]]  # a formula-like name is shown as text
    assert sections["時間帯別"][0][0] == "時間帯"


def test_xlsx_has_a_sheet_per_table_typed_numbers_and_a_frozen_styled_header() -> None:
    book = load_workbook(io.BytesIO(to_xlsx(_report(), SITE_NAMES)))
    assert book.sheetnames[:3] == ["概要", "業務別", "時間帯別"]
    assert {"窓口別", "担当者別", "問い合わせ", "長い待ち", "インシデント"} <= set(book.sheetnames)
    sheet = book["業務別"]
    assert sheet.freeze_panes == "A2"
    head = sheet["A1"]
    assert head.value == "業務" and head.font.b and head.fill.fgColor.rgb.endswith("DDE6F0")
    assert sheet.column_dimensions["A"].width >= 40
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["カード交付"][1] == 2 and isinstance(rows["カード交付"][1], int)
    wait_col = [c.value for c in sheet[1]].index("待ち平均(分)")
    assert rows["カード交付"][wait_col] == 11.0  # waits 20 and 2 minutes: a number, not the text "11.0"
    assert sheet.cell(row=2, column=wait_col + 1).number_format == "0.0"
    ops = [r[0] for r in book["担当者別"].iter_rows(min_row=2, values_only=True)]
    assert "'" + EVIL in ops


def test_html_is_an_a4_page_with_the_wareki_title_seal_boxes_and_svg_charts() -> None:
    html = to_html(_report(), SITE_NAMES)
    assert "<title>令和8年11月24日 日報（福津市役所）</title>" in html
    assert "<h1>令和8年11月24日 日報</h1>" in html
    assert "福津市 マイナンバーカード窓口" in html
    assert "@page" in html and "A4" in html and "break-inside" in html
    assert "<th>責任者</th>" in html and "<th>確認</th>" in html
    assert html.count("<svg") == 2 and "時間帯別の発券数" in html and "時間帯別の待ち時間" in html
    assert (
        "<script" not in html
        and "src=" not in html
        and "http://"
        not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(EVIL.replace('"', "&#34;"), "")
    )
    assert "&lt;b&gt;佐藤&lt;/b&gt;" in html and "<b>佐藤</b>" not in html


@pytest.mark.parametrize(("period", "charts"), [(Period.monthly(2026, 11), 4), (Period.annual(2026), 4)])
def test_monthly_and_annual_html_chart_days_or_months(period: Period, charts: int) -> None:
    report = _report(period)
    html = to_html(report, SITE_NAMES)
    assert html.count("<svg") == charts
    assert ("日別の発券数" if period.kind == "monthly" else "月別の発券数") in html
    assert report.title in html


def test_filenames() -> None:
    assert filename(_report(), "csv") == "report-daily-city-hall-2026-11-24.csv"
    assert filename(_report(Period.monthly(2026, 11)), "xlsx") == "report-monthly-city-hall-2026-11.xlsx"
    assert filename(_report(Period.annual(2026)), "html") == "report-annual-city-hall-2026.html"
