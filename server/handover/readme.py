"""The README.md of a handover archive: what every file and column means, Japanese first, then English.

Built from the tables (``server/handover/tables.py``), the manifest and the configuration (names of sites,
services and tally topics), so it always describes the files beside it. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from server.config import Config
from server.handover.tables import BOOKINGS, CODES, PERSONAL, RESERVATIONS, SITE_TABLES, STAFF, Table

_JA = {
    "title": "# madoguchi データ引き継ぎファイル（エクスポート）",
    "other": "(English follows the Japanese.)",
    "about": "## このファイルについて",
    "made": "作成日時",
    "by": "作成者",
    "source": "作成したシステム",
    "period": "期間",
    "sites": "拠点",
    "personal": "個人情報",
    "personal_yes": "**含みます**（予約の氏名・電話番号）。市の個人情報の取り扱いに従って保管し、不要になったら削除してください。",
    "personal_no": "含みません（予約の氏名・電話番号は入っていません。入れるには `--with-personal-data` で作り直します）。",
    "intro": (
        "madoguchi（窓口の受付・呼び出しシステム）の記録を、madoguchi がなくても読めるように書き出したものです。"
        "同じ内容を2つの形式で入れています。\n\n"
        "- `.csv`: Excel などの表計算ソフト用。文字コード UTF-8（BOM付き）、改行 CRLF、1行目が日本語の見出しです。"
        "`=` `+` `-` `@` で始まる文字は、数式として動かないよう先頭に `'` を付けています。\n"
        "- `.jsonl`: JSON Lines（1行に1件の JSON）。プログラム用です。項目名は下の表の「JSON」列です。"
    ),
    "files": "## ファイル一覧",
    "files_head": "| ファイル | 内容 | 件数 |\n|---|---|---|",
    "rules": "## 共通の約束",
    "rules_text": (
        "- 日時はすべて日本時間（Asia/Tokyo）です。CSV は `2026-11-24 10:05:00` の形（表計算ソフトが日時として"
        "読みます）、JSON Lines は ISO 8601（`2026-11-24T10:05:00.000+09:00`、ミリ秒まで）です。\n"
        "- 待ち時間は、発券（予約はチェックイン）から最初の呼び出しまでの分です。再呼出や、窓口から待合に戻した後の"
        "呼び出しでは延びません。対応時間は、対応開始から終了までの分で、対応済み（done）の番号札だけです。"
        "madoguchi の日報・月報・年報と同じ数え方です。\n"
        "- 対応済み（served）は状態が done の番号札です（結果を問いません）。業務変更した番号札は、最後に対応した"
        "業務の1枚として数えます。\n"
        "- 番号札・予約・件数は日締め（その日の記録の確定）が済んだ日のものだけです。当日・先の日付・まだ日締め"
        "されていない日は確定していないため入れず、`manifest.json` の `skipped` に日付と理由を書いています。"
        "操作記録も当日分は入れていません。\n"
        "- 空欄は「なし」の意味です。はい/いいえの列は、CSV では 1/0、JSON Lines では true/false です。"
    ),
    "columns": "## 各ファイルの列",
    "columns_head": "| CSVの見出し | JSON | 意味 |\n|---|---|---|",
    "derived": "（計算した値。取り込みでは使いません）",
    "sep": "",
    "personal_cols": "`--with-personal-data` で作った場合だけ、予約に次の列があります。",
    "codes": "## コード表",
    "codes_head": "| コード | 意味 |\n|---|---|",
    "names": "## 拠点・業務・問い合わせ内容の名前",
    "site_names": "拠点（`site`）",
    "services": "業務（`service`）",
    "topics": "問い合わせ内容（`topic`）",
    "verify": "## 改ざん・破損の確認",
    "verify_text": (
        "`manifest.json` の `files` に、全ファイルの SHA-256 と件数があります。Windows では "
        "`certutil -hashfile tickets.csv SHA256`、Linux・macOS では `sha256sum` で確かめられます。"
        "`madoguchi import` は取り込む前にすべてを確かめ、一致しないファイルは取り込みません。"
    ),
}

_EN = {
    "title": "# madoguchi data export (handover)",
    "other": "",
    "about": "## About this archive",
    "made": "Created",
    "by": "Created by",
    "source": "Source installation",
    "period": "Period",
    "sites": "Sites",
    "personal": "Personal data",
    "personal_yes": "**included** (names and phone numbers of reservations). Keep it as the city's rules for "
    "personal data require and delete it when it is no longer needed.",
    "personal_no": "not included (no names or phone numbers of reservations; `--with-personal-data` adds them).",
    "intro": (
        "Records of madoguchi (a queue and reception system for service counters), written so they can be read "
        "without madoguchi. Every table is here twice:\n\n"
        "- `.csv` for spreadsheets: UTF-8 with a BOM, CRLF line ends, Japanese headers in the first row. A text "
        "beginning with `=`, `+`, `-` or `@` gets a leading `'` so it never runs as a formula.\n"
        "- `.jsonl` for programs: JSON Lines, one JSON object a line, with the field names of the JSON column below."
    ),
    "files": "## Files",
    "files_head": "| file | contents | rows |\n|---|---|---|",
    "rules": "## Conventions",
    "rules_text": (
        "- Every time is Japan time (Asia/Tokyo): in CSV as `2026-11-24 10:05:00` (spreadsheets read it as a date "
        "and time), in JSON Lines as ISO 8601 with milliseconds (`2026-11-24T10:05:00.000+09:00`).\n"
        "- A wait runs from issuing (a reservation: from check-in) to the first call, in minutes; a recall or a call "
        "after the ticket went back to the queue does not lengthen it. Service time runs from the start of service "
        "to its end, for done tickets only. madoguchi's daily, monthly and annual reports count the same way.\n"
        "- Served means status `done` (any outcome). A transferred ticket counts once, under the service that "
        "finished it.\n"
        "- Tickets, reservations and tallies are those of business days that were closed (the day close makes a "
        "day's records final). Today, later dates and past dates not closed yet are left out and listed in "
        "`manifest.json` `skipped` with the reason; so is today's audit log.\n"
        "- An empty cell means none. Yes/no columns hold 1/0 in CSV, true/false in JSON Lines."
    ),
    "columns": "## Columns of each file",
    "columns_head": "| CSV header | JSON | meaning |\n|---|---|---|",
    "derived": "(computed for reading; not loaded by an import)",
    "sep": " ",
    "personal_cols": "Only in an export made with `--with-personal-data`, reservations have these columns too.",
    "codes": "## Codes",
    "codes_head": "| code | meaning |\n|---|---|",
    "names": "## Names of sites, services and tally topics",
    "site_names": "Sites (`site`)",
    "services": "Services (`service`)",
    "topics": "Tally topics (`topic`)",
    "verify": "## Checking for changes or damage",
    "verify_text": (
        "`manifest.json` lists every file with its SHA-256 and row count. Check one with "
        "`certutil -hashfile tickets.csv SHA256` on Windows or `sha256sum` on Linux and macOS. `madoguchi import` "
        "checks them all before it loads anything and refuses a file that does not match."
    ),
}


def _column_rows(table: Table, lang: str, text: dict[str, str]) -> list[str]:
    rows = []
    for c in table.columns:
        meaning = c.ja if lang == "ja" else c.en
        if c.derived:
            meaning += text["sep"] + text["derived"]
        rows.append(f"| {c.header} | `{c.name}` | {meaning} |")
    return rows


def _section(lang: str, manifest: Mapping[str, Any], config: Config) -> list[str]:
    text = _JA if lang == "ja" else _EN
    ja = lang == "ja"
    title: Callable[[Table], str] = (lambda t: t.title_ja) if ja else (lambda t: t.title_en)
    site_names = {s.id: (s.name if ja else s.name_en) for s in config.sites}
    period = manifest["period"]
    out = [text["title"], ""]
    if text["other"]:
        out += [text["other"], ""]
    out += [text["intro"], "", text["about"], ""]
    out += [
        f"- {text['made']}: {manifest['created_at']}",
        f"- {text['by']}: {manifest['created_by']}",
        f"- {text['source']}: {manifest['installation']}",
        f"- {text['period']}: {period['from']} – {period['to']}",
        f"- {text['sites']}: "
        + ", ".join(f"`{s['id']}` ({site_names.get(s['id'], s['name'])})" for s in manifest["sites"]),
        f"- {text['personal']}: " + (text["personal_yes"] if manifest["personal_data"] else text["personal_no"]),
        "",
        text["files"],
        "",
        text["files_head"],
    ]
    counts: Mapping[str, int] = manifest["counts"]
    out.append(f"| `README.md` | {'このファイル' if ja else 'this file'} | |")
    out.append(
        f"| `manifest.json` | {'形式・作成情報・件数・SHA-256' if ja else 'format, origin, counts, SHA-256'} | |"
    )
    out.append(f"| `staff.csv`, `staff.jsonl` | {title(STAFF)} | {counts.get('staff.jsonl', 0)} |")
    for s in manifest["sites"]:
        for t in SITE_TABLES:
            n = counts.get(f"{s['id']}/{t.name}.jsonl", 0)
            out.append(f"| `{s['id']}/{t.name}.csv`, `.jsonl` | {title(t)} | {n} |")
    out += ["", text["rules"], "", text["rules_text"], "", text["columns"], ""]
    for t in (*SITE_TABLES, STAFF):
        where = f"<site>/{t.name}" if t is not STAFF else t.name
        out += [
            f"### {title(t)} (`{where}.csv`, `.jsonl`)",
            "",
            t.about_ja if ja else t.about_en,
            "",
            text["columns_head"],
        ]
        out += _column_rows(t, lang, text)
        if t in (RESERVATIONS, BOOKINGS):
            out += ["", text["personal_cols"], "", text["columns_head"]]
            out += _column_rows(Table("", "", "", "", "", PERSONAL), lang, text)
        out.append("")
    out += [text["codes"], ""]
    for name, codes in CODES:
        out += [f"### `{name}`", "", text["codes_head"]]
        out += [f"| `{code}` | {names[0] if ja else names[1]} |" for code, names in codes.items()]
        out.append("")
    out += [text["names"], ""]
    named = (("site_names", config.sites), ("services", config.services), ("topics", config.office.tally_topics))
    for key, items in named:
        out += [f"### {text[key]}", "", text["codes_head"]]
        out += [f"| `{x.id}` | {x.name if ja else x.name_en} |" for x in items]
        out.append("")
    out += [text["verify"], "", text["verify_text"], ""]
    return out


def readme(manifest: Mapping[str, Any], config: Config) -> str:
    """The README of an archive: ``manifest`` is the manifest without ``files`` plus ``counts`` (rows per path)."""
    return "\n".join([*_section("ja", manifest, config), "---", "", *_section("en", manifest, config)])
