"""The "please come back" slip of a ticket cancelled while its service was paused (受付休止のお知らせ): what it says, in
Japanese and the visitor's language, on a kanji-mode printer; and its PNG (docs/screens/paused-slip.png with
``MADOGUCHI_SCREENSHOTS=1``). Pure: no I/O but fonts."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from printers import escpos
from printers.labels import LANGUAGES, PAUSED_SLIP
from printers.profile import PrinterProfile
from printers.ticket import Layout, render_ticket
from server.config import Config, load_config
from server.service_slip import paused_slip_data, paused_slip_png

ROOT = Path(__file__).resolve().parents[2]
AT = datetime.fromisoformat("2026-11-24T10:32:00+09:00")
PAUSE = {"reason_ja": "国のシステム（J-LIS）の障害のため", "reason_en": "The national J-LIS system is down"}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT / "config" / "fukutsu.toml")


def _ticket(lang: str) -> dict[str, str]:
    return {"id": "city-hall.0123456789abcdef", "number": "P003", "service": "pickup", "lang": lang}


def device_text(data: bytes) -> str:
    return "".join(op.data.decode("shift_jis") for op in escpos.decode(data) if isinstance(op, escpos.Text))


def test_every_language_has_every_word() -> None:
    assert set(PAUSED_SLIP) == set(LANGUAGES)
    for lang, words in PAUSED_SLIP.items():
        assert set(words) == set(PAUSED_SLIP["ja"]), lang


def test_the_slip_says_why_the_number_the_date_and_to_come_back(config: Config) -> None:
    data = paused_slip_data(config, _ticket("ja"), PAUSE, AT, training=False)
    text = device_text(render_ticket(data, Layout(), PrinterProfile(80, "kanji")))
    for expected in ("福津市役所", "受付休止のお知らせ", "カード交付の受付を一時休止しています。",
                     f"理由：{PAUSE['reason_ja']}", "P003", "令和8年11月24日（火） 10:32", "後日あらためてお越しください"):  # fmt: skip
        assert expected in text, expected
    assert PAUSE["reason_en"] not in text, "a Japanese visitor's slip is in Japanese only"


def test_a_visitors_slip_adds_their_language_with_the_english_reason(config: Config) -> None:
    data = paused_slip_data(config, _ticket("vi"), PAUSE, AT, training=False)
    assert (data.service_name_local, data.lines, data.notes) == (
        "Nhận thẻ",
        (PAUSE["reason_ja"],),
        (PAUSE["reason_en"],),
    )
    kanji = PrinterProfile(80, "kanji")
    job = render_ticket(data, Layout(), kanji)
    japanese = render_ticket(paused_slip_data(config, _ticket("ja"), PAUSE, AT, training=False), Layout(), kanji)
    assert device_text(job) == device_text(japanese), "the Japanese lines are the same"
    assert len(job) > len(japanese) + 1000, "the Vietnamese lines follow, drawn as raster (not in JIS X 0208)"


def test_the_png_of_the_slip(config: Config, tmp_path: Path) -> None:
    png = paused_slip_png(paused_slip_data(config, _ticket("vi"), PAUSE, AT, training=False))
    assert png.startswith(b"\x89PNG")
    docs = ROOT / "docs" / "screens" / "paused-slip.png"
    (docs if os.environ.get("MADOGUCHI_SCREENSHOTS") == "1" else tmp_path / docs.name).write_bytes(png)
