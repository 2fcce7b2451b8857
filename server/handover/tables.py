"""The files of a handover archive: every column once, and how a stored record becomes a row and back.

Each ``Table`` lists its columns with the JSON field name, the Japanese CSV header and what the column means in
Japanese and English. The JSON Lines rows, the CSV headers, the README of the archive and the import's checks
are all built from these lists, so the README says exactly what a file holds. A column is a list of what may
leave the store (like ``server.queue.archive.RESERVATION_FIELDS``): a field added to tickets or reservations
later stays out of exports until someone adds it here.

Times: JSON Lines carry ISO 8601 with milliseconds and the offset (``2026-11-24T10:05:00.000+09:00``, Asia/Tokyo),
exact enough to load back; the CSV files carry the local time as ``2026-11-24 10:05:00``, which Excel and
LibreOffice read as a date and time (an ISO text with ``T`` and an offset stays text in Excel).

Pure: no redis, no files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec

from server.office.models import INCIDENT_CATEGORIES, INCIDENT_STATUSES, TALLY_KINDS, IncidentRecord
from server.queue.archive import RESERVATION_FIELDS, ticket_record
from server.reports.tables import CHANNEL_JA, INCIDENT_CATEGORY_JA, INCIDENT_STATUS_JA, OUTCOME_JA

Kind = Literal["text", "int", "bool", "date", "time", "ms", "transfers", "minutes"]
"""``time``: stored as an ISO text; ``ms``: stored as epoch milliseconds; both are ISO 8601 in a row.
``minutes``: a number of minutes computed for the reader (never loaded back)."""

Row = dict[str, Any]


class RowInvalid(ValueError):
    """A row of an archive that does not have the shape its table says (names the column)."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    """The JSON Lines field."""
    header: str
    """The CSV header (Japanese)."""
    ja: str
    en: str
    kind: Kind = "text"
    derived: bool = False
    """Computed for the reader from the other columns (a name, a wait in minutes); an import ignores it."""
    optional: bool = False
    """May be missing from a row."""


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    """The file name without extension: ``<site>/<name>.jsonl`` and ``.csv`` (``staff`` sits at the top)."""
    title_ja: str
    title_en: str
    about_ja: str
    about_en: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _c(name: str, header: str, ja: str, en: str, kind: Kind = "text", **flags: bool) -> Column:
    return Column(name, header, ja, en, kind, **flags)


SITE = _c("site", "拠点", "拠点ID（manifest.json の sites に名前）", "site id (named in manifest.json `sites`)")

DAYS = Table(
    "days",
    "営業日（日締め済み）",
    "archived business days",
    "日締め（アーカイブ）された営業日の一覧。tickets・reservations・tallies はこの日付のものだけを含みます。",
    "The business days that were closed and archived; tickets, reservations and tallies hold these dates only.",
    (
        SITE,
        _c("date", "営業日", "営業日", "business date", "date"),
        _c("archived_at", "日締め日時", "日締めでアーカイブされた日時", "when the day close archived the date", "time"),
        _c("archived_by", "日締め実施者", "日締めをしたログインID（自動の日締めは system）",
           "login that closed the day (`system` for the automatic close)"),
        _c("tickets", "番号札数", "この日の番号札の数", "tickets of the date", "int"),
        _c("reservations", "予約数", "この日の予約の数", "reservations of the date", "int"),
    ),
)  # fmt: skip

TICKETS = Table(
    "tickets",
    "番号札",
    "tickets",
    "日締め時点の番号札（1行1枚、発券順）。氏名などの個人情報は番号札にはありません。",
    "Every ticket as it stood at the day close, one per row in issue order. Tickets hold no personal data.",
    (
        SITE,
        _c("business_date", "営業日", "営業日", "business date", "date"),
        _c("id", "番号札ID", "番号札の内部ID（拠点内で一意）", "internal ticket id (unique)"),
        _c("number", "番号", "表示された番号（営業日ごとに1から）", "number shown and called (restarts every day)"),
        _c("service", "業務ID", "最後に対応した業務（業務変更の後はその業務）",
           "service the ticket ended in (after a transfer: the new one)"),
        _c("service_name", "業務名", "業務IDの名前", "name of the service", derived=True),
        _c("channel", "受付方法", "walk_in=発券機, guide=総合案内, reservation=予約のチェックイン",
           "walk_in = kiosk, guide = issued by the general guide, reservation = reservation check-in"),
        _c("priority", "優先", "優先案内の番号札なら 1", "1 for a priority ticket", "bool"),
        _c("status", "状態", "最後の状態（下のコード表）", "final status (codes below)"),
        _c("outcome", "結果", "対応済み（done）の結果（下のコード表）", "outcome of a done ticket (codes below)"),
        _c("issued_at", "発券日時", "発券した日時（予約はチェックインの日時）",
           "when issued (a reservation: when checked in)", "ms"),
        _c("first_called_at", "初回呼出日時", "最初に呼び出した日時。待ち時間はここまで",
           "first call: where the wait ends", "ms"),
        _c("called_at", "最終呼出日時", "最後に呼び出した日時（再呼出を含む）", "last call (recalls included)", "ms"),
        _c("serving_at", "対応開始日時", "窓口で対応を始めた日時", "when the counter started serving", "ms"),
        _c("finished_at", "終了日時", "対応済み・不在・取消・未対応になった日時",
           "when it became done, no-show, cancelled or unserved", "ms"),
        _c("wait_min", "待ち時間（分）", "発券日時から初回呼出日時まで（分）。呼ばれなかった番号札は空",
           "minutes from issued_at to first_called_at; empty when never called", "minutes", derived=True),
        _c("service_min", "対応時間（分）", "対応開始日時から終了日時まで（分）。対応済み（done）だけ",
           "minutes from serving_at to finished_at; done tickets only", "minutes", derived=True),
        _c("counter", "窓口ID", "最後に扱った窓口", "counter that handled it last"),
        _c("counter_label", "窓口名", "窓口の表示名", "the counter's label"),
        _c("operator", "担当者", "最後に扱った従事者のログインID（staff に氏名）",
           "login of the staff member who handled it last (names in `staff`)"),
        _c("recall_count", "再呼出回数", "再呼出の回数", "how many times it was recalled", "int"),
        _c("transfers", "業務変更", "業務変更の記録（JSON: from, to, at, operator, counter, note）",
           "transfers to another service (JSON: from, to, at, operator, counter, note)", "transfers"),
        _c("reservation", "予約番号", "予約のチェックインで発券した番号札の予約番号",
           "reservation code a check-in ticket came from"),
        _c("lang", "言語", "発券時の表示言語", "language chosen at the kiosk"),
        _c("note", "メモ", "従事者が対応済み・業務変更時に書いたメモ", "note staff wrote when finishing or transferring"),
    ),
)  # fmt: skip

PERSONAL = (
    _c("name", "氏名（カナ）", "予約者の氏名（カナ）。保存期間を過ぎて削除済みなら空",
       "the visitor's name (kana); empty once deleted after its retention"),
    _c("phone", "電話番号", "予約者の電話番号。保存期間を過ぎて削除済みなら空",
       "the visitor's phone number; empty once deleted after its retention"),
    _c("purged", "個人情報削除済み", "氏名・電話番号を保存期間経過で削除済みなら 1",
       "1 when name and phone were deleted after their retention", "bool"),
)  # fmt: skip
"""Reservation columns only in an export made with ``--with-personal-data``."""

RESERVATIONS = Table(
    "reservations",
    "予約",
    "reservations",
    "日締め時点の予約（1行1件、枠の開始順）。氏名・電話番号は --with-personal-data で作った場合だけ含みます。",
    "Every reservation of the date as it stood at the day close, by slot start. Names and phone numbers only "
    "in an export made with --with-personal-data.",
    (
        SITE,
        _c("date", "予約日", "予約の日付（営業日）", "date of the reservation (business date)", "date"),
        _c("code", "予約番号", "予約番号（電話・QRで伝える番号）", "reservation code (read out on the phone, QR)"),
        _c("service", "業務ID", "予約した業務", "service booked"),
        _c("service_name", "業務名", "業務IDの名前", "name of the service", derived=True),
        _c("start", "開始", "枠の開始時刻（HH:MM）", "slot start (HH:MM)"),
        _c("end", "終了", "枠の終了時刻（HH:MM）", "slot end (HH:MM)"),
        _c("slot_at", "枠開始日時", "枠の開始日時", "slot start as a date and time", "ms"),
        _c("status", "状態", "booked=予約中（日締め後は来なかった扱い）, checked_in=チェックイン済み, "
           "no_show=来なかった, cancelled=取消",
           "booked (after the close: did not come), checked_in, no_show, cancelled"),
        _c("ticket", "番号札ID", "チェックインで発券した番号札のID", "id of the ticket the check-in issued"),
        _c("ticket_number", "番号", "チェックインで発券した番号", "number of that ticket"),
        _c("checked_in_at", "チェックイン日時", "チェックインした日時", "when checked in", "time"),
        _c("created_at", "受付日時", "予約を受け付けた日時", "when booked", "time"),
        _c("created_by", "受付者", "予約を受け付けた従事者のログインID", "login of the staff member who booked it"),
        _c("source", "受付方法", "phone=電話予約, import=CSV取り込み", "phone = booked on the phone, import = CSV"),
        _c("updated_at", "更新日時", "最後に状態が変わった日時", "last change of status", "time"),
    ),
)  # fmt: skip

BOOKINGS = Table(
    "bookings",
    "今後の予約",
    "bookings ahead",
    "書き出した時点でまだ日締めされていない日（当日以降、期間内）の予約のうち、予約中（booked）のもの（予約日・枠の開始順）。"
    "引き継ぎ先がこの予約を受け入れるための一覧です。取り込み（madoguchi import）では読み込みません。"
    "氏名・電話番号は --with-personal-data で作った場合だけ含みます。",
    "The reservations still booked for dates not closed yet when the archive was made (today and later, within "
    "the period), by date and slot start: the list a successor needs to honour them. `madoguchi import` does not "
    "load them. Names and phone numbers only in an export made with --with-personal-data.",
    RESERVATIONS.columns,
)

TALLIES = Table(
    "tallies",
    "電話問い合わせ・案内のみ（件数）",
    "phone inquiries and visitors only directed (counts)",
    "営業日ごと・内容ごとの件数（0件の行はありません）。",
    "Counts per business date, kind and topic (rows with 0 are left out).",
    (
        SITE,
        _c("date", "営業日", "営業日", "business date", "date"),
        _c("kind", "種別", "phone=電話問い合わせ, guide=案内のみ（総合案内）",
           "phone = phone inquiry, guide = visitor the general guide only directed"),
        _c("topic", "内容ID", "問い合わせの内容（設定 [office] tally_topics）", "topic (config [office] tally_topics)"),
        _c("topic_name", "内容", "内容IDの名前", "name of the topic", derived=True),
        _c("count", "件数", "件数", "count", "int"),
    ),
)  # fmt: skip

INCIDENTS = Table(
    "incidents",
    "トラブル・苦情・業務改善報告書",
    "incident reports",
    "期間内に発生した報告書（発生日時順）。来庁者の個人情報は書かない決まりの記録です。",
    "Reports of incidents that occurred in the period, oldest first. They are not to hold visitor personal data.",
    (
        _c("id", "報告ID", "報告書の内部ID（`拠点ID.報告番号`）", "report id (`site.report number`)"),
        _c("number", "報告番号", "報告番号（年度-連番）", "report number (fiscal year-serial)", derived=True),
        SITE,
        _c("category", "区分", "下のコード表", "codes below"),
        _c("title", "件名", "件名", "title"),
        _c("occurred_at", "発生日時", "発生した日時", "when it occurred", "time"),
        _c("description", "内容", "何が起きたか", "what happened"),
        _c("actions", "対応", "その場でした対応", "what was done at the time"),
        _c("follow_up", "今後の対応", "再発防止・改善・残っていること", "prevention, improvement, what is still to do"),
        _c("status", "状態", "open=未報告, reported=市へ報告済, closed=完了", "open, reported (to the city), closed"),
        _c("created_at", "記録日時", "記録した日時", "when recorded", "time"),
        _c("created_by", "記録者", "記録した従事者のログインID", "login that recorded it"),
        _c("updated_at", "更新日時", "最後に変更した日時", "last change", "time", optional=True),
        _c("updated_by", "更新者", "最後に変更した従事者", "login of the last change", optional=True),
        _c("reported_at", "報告日時", "市へ報告済みにした日時", "when marked reported", "time", optional=True),
        _c("reported_by", "報告者", "報告済みにした従事者", "login that marked it reported", optional=True),
        _c("closed_at", "完了日時", "完了にした日時", "when closed", "time", optional=True),
        _c("closed_by", "完了者", "完了にした従事者", "login that closed it", optional=True),
    ),
)  # fmt: skip

AUDIT = Table(
    "audit",
    "操作記録（監査ログ）",
    "audit log",
    "従事者・システムの操作の記録（日時順）。JSON Lines は記録そのまま（ここにない項目を含むことがあります）。",
    "Every staff and system action, in time order. The JSON Lines rows are the entries as recorded (some carry "
    "fields not listed here).",
    (
        _c("at", "日時", "操作の日時", "when", "time"),
        _c("login", "ログインID", "操作した人（`system`=サーバー自身, `cli:OSユーザー`=コマンド, `device:ID`=端末）",
           "who (`system` = the server itself, `cli:os user` = a command, `device:id` = a kiosk or board)"),
        _c("role", "役割", "admin, manager, operator, guide, phone", "role at the time", optional=True),
        _c("action", "操作", "操作の種類（例 ticket.complete, day.close, tally.add）",
           "action (e.g. ticket.complete, day.close, tally.add)"),
        SITE,
        _c("counter", "窓口ID", "関係した窓口", "counter concerned", optional=True),
        _c("ticket", "番号札ID", "関係した番号札", "ticket concerned", optional=True),
        _c("number", "番号", "関係した番号札の番号", "its number", optional=True),
        _c("reservation", "予約番号", "関係した予約", "reservation concerned", optional=True),
        _c("detail", "詳細", "補足", "details", optional=True),
        _c("address", "接続元", "操作した端末のIPアドレス", "IP address the action came from", optional=True),
    ),
)  # fmt: skip

STAFF = Table(
    "staff",
    "従事者",
    "staff",
    "このファイルに出てくるログインIDの氏名と役割（パスワード等は含みません）。",
    "Name and role of every login that appears in this archive (no passwords or other secrets).",
    (
        _c("login", "ログインID", "ログインID", "login id"),
        _c("name", "氏名", "表示名", "display name"),
        _c("role", "役割", "admin, manager, operator, guide, phone", "role"),
    ),
)  # fmt: skip

SITE_TABLES = (DAYS, TICKETS, RESERVATIONS, TALLIES, INCIDENTS, AUDIT, BOOKINGS)
"""The files of each site's folder, in the order the README lists them."""
LATER_TABLES = (BOOKINGS,)
"""Files an archive of an earlier version may lack (read as empty)."""

STATUS_NAMES = {
    "waiting": ("待ち", "waiting"),
    "called": ("呼出中", "called"),
    "serving": ("対応中", "serving"),
    "done": ("対応済", "done (served; see outcome)"),
    "no_show": ("不在", "no-show: called, did not come"),
    "cancelled": ("取消", "cancelled"),
    "unserved": ("未対応", "unserved: still open at the day close"),
}
OUTCOME_EN = {
    "completed": "completed",
    "missing_documents": "documents missing (guidance given)",
    "referred_to_city": "referred to city staff",
    "guidance_only": "guidance only",
    "other": "other",
}
CHANNEL_EN = {"walk_in": "kiosk", "guide": "general guide", "reservation": "reservation check-in"}
TALLY_KIND_NAMES = {"phone": ("電話問い合わせ", "phone inquiry"), "guide": ("案内のみ", "visitor only directed")}
INCIDENT_CATEGORY_EN = {
    "trouble": "trouble",
    "complaint": "complaint",
    "improvement": "improvement",
    "equipment": "equipment",
    "other": "other",
}
INCIDENT_STATUS_EN = {"open": "open (not reported yet)", "reported": "reported to the city", "closed": "closed"}

CODES: tuple[tuple[str, dict[str, tuple[str, str]]], ...] = (
    ("tickets.status", STATUS_NAMES),
    ("tickets.outcome", {k: (OUTCOME_JA[k], OUTCOME_EN[k]) for k in OUTCOME_EN}),
    ("tickets.channel", {k: (CHANNEL_JA[k], CHANNEL_EN[k]) for k in CHANNEL_EN}),
    ("tallies.kind", TALLY_KIND_NAMES),
    ("incidents.category", {k: (INCIDENT_CATEGORY_JA[k], INCIDENT_CATEGORY_EN[k]) for k in INCIDENT_CATEGORIES}),
    ("incidents.status", {k: (INCIDENT_STATUS_JA[k], INCIDENT_STATUS_EN[k]) for k in INCIDENT_STATUSES}),
)
"""The code values of the columns that hold codes, with their Japanese and English names (for the README)."""


# ---- times -----------------------------------------------------------------------------------------------

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def ms_to_iso(ms: int | None, tz: ZoneInfo) -> str | None:
    """Epoch milliseconds as ISO 8601 with milliseconds in ``tz`` (exact: integer arithmetic, no float)."""
    if not ms:
        return None
    return (_EPOCH + ms * _MS).astimezone(tz).isoformat(timespec="milliseconds")


def iso_to_ms(text: str) -> int:
    """An ISO 8601 time with an offset as epoch milliseconds (the inverse of ``ms_to_iso``)."""
    at = dt.datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return (at - _EPOCH) // _MS


def local_time(text: str, tz: ZoneInfo) -> str:
    """An ISO time as the CSV shows it: local time ``YYYY-MM-DD hh:mm:ss``, which spreadsheets read as a date."""
    at = dt.datetime.fromisoformat(text)
    if at.tzinfo is not None:
        at = at.astimezone(tz)
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _minutes(start: int | None, end: int | None) -> float | None:
    """As the reports count it (server/reports/compute.py): None unless both are set and end is not before start."""
    if not start or not end or end < start:
        return None
    return round((end - start) / 60_000, 2)


# ---- stored records -> rows ----------------------------------------------------------------------------


def ticket_row(site: str, stored: Mapping[str, Any], service_names: Mapping[str, str], tz: ZoneInfo) -> Row:
    """An archived ticket (the hash day close kept) as a row of ``tickets``.

    Read through ``ticket_record``, as the reports read it, so the file says what the reports count."""
    t = ticket_record(stored)
    done = t.status == "done"
    return {
        "site": site,
        "business_date": t.business_date,
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "service_name": service_names.get(t.service, t.service),
        "channel": t.channel,
        "priority": t.priority,
        "status": t.status,
        "outcome": t.outcome,
        "issued_at": ms_to_iso(t.issued_at_ms, tz),
        "first_called_at": ms_to_iso(t.first_called_at_ms, tz),
        "called_at": ms_to_iso(t.called_at_ms, tz),
        "serving_at": ms_to_iso(t.serving_at_ms, tz),
        "finished_at": ms_to_iso(t.finished_at_ms, tz),
        "wait_min": _minutes(t.issued_at_ms, t.first_called_at_ms),
        "service_min": _minutes(t.serving_at_ms, t.finished_at_ms) if done else None,
        "counter": t.counter,
        "counter_label": t.counter_label,
        "operator": t.operator,
        "recall_count": t.recall_count,
        "transfers": msgspec.to_builtins(t.transfers),
        "reservation": t.reservation,
        "lang": t.lang,
        "note": t.note,
    }


def reservation_row(
    site: str,
    stored: Mapping[str, Any],
    service_names: Mapping[str, str],
    tz: ZoneInfo,
    personal: Mapping[str, Any] | None = None,
) -> Row:
    """An archived reservation (no name or phone) as a row of ``reservations`` (or a live one of ``bookings``:
    the same columns); ``personal`` is the live reservation when the export carries personal data (its name,
    phone and whether they were purged)."""
    row: Row = {"site": site}
    for c in RESERVATIONS.columns[1:]:
        value = stored.get(c.name)
        if c.kind == "ms":
            row[c.name] = ms_to_iso(int(float(value)), tz) if value not in (None, "", "0") else None
        elif c.kind in ("date", "time"):
            row[c.name] = str(value) if value else None
        else:
            row[c.name] = "" if value is None else str(value)
    row["service_name"] = service_names.get(row["service"], row["service"])
    if personal is not None:
        row["name"] = str(personal.get("name") or "")
        row["phone"] = str(personal.get("phone") or "")
        row["purged"] = personal.get("purged") == "1"
    return row


def tally_rows(
    site: str, day: str, counts: Mapping[str, Mapping[str, int]], topic_names: Mapping[str, str]
) -> list[Row]:
    """The counts of a date as rows of ``tallies``, kinds in order, without zeros."""
    return [
        {"site": site, "date": day, "kind": kind, "topic": topic, "topic_name": topic_names.get(topic, topic),
         "count": int(n)}
        for kind in TALLY_KINDS
        for topic, n in (counts.get(kind) or {}).items()
        if int(n)
    ]  # fmt: skip


def incident_row(record: IncidentRecord) -> Row:
    """An incident report as a row of ``incidents`` (every time as ISO 8601)."""
    row: Row = msgspec.to_builtins(record)
    row["number"] = record.number
    return {c.name: row.get(c.name) for c in INCIDENTS.columns}


# ---- rows -> stored records (import) -------------------------------------------------------------------


def stored_ticket(row: Row) -> dict[str, str]:
    """A ``tickets`` row as the archive keeps a ticket: the hash ``ticket_record`` reads (times in epoch ms),
    so a report over the imported date counts what the source's report counted."""
    out: dict[str, str] = {}
    for c in TICKETS.columns:
        if c.derived or c.name == "site":
            continue
        value = row.get(c.name)
        if c.kind == "ms":
            if value:
                out[c.name] = str(iso_to_ms(value))
        elif c.kind == "bool":
            out[c.name] = "1" if value else "0"
        elif c.kind == "transfers":
            out[c.name] = msgspec.json.encode(value or []).decode()
        else:
            out[c.name] = "" if value is None else str(value)
    return out


def stored_reservation(row: Row) -> dict[str, str]:
    """A ``reservations`` row as the archive keeps a reservation (the fields of ``RESERVATION_FIELDS``, never a
    name or phone number: an import never loads personal data)."""
    out: dict[str, str] = {}
    for name in RESERVATION_FIELDS:
        value = row.get(name)
        if value in (None, ""):
            continue
        out[name] = str(iso_to_ms(value)) if name == "slot_at" else str(value)
    return out


def stored_incident(row: Row) -> dict[str, str]:
    """An ``incidents`` row as the incident hash holds it (every value a string; unset ones left out)."""
    return {c.name: str(row[c.name]) for c in INCIDENTS.columns if not c.derived and row.get(c.name) not in (None, "")}


def incident_of(row: Row) -> IncidentRecord:
    """The report a row holds (validated: category, status and times)."""
    try:
        return msgspec.convert({k: v for k, v in row.items() if k != "number" and v is not None}, IncidentRecord)
    except msgspec.ValidationError as exc:
        raise RowInvalid(str(exc)) from None


def comparable(table: Table, row: Row) -> Row:
    """A row without its derived columns: what two rows must share to be the same record."""
    return {c.name: row.get(c.name) for c in table.columns if not c.derived}


# ---- checks and CSV cells ------------------------------------------------------------------------------

_CHECKS: dict[Kind, Any] = {
    "text": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, str) and _DATE.fullmatch(v) is not None,
    "time": lambda v: v is None or (isinstance(v, str) and _iso_ok(v)),
    "ms": lambda v: v is None or (isinstance(v, str) and _iso_ok(v)),
    "transfers": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
    "minutes": lambda v: v is None or (isinstance(v, int | float) and not isinstance(v, bool)),
}


def _iso_ok(text: str) -> bool:
    try:
        return dt.datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def check_row(table: Table, row: Any) -> Row:
    """``row`` when it has every column of ``table`` with a value of its kind; else ``RowInvalid`` naming the
    column. Derived and optional columns may be missing; other fields are allowed (the audit log's are)."""
    if not isinstance(row, dict):
        raise RowInvalid("not a JSON object")
    for c in table.columns:
        if c.name not in row:
            if c.derived or c.optional:
                continue
            raise RowInvalid(f"{c.name}: missing")
        if not _CHECKS[c.kind](row[c.name]):
            raise RowInvalid(f"{c.name}: {row[c.name]!r} is not a {c.kind}")
    return row


def csv_cells(columns: tuple[Column, ...], row: Row, tz: ZoneInfo) -> list[object]:
    """A row's cells for the CSV file: local times, 1/0 for yes/no, transfers as JSON text, '' for none."""
    cells: list[object] = []
    for c in columns:
        value = row.get(c.name)
        if value is None or value == "":
            cells.append("")
        elif c.kind in ("time", "ms"):
            cells.append(local_time(value, tz))
        elif c.kind == "bool":
            cells.append(1 if value else 0)
        elif c.kind == "transfers":
            cells.append(msgspec.json.encode(value).decode() if value else "")
        else:
            cells.append(value)
    return cells
