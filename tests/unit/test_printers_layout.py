"""Ticket layout, text rendering, fonts, Shift_JIS and ESC/POS commands: pure functions, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from printers import escpos
from printers.fontset import FONT_ENV, SHIPPED_FALLBACK, SHIPPED_FONT, FontFile, FontSet, normalize
from printers.labels import LABELS, LANGUAGES, format_issued, wareki
from printers.preview import preview_png, render_pages
from printers.profile import PrinterProfile
from printers.qr import _penalty, qr_matrix
from printers.raster import Segment, ink_ratio, render_line, text_width, wrap_text
from printers.samples import ISSUED_AT, REFERENCE_LAYOUT, ticket_in
from printers.ticket import Layout, render_test_page, render_ticket, shift_jis

IPAEX_ONLY = FontSet((FontFile(str(SHIPPED_FONT)),), discover=False)
SHIPPED = FontSet((FontFile(str(SHIPPED_FONT)), FontFile(str(SHIPPED_FALLBACK))), discover=False)
KANJI_80 = PrinterProfile(80, "kanji")
RASTER_80 = PrinterProfile(80, "raster")


def device_text(data: bytes) -> str:
    """All device text of a job, decoded as the printer would in kanji mode."""
    return "".join(op.data.decode("shift_jis") for op in escpos.decode(data) if isinstance(op, escpos.Text))


# ---- Shift_JIS -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("福津市役所", "福津市役所".encode("shift_jis")),
        ("P012 10:05", b"P012 10:05"),
        ("〜", b"\x81\x60"),
        ("～", b"\x81\x60"),  # Windows' FULLWIDTH TILDE prints as the same wave dash
        ("ｶｰﾄﾞ", "カード".encode("shift_jis")),  # half-width katakana widened, never single-byte
    ],
)
def test_shift_jis_for_kanji_mode(text: str, expected: bytes) -> None:
    assert shift_jis(text) == expected


@pytest.mark.parametrize("text", ["髙橋", "①", "😀", "Nhận thẻ", "카드 수령", "领取卡片", "¥100"])
def test_characters_outside_jis_x_0208_are_refused(text: str) -> None:
    assert shift_jis(text) is None


def test_kanji_mode_line_with_a_non_jis_character_becomes_raster() -> None:
    ticket = replace(ticket_in("ja"), site_name="髙橋記念病院")
    data = render_ticket(ticket, REFERENCE_LAYOUT, KANJI_80)
    text = device_text(data)
    assert "髙" not in text and "橋記念病院" not in text and "?" not in text
    assert "カード交付" in text  # the other lines are still device text
    plain = render_ticket(replace(ticket, site_name="高橋記念病院"), REFERENCE_LAYOUT, KANJI_80)
    assert "高橋記念病院" in device_text(plain)
    rasters = [op for op in escpos.decode(data) if isinstance(op, escpos.Raster)]
    assert len(rasters) > sum(isinstance(op, escpos.Raster) for op in escpos.decode(plain))


def test_kanji_mode_prints_english_as_ascii_and_japanese_in_kanji() -> None:
    data = render_ticket(ticket_in("en"), REFERENCE_LAYOUT, KANJI_80)
    text = device_text(data)
    assert "Card pickup" in text and "People ahead of you: 12" in text
    assert "お待ちの方" in text and "12人" in text and "約25分" in text
    assert b"\x1c&" + b"Card pickup" + b"\x1c." in data


def test_soon_instead_of_zero_minutes() -> None:
    data = render_ticket(replace(ticket_in("en"), estimated_wait_min=0, waiting_ahead=0), REFERENCE_LAYOUT, KANJI_80)
    text = device_text(data)
    assert "まもなくお呼びします" in text and "You will be called soon" in text and "約0分" not in text


# ---- fonts and fallbacks -------------------------------------------------------------------------


def test_vietnamese_is_drawn_with_the_shipped_fallback_font() -> None:
    assert IPAEX_ONLY.plan_runs("Nhận thẻ") is None
    assert SHIPPED.plan_runs("Nhận thẻ") == [(FontFile(str(SHIPPED_FALLBACK)), "Nhận thẻ")]
    assert SHIPPED.plan_runs("カード交付") == [(FontFile(str(SHIPPED_FONT)), "カード交付")]


def test_a_line_no_font_can_draw_is_refused_not_drawn_as_boxes() -> None:
    assert SHIPPED.plan_runs("카드 수령") is None
    assert render_line(SHIPPED, (Segment("카드 수령", 24),), 576) is None
    assert SHIPPED.missing("카드 A") == "카드"


def test_korean_without_a_hangul_font_prints_english_throughout() -> None:
    ko = render_ticket(ticket_in("ko"), REFERENCE_LAYOUT, RASTER_80)  # no discovery: no Hangul font
    en = render_ticket(ticket_in("en"), REFERENCE_LAYOUT, RASTER_80)
    assert ko == en


def test_chinese_without_a_font_for_every_line_is_english_throughout_too() -> None:
    zh = render_ticket(ticket_in("zh"), REFERENCE_LAYOUT, RASTER_80)
    assert zh == render_ticket(ticket_in("en"), REFERENCE_LAYOUT, RASTER_80)


def test_japanese_line_drops_only_the_characters_no_font_has() -> None:
    emoji = render_ticket(replace(ticket_in("ja"), site_name="福津市役所🙇"), REFERENCE_LAYOUT, RASTER_80)
    plain = render_ticket(ticket_in("ja"), REFERENCE_LAYOUT, RASTER_80)
    assert emoji == plain


def test_font_lookup_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(FONT_ENV, str(SHIPPED_FALLBACK))
    assert Layout(discover_fonts=False).fonts().primary == FontFile(str(SHIPPED_FALLBACK))
    explicit = Layout(font_path=str(SHIPPED_FONT), discover_fonts=False)
    assert explicit.fonts().primary == FontFile(str(SHIPPED_FONT))
    monkeypatch.delenv(FONT_ENV)
    assert Layout(discover_fonts=False).fonts().primary == FontFile(str(SHIPPED_FONT))
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "nope.ttf"))
    with pytest.raises(FileNotFoundError, match=FONT_ENV):
        Layout(discover_fonts=False).fonts()
    with pytest.raises(FileNotFoundError, match="fallback font"):
        Layout(font_path=str(SHIPPED_FONT), fallback_fonts=(str(tmp_path / "x.ttf"),)).fonts()


def test_normalize_composes_vietnamese_and_drops_invisible_characters() -> None:
    decomposed = "Nha\u0323\u0302n"
    assert normalize(decomposed) == "Nhận"
    assert normalize("福津\u200b市\ufe0f\u2009役所") == "福津市 役所"


# ---- text layout ---------------------------------------------------------------------------------


def test_wrapping_keeps_lines_inside_the_paper_and_obeys_kinsoku() -> None:
    text = "マイナンバーカードの受け取りには、本人確認書類（運転免許証など）と通知書が必要です。"
    lines = wrap_text(SHIPPED, text, 24, 360)
    assert "".join(lines) == text
    assert len(lines) > 1
    for line in lines:
        assert (text_width(SHIPPED, line, 24) or 0) <= 360
        assert line[0] not in "、。）」"
        assert line[-1] not in "（「"


def test_latin_wraps_at_spaces() -> None:
    lines = wrap_text(SHIPPED, "Please wait until your number is called on the screen", 21, 300)
    assert all(not line.startswith(" ") and not line.endswith(" ") for line in lines)
    assert " ".join(lines) == "Please wait until your number is called on the screen"


def test_a_line_too_wide_is_drawn_smaller_not_cut_off() -> None:
    band = render_line(SHIPPED, (Segment("とても長い施設名の市民サービスセンター窓口", 48, True),), 384, 8)
    assert band is not None
    box = band.point(lambda v: 255 - v).getbbox()
    assert box is not None and box[0] >= 8 - 2 and box[2] <= 384 - 8 + 2


# ---- dates and labels ----------------------------------------------------------------------------


def test_wareki() -> None:
    assert wareki(date(2026, 11, 24)) == "令和8年11月24日"
    assert wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(date(2019, 4, 30)) == "平成31年4月30日"


def test_issue_time_is_printed_in_tokyo_time() -> None:
    assert format_issued(ISSUED_AT, "ja") == "令和8年11月24日（火） 10:05"
    assert format_issued(datetime(2026, 11, 24, 1, 5, tzinfo=UTC), "ja") == "令和8年11月24日（火） 10:05"
    assert format_issued(ISSUED_AT, "en") == "Tue 24 Nov 2026, 10:05"
    assert format_issued(ISSUED_AT, "vi") == "10:05, Thứ Ba, 24/11/2026"
    assert format_issued(ISSUED_AT, "ko") == "2026년 11월 24일 (화) 10:05"


def test_every_language_has_every_label() -> None:
    assert set(LABELS) == set(LANGUAGES)
    keys = set(LABELS["ja"])
    for lang, labels in LABELS.items():
        assert set(labels) == keys, lang
        assert "3" in labels["people"].format(n=3) and "7" in labels["minutes"].format(m=7)


# ---- tickets and pages ---------------------------------------------------------------------------


def test_training_ticket_starts_with_a_black_banner() -> None:
    data = render_ticket(replace(ticket_in("ja"), training=True), REFERENCE_LAYOUT, RASTER_80)
    first = next(op for op in escpos.decode(data) if isinstance(op, escpos.Raster))
    page = render_pages(escpos.raster(first.data, first.width_bytes, first.height), 576)[0]
    assert ink_ratio(page) > 0.6


def test_no_qr_without_status_url_and_a_custom_footer_without_translation() -> None:
    layout = replace(REFERENCE_LAYOUT, footer=("本日の受付は16:30までです",))
    with_qr = render_ticket(ticket_in("en"), layout, KANJI_80)
    without = render_ticket(replace(ticket_in("en"), status_url=None), layout, KANJI_80)
    assert len(without) < len(with_qr) - 2000
    text = device_text(with_qr)
    assert "本日の受付は16:30までです" in text and "Please wait until" not in text


def test_full_cut_when_the_profile_says_so() -> None:
    data = render_ticket(ticket_in("ja"), REFERENCE_LAYOUT, PrinterProfile(58, "raster", cut="full"))
    assert data.endswith(escpos.cut(partial=False))


def test_test_page() -> None:
    data = render_test_page(KANJI_80, printer="tcp://192.0.2.10:9100", printed_at=ISSUED_AT, layout=REFERENCE_LAYOUT)
    assert data.startswith(b"\x1b@") and isinstance(escpos.decode(data)[-1], escpos.Cut)
    text = device_text(data)
    assert "tcp://192.0.2.10:9100" in text and "mode kanji" in text and "日本語" in text and "English" in text
    pages = render_pages(render_test_page(PrinterProfile(58), layout=REFERENCE_LAYOUT), 384)
    assert len(pages) == 1 and 0.03 < ink_ratio(pages[0]) < 0.4


def test_ticket_data_travels_as_json() -> None:
    """The spooler queues tickets in Redis: TicketData must survive a msgspec round trip."""
    import msgspec

    ticket = ticket_in("vi", training=True)
    assert msgspec.json.decode(msgspec.json.encode(ticket), type=type(ticket)) == ticket


def test_profile_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="width_mm"):
        PrinterProfile(width_mm=70)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode"):
        PrinterProfile(mode="text")  # type: ignore[arg-type]
    assert PrinterProfile(58).dots == 384 and PrinterProfile(80).dots == 576
    assert PrinterProfile(80, print_dots=512).dots == 512


def test_preview_has_one_page_per_cut() -> None:
    one = render_ticket(ticket_in("ja"), REFERENCE_LAYOUT, RASTER_80)
    assert len(render_pages(one + one, 576)) == 2
    assert preview_png(one, 576).startswith(b"\x89PNG\r\n\x1a\n")


# ---- QR codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [8, 40, 120, 300, 700])
def test_qr_is_the_symbol_segno_makes_with_the_chosen_mask(length: int) -> None:
    """Our mask choice is fast; the symbol must still be exactly a valid one (segno's for that mask)."""
    import segno

    for i in range(6):
        data = f"https://madoguchi.example.jp/t/{i}" + "x7Q-" * (length // 4)
        ours = qr_matrix(data)
        assert any(tuple(segno.make_qr(data, error="m", boost_error=False, mask=k).matrix) == ours for k in range(8))


def test_qr_mask_penalty_prefers_a_busy_pattern() -> None:
    size = 21
    blank = [0] * size
    checker = [int(("10" * 11)[i % 2 : i % 2 + size], 2) for i in range(size)]
    assert _penalty(checker, size) < _penalty(blank, size)


# ---- ESC/POS -------------------------------------------------------------------------------------


def test_raster_is_split_into_bands_a_printer_accepts() -> None:
    data = escpos.raster(bytes(72 * 600), 72, 600)
    ops = escpos.decode(data)
    assert [op.height for op in ops if isinstance(op, escpos.Raster)] == [255, 255, 90]
    assert data[:8] == b"\x1dv0\x00\x48\x00\xff\x00"


def test_builders() -> None:
    assert escpos.initialize() == b"\x1b@"
    assert escpos.cut() == b"\x1dVB\x00"
    assert escpos.char_size(2, 3) == b"\x1d!\x12"
    assert escpos.feed_dots(300) == b"\x1bJ\xff\x1bJ\x2d"
    assert escpos.status_query(4) == b"\x10\x04\x04"
    with pytest.raises(ValueError):
        escpos.char_size(9, 1)


def test_split_command_waits_for_the_rest_of_a_command() -> None:
    job = escpos.raster(b"\x10\x04\x01\x00", 1, 4) + escpos.status_query(2)
    for cut_at in range(1, 12):
        assert escpos.split_command(job[:cut_at]) is None
    op, end = escpos.split_command(job) or (None, 0)
    assert isinstance(op, escpos.Raster) and op.data == b"\x10\x04\x01\x00"  # DLE EOT inside data is data
    assert escpos.split_command(job, end) == (escpos.Command("DLE EOT", b"\x02"), len(job))
