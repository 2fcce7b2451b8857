"""Reference tickets: the golden tests pin their bytes, docs/tickets/ shows them, the bench renders them.

They are rendered with the shipped fonts only (``discover_fonts=False`` and an explicit font path), so
the bytes do not depend on what else is installed. Regenerate the golden files and the pictures::

    /tmp/venv/bin/python -m printers.samples --golden tests/golden --docs docs/tickets

(or ``UPDATE_GOLDEN=1 pytest tests/unit/test_printers_golden.py`` for the golden files alone).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import segno
from PIL import __version__ as pillow_version
from PIL import features

from printers.fontset import SHIPPED_FONT
from printers.labels import TOKYO
from printers.profile import PrinterProfile
from printers.ticket import Layout, TicketData, render_ticket

ISSUED_AT = datetime(2026, 11, 24, 10, 5, tzinfo=TOKYO)  # a Tuesday: 令和8年11月24日（火） 10:05
STATUS_URL = "https://madoguchi.example.jp/t/Vq3xT0b8kZ2mN5pR7sW9yA"
REFERENCE_LAYOUT = Layout(font_path=str(SHIPPED_FONT), discover_fonts=False)

PICKUP = TicketData(
    number="P012",
    site_name="福津市役所",
    service_name="カード交付",
    service_name_local=None,
    lang="ja",
    waiting_ahead=12,
    estimated_wait_min=25,
    issued_at=ISSUED_AT,
    status_url=STATUS_URL,
    service_name_en="Card pickup",
)
LOCAL_NAMES = {
    "en": "Card pickup",
    "zh": "领取卡片",
    "ko": "카드 수령",
    "vi": "Nhận thẻ",
    "ja-easy": "カードを うけとる",
}


def ticket_in(lang: str, **changes: object) -> TicketData:
    """The reference ticket for a visitor who chose ``lang``."""
    return replace(PICKUP, lang=lang, service_name_local=LOCAL_NAMES.get(lang), **changes)  # type: ignore[arg-type]


# Issued while no counter serving the service is open (early in the morning): no estimate, no 「まもなく」
NO_COUNTER = ticket_in("ja", waiting_ahead=0, estimated_wait_min=0, counters_open=0)

# The names the line breaker must not split (申請サポー／ト, 失／効, 津屋崎行政セン／ター): on 58 mm paper both wrap
APPLICATION = replace(
    PICKUP,
    number="A003",
    service_name="申請受付・申請サポート（写真撮影等）",
    service_name_en="Card application and support (incl. photo)",
)
E_CERT = replace(
    PICKUP,
    number="E003",
    site_name="津屋崎行政センター",
    service_name="電子証明書（発行・失効・更新）",
    service_name_en="Electronic certificate (issue, revoke, renew)",
)
RESERVATION_SLIP = replace(
    APPLICATION,
    number="K7M 3QY",
    kind="reservation",
    lines=("令和8年11月24日（火）", "10:00〜10:30"),
    notes=(
        "当日、受付機で予約番号を入力するか",
        "このQRコードをかざしてください。",
        "受付は予約時刻の30分前からです。",
    ),
)
"""A reservation's confirmation slip (its QR code holds the status URL here, as the golden checks expect)."""


@dataclass(frozen=True, slots=True)
class Reference:
    name: str
    ticket: TicketData
    profile: PrinterProfile

    def render(self, layout: Layout = REFERENCE_LAYOUT) -> bytes:
        return render_ticket(self.ticket, layout, self.profile)


GOLDEN = (
    Reference("ja-80-raster", ticket_in("ja"), PrinterProfile(80, "raster")),
    Reference("en-80-raster", ticket_in("en"), PrinterProfile(80, "raster")),
    Reference("ja-58-raster", ticket_in("ja"), PrinterProfile(58, "raster")),
    Reference("ja-80-kanji", ticket_in("ja"), PrinterProfile(80, "kanji")),
    Reference("vi-58-kanji", ticket_in("vi"), PrinterProfile(58, "kanji")),
    Reference("application-58-raster", APPLICATION, PrinterProfile(58, "raster")),
    Reference("e-cert-58-raster", E_CERT, PrinterProfile(58, "raster")),
    Reference("application-58-kanji", APPLICATION, PrinterProfile(58, "kanji")),
    Reference("reservation-80-raster", RESERVATION_SLIP, PrinterProfile(80, "raster")),
    Reference("no-counter-ja-58-raster", NO_COUNTER, PrinterProfile(58, "raster")),
)
"""Pinned byte for byte in tests/golden/<name>.bin."""

DOCS = (
    Reference("ja-80-raster", ticket_in("ja"), PrinterProfile(80, "raster")),
    Reference("en-80-raster", ticket_in("en"), PrinterProfile(80, "raster")),
    Reference("vi-58-raster", ticket_in("vi"), PrinterProfile(58, "raster")),
    Reference("zh-80-raster", ticket_in("zh"), PrinterProfile(80, "raster")),
    Reference("ko-80-raster", ticket_in("ko"), PrinterProfile(80, "raster")),
    Reference("ja-80-kanji", ticket_in("ja"), PrinterProfile(80, "kanji")),
    Reference("vi-58-kanji", ticket_in("vi"), PrinterProfile(58, "kanji")),
    Reference("training-ja-easy-58-raster", ticket_in("ja-easy", training=True, waiting_ahead=0, estimated_wait_min=0),
              PrinterProfile(58, "raster")),
    Reference("application-58-raster", APPLICATION, PrinterProfile(58, "raster")),
    Reference("e-cert-58-raster", E_CERT, PrinterProfile(58, "raster")),
    Reference("e-cert-80-raster", E_CERT, PrinterProfile(80, "raster")),
    Reference("reservation-80-raster", RESERVATION_SLIP, PrinterProfile(80, "raster")),
    Reference("reservation-58-raster", RESERVATION_SLIP, PrinterProfile(58, "raster")),
    Reference("no-counter-ja-58-raster", NO_COUNTER, PrinterProfile(58, "raster")),
    Reference("no-counter-en-80-raster", replace(ticket_in("en"), waiting_ahead=2, counters_open=0),
              PrinterProfile(80, "raster")),
    Reference("no-counter-vi-58-kanji", replace(ticket_in("vi"), waiting_ahead=2, counters_open=0),
              PrinterProfile(58, "kanji")),
)  # fmt: skip
"""Pictures in docs/tickets/<name>.png."""


def toolchain() -> dict[str, str]:
    """What the raster bytes depend on besides our code and the shipped fonts."""
    return {
        "pillow": ".".join(pillow_version.split(".")[:2]),
        "freetype": str(features.version("freetype2")),
        "segno": ".".join(segno.__version__.split(".")[:2]),
    }


def write_golden(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for ref in GOLDEN:
        path = folder / f"{ref.name}.bin"
        path.write_bytes(ref.render())
        paths.append(path)
    (folder / "toolchain.json").write_text(json.dumps(toolchain(), indent=2) + "\n")
    return paths


def write_docs(folder: Path, *, discover: bool = True) -> list[Path]:
    """PNGs of the doc tickets; with ``discover`` an installed Hangul/Chinese font is used if there is one."""
    from printers.preview import preview_png

    folder.mkdir(parents=True, exist_ok=True)
    layout = replace(REFERENCE_LAYOUT, discover_fonts=discover)
    paths = []
    for ref in DOCS:
        path = folder / f"{ref.name}.png"
        path.write_bytes(preview_png(ref.render(layout), ref.profile.dots))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the reference tickets' golden bytes and PNG pictures.")
    parser.add_argument("--golden", type=Path, help="folder for <name>.bin (tests/golden)")
    parser.add_argument("--docs", type=Path, help="folder for <name>.png (docs/tickets)")
    parser.add_argument("--no-discover", action="store_true", help="PNGs with the shipped fonts only")
    args = parser.parse_args(argv)
    if args.golden is None and args.docs is None:
        parser.error("give --golden and/or --docs")
    if args.golden is not None:
        for path in write_golden(args.golden):
            print(path)
    if args.docs is not None:
        for path in write_docs(args.docs, discover=not args.no_discover):
            print(path)


if __name__ == "__main__":
    main()
