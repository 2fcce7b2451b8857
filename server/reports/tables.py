"""The report as tables with Japanese headers: what the CSV, the XLSX sheets and the printed HTML show.

One list of tables, one order, one set of headers, so the three formats never disagree. Cells are plain
values (text, int, float or None); the writers pass text through ``server.tabular.safe_cell``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from server.reports import model

CellKind = Literal["text", "int", "min"]
Cell = str | int | float | None

CHANNEL_JA = {"walk_in": "発券機", "guide": "総合案内", "reservation": "予約"}
OUTCOME_JA = {
    "completed": "完了",
    "missing_documents": "書類不足",
    "referred_to_city": "本市職員へ引継ぎ",
    "guidance_only": "案内のみ",
    "other": "その他",
}
OUTCOME_SHORT = {**OUTCOME_JA, "referred_to_city": "本市引継ぎ"}
"""As a column header: short enough for a printed A4 table."""
OPENING_JA = {"weekday": "平日", "sunday": "日曜開庁", "outreach": "出張申請", "extra": "臨時開庁", "closed": "閉庁日"}
SITE_KIND_JA = {"office": "庁舎", "outreach": "出張申請会場"}
INCIDENT_CATEGORY_JA = {
    "trouble": "トラブル",
    "complaint": "苦情",
    "improvement": "業務改善",
    "equipment": "機器",
    "other": "その他",
}
INCIDENT_STATUS_JA = {"open": "未報告", "reported": "報告済", "closed": "完了"}


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: CellKind = "int"
    width: int = 10
    """Characters, for the XLSX column width (a kanji counts as two)."""


@dataclass(slots=True)
class Table:
    key: str
    """Sheet name (short Japanese)."""
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)


COUNT_COLUMNS = [
    Column("発券数"),
    Column("対応済"),
    Column("不在"),
    Column("取消"),
    Column("未対応"),
    Column("対応中"),
]
TIMING_COLUMNS = [
    Column("待ち平均(分)", "min", 12),
    Column("待ち中央値(分)", "min", 14),
    Column("待ち90%(分)", "min", 12),
    Column("待ち最大(分)", "min", 12),
    Column("対応平均(分)", "min", 12),
    Column("対応中央値(分)", "min", 14),
    Column("対応90%(分)", "min", 12),
    Column("対応最大(分)", "min", 12),
]


def _counts(row: model.Counts) -> list[Cell]:
    return [row.issued, row.served, row.no_show, row.cancelled, row.unserved, row.open]


def _timing(row: model.Timing) -> list[Cell]:
    return [
        row.wait_avg_min,
        row.wait_median_min,
        row.wait_p90_min,
        row.wait_max_min,
        row.service_avg_min,
        row.service_median_min,
        row.service_p90_min,
        row.service_max_min,
    ]


def _outcomes(o: model.Outcomes) -> list[Cell]:
    return [o.completed, o.missing_documents, o.referred_to_city, o.guidance_only, o.other]


def summary_table(r: model.Report) -> Table:
    t = r.totals
    rows: list[list[Cell]] = [
        ["表題", r.title],
        ["市区町村・事業", r.city],
        ["拠点", r.site_name],
        ["期間", f"{r.from_} 〜 {r.to}"],
        ["集計日まで", r.data_until],
        ["発券数", t.issued],
        ["対応済", t.served],
        *[[f"　うち{OUTCOME_JA[k]}", getattr(t.outcomes, k)] for k in model.OUTCOMES],
        ["不在", t.no_show],
        ["取消", t.cancelled],
        ["未対応（閉庁時）", t.unserved],
        ["対応中（未完了）", t.open],
        ["優先発券", t.priority],
        ["呼び直し（回）", t.recalls],
        ["業務変更（転送）", t.transferred],
        *[[f"経路：{CHANNEL_JA[k]}", getattr(r.by_channel, k)] for k in model.CHANNELS],
        *[[f"{c.header}", v] for c, v in zip(TIMING_COLUMNS, _timing(t), strict=True)],
        ["予約件数", r.reservations.booked],
        ["　うち受付済", r.reservations.checked_in],
        ["　うち来庁なし", r.reservations.no_show],
        ["　うち取消", r.reservations.cancelled],
        ["　うち予約中", r.reservations.pending],
        ["電話問い合わせ", r.phone_inquiries.total],
        ["案内のみ（総合案内）", r.guide_tallies.total],
        ["インシデント", len(r.incidents)],
    ]
    return Table("概要", "概要", [Column("項目", "text", 24), Column("値", "text", 40)], rows)


def service_table(r: model.Report) -> Table:
    columns = [
        Column("業務", "text", 40),
        *COUNT_COLUMNS,
        *[Column(f"うち{OUTCOME_SHORT[k]}", "int", 12) for k in model.OUTCOMES],
        Column("転入", "int", 8),
        Column("転出", "int", 8),
        *TIMING_COLUMNS,
    ]
    rows = [
        [s.name, *_counts(s), *_outcomes(s.outcomes), s.transferred_in, s.transferred_out, *_timing(s)]
        for s in r.by_service
    ]
    rows.append(["合計", *_counts(r.totals), *_outcomes(r.totals.outcomes), None, None, *_timing(r.totals)])
    return Table("業務別", "業務別", columns, rows)


def site_table(r: model.Report) -> Table:
    columns = [
        Column("拠点", "text", 32),
        Column("種別", "text", 12),
        Column("開庁日数"),
        *COUNT_COLUMNS,
        *TIMING_COLUMNS,
    ]
    rows = [[s.name, SITE_KIND_JA.get(s.kind, s.kind), s.days_open, *_counts(s), *_timing(s)] for s in r.by_site]
    return Table("拠点別", "拠点別（出張申請は会場ごと）", columns, rows)


def hour_table(r: model.Report) -> Table:
    columns = [Column("時間帯", "text", 14), Column("発券数"), Column("呼出数"), Column("対応済"), *TIMING_COLUMNS]
    rows = [[f"{h.hour}時台", h.issued, h.called, h.served, *_timing(h)] for h in r.by_hour]
    return Table("時間帯別", "時間帯別", columns, rows)


def counter_table(r: model.Report, site_names: dict[str, str]) -> Table:
    columns = [Column("拠点", "text", 24), Column("窓口", "text", 12), Column("対応済"), *TIMING_COLUMNS]
    rows = [[site_names.get(c.site, c.site), c.label, c.served, *_timing(c)] for c in r.by_counter]
    return Table("窓口別", "窓口別", columns, rows)


def operator_table(r: model.Report) -> Table:
    columns = [Column("担当者", "text", 20), Column("ログインID", "text", 16), Column("対応済"), *TIMING_COLUMNS[4:]]
    rows = [[o.name, o.login, o.served, *_timing(o)[4:]] for o in r.by_operator]
    return Table("担当者別", "担当者別", columns, rows)


def day_table(r: model.Report) -> Table:
    columns = [
        Column("日付", "text", 12),
        Column("曜日", "text", 6),
        Column("開庁", "text", 16),
        *COUNT_COLUMNS,
        Column("電話問い合わせ", "int", 14),
        Column("案内のみ", "int", 10),
        *TIMING_COLUMNS,
    ]
    rows = [
        [d.date, d.weekday, "・".join(OPENING_JA.get(k, k) for k in d.openings), *_counts(d), d.phone, d.guide,
         *_timing(d)]
        for d in r.days
    ]  # fmt: skip
    return Table("日別", "日別", columns, rows)


def month_table(r: model.Report) -> Table:
    columns = [
        Column("月", "text", 14),
        Column("開庁日数"),
        *COUNT_COLUMNS,
        Column("電話問い合わせ", "int", 14),
        Column("案内のみ", "int", 10),
        *TIMING_COLUMNS,
    ]
    rows = [[m.label, m.days_open, *_counts(m), m.phone, m.guide, *_timing(m)] for m in r.months]
    return Table("月別", "月別（4月から）", columns, rows)


def tally_table(r: model.Report) -> Table:
    names = {t.id: t.name for t in r.tally_topics}
    topics = list(dict.fromkeys([*r.phone_inquiries.by_topic, *r.guide_tallies.by_topic]))
    rows: list[list[Cell]] = [
        [names.get(t, t), r.phone_inquiries.by_topic.get(t, 0), r.guide_tallies.by_topic.get(t, 0)] for t in topics
    ]
    rows.append(["合計", r.phone_inquiries.total, r.guide_tallies.total])
    columns = [Column("内容", "text", 24), Column("電話問い合わせ", "int", 14), Column("案内のみ", "int", 10)]
    return Table("問い合わせ", "電話問い合わせ・案内のみ（内容別）", columns, rows)


def longest_table(r: model.Report, site_names: dict[str, str]) -> Table:
    columns = [
        Column("日付", "text", 12),
        Column("拠点", "text", 20),
        Column("番号", "text", 8),
        Column("業務", "text", 36),
        Column("経路", "text", 10),
        Column("発券", "text", 8),
        Column("呼出", "text", 8),
        Column("待ち(分)", "min", 10),
        Column("窓口", "text", 12),
    ]
    rows: list[list[Cell]] = [
        [w.date, site_names.get(w.site, w.site), w.number, w.name, CHANNEL_JA.get(w.channel, w.channel),
         w.issued_at, w.called_at, w.wait_min, w.counter]
        for w in r.longest_waits
    ]  # fmt: skip
    return Table("長い待ち", "待ち時間の長かった番号", columns, rows)


def incident_table(r: model.Report, site_names: dict[str, str]) -> Table:
    columns = [
        Column("報告番号", "text", 22),
        Column("拠点", "text", 20),
        Column("発生日時", "text", 18),
        Column("区分", "text", 10),
        Column("件名", "text", 40),
        Column("状況", "text", 8),
    ]
    rows: list[list[Cell]] = [
        [i.id.partition(".")[2] or i.id, site_names.get(i.site, i.site), i.at.replace("T", " ")[:16],
         INCIDENT_CATEGORY_JA.get(i.category, i.category), i.title, INCIDENT_STATUS_JA.get(i.status, i.status)]
        for i in r.incidents
    ]  # fmt: skip
    return Table("インシデント", "トラブル・苦情・業務改善報告", columns, rows)


def tables(report: model.Report, site_names: dict[str, str]) -> list[Table]:
    """The report's tables in print order; tables that would be empty for this kind of report are left out."""
    builders: list[tuple[bool, Callable[[], Table]]] = [
        (True, lambda: summary_table(report)),
        (True, lambda: service_table(report)),
        (bool(report.by_site), lambda: site_table(report)),
        (bool(report.days), lambda: day_table(report)),
        (bool(report.months), lambda: month_table(report)),
        (bool(report.by_hour), lambda: hour_table(report)),
        (True, lambda: counter_table(report, site_names)),
        (True, lambda: operator_table(report)),
        (True, lambda: tally_table(report)),
        (True, lambda: longest_table(report, site_names)),
        (True, lambda: incident_table(report, site_names)),
    ]
    return [build() for wanted, build in builders if wanted]


def cell_text(value: Any, kind: CellKind = "text") -> str:
    """A cell as the HTML shows it: minutes with one decimal, ``—`` for nothing measured."""
    if value is None:
        return "—" if kind != "text" else ""
    if kind == "min":
        return f"{float(value):.1f}"
    return str(value)


def header_row(table: Table) -> Sequence[str]:
    return [c.header for c in table.columns]
