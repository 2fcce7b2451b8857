"""Japanese line breaking: tickets and pages break between phrases (BudouX), never inside a word, with kinsoku.

The words the issue names (申請サポー／ト, 失／効, 津屋崎行政セン／ター, a small ょ starting a line) are checked at
every text size the ticket layout uses on 58 and 80 mm paper, in raster mode (our fonts) and kanji mode (the
printer's font); the Jinja filter puts ``<wbr>`` at the same places and stays HTML-safe.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from markupsafe import Markup

from printers import escpos, linebreak
from printers.fontset import SHIPPED_FALLBACK, SHIPPED_FONT, FontFile, FontSet
from printers.profile import PrinterProfile
from printers.raster import text_width, wrap_text
from printers.samples import REFERENCE_LAYOUT, ticket_in
from printers.ticket import _SIZES, render_ticket

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = FontSet((FontFile(str(SHIPPED_FONT)), FontFile(str(SHIPPED_FALLBACK))), discover=False)

TEXTS = (
    "申請受付・申請サポート（写真撮影等）",
    "電子証明書（発行・失効・更新）",
    "電子証明書の発行・失効・更新",
    "津屋崎行政センター",
    "出張申請会場：津屋崎行政センター",
    "健康保険証利用登録・公金受取口座登録支援",
)
WORDS = (
    "申請受付",
    "申請サポート",
    "写真撮影等",
    "電子証明書",
    "発行",
    "失効",
    "更新",
    "津屋崎行政センター",
    "出張申請会場",
)


def split_words(lines: list[str] | tuple[str, ...]) -> list[str]:
    """The words of ``WORDS`` that the lines split (a word is split when no line holds it whole)."""
    text = "".join(lines)
    return [word for word in WORDS if word in text and not any(word in line for line in lines)]


def kinsoku_faults(lines: list[str] | tuple[str, ...]) -> list[str]:
    return [line for line in lines if line[:1] in linebreak.NO_LINE_START or line[-1:] in linebreak.NO_LINE_END]


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("text", TEXTS)
def test_ticket_lines_never_split_these_words_in_raster_mode(paper: int, text: str) -> None:
    sizes = _SIZES[paper]
    dots = PrinterProfile(paper, "raster").dots
    usable = dots - 2 * sizes.margin
    for size in sorted({sizes.site, sizes.service, sizes.local, sizes.label, sizes.value, sizes.body, sizes.small}):
        for bold in (False, True):
            lines = wrap_text(SHIPPED, text, size, usable, bold)
            assert "".join(lines) == text
            assert all((text_width(SHIPPED, line, size, bold) or 0) <= usable for line in lines)
            assert split_words(lines) == [], f"{paper} mm, {size} px: {lines}"
            assert kinsoku_faults(lines) == [], f"{paper} mm, {size} px: {lines}"


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("text", TEXTS)
def test_ticket_lines_never_split_these_words_in_kanji_mode(paper: int, text: str) -> None:
    """The service name in the printer's own font: double size when it fits one line, else normal width."""
    ticket = replace(ticket_in("ja"), service_name=text, site_name="福津市役所")
    data = render_ticket(ticket, REFERENCE_LAYOUT, PrinterProfile(paper, "kanji"))
    lines = [op.data.decode("shift_jis") for op in escpos.decode(data) if isinstance(op, escpos.Text)]
    start = next(i for i, line in enumerate(lines) if text.startswith(line))
    name: list[str] = []
    while "".join(name) != text:
        name.append(lines[start + len(name)])
    assert split_words(name) == [], f"{paper} mm: {name}"
    assert kinsoku_faults(name) == [], f"{paper} mm: {name}"


def test_the_service_name_breaks_between_its_phrases_on_a_58_mm_ticket() -> None:
    sizes = _SIZES[58]
    usable = PrinterProfile(58, "raster").dots - 2 * sizes.margin
    lines = wrap_text(SHIPPED, "申請受付・申請サポート（写真撮影等）", sizes.service, usable, True)
    assert lines == ("申請受付・", "申請サポート", "（写真撮影等）")


def chars(n: int) -> Callable[[str], bool]:
    """A line of at most ``n`` characters."""
    return lambda line: len(line) <= n


def test_a_phrase_wider_than_the_line_breaks_after_a_middle_dot_or_between_scripts_first() -> None:
    assert linebreak.wrap("申請受付・申請サポート", chars(8)) == ["申請受付・", "申請サポート"]
    assert linebreak.wrap("津屋崎行政センター", chars(6)) == ["津屋崎行政", "センター"]
    assert linebreak.wrap("電子証明書の発行・失効・更新", chars(9)) == ["電子証明書の", "発行・失効・更新"]


def test_kinsoku_when_a_phrase_must_be_split_by_character() -> None:
    for width in range(3, 8):  # (2 cannot be done: しょっ is one cluster)
        lines = linebreak.wrap("しょっちゅうちょっとびっくり", chars(width))
        assert "".join(lines) == "しょっちゅうちょっとびっくり"
        assert kinsoku_faults(lines) == [], lines
        assert all(len(line) <= width for line in lines)


def test_an_opening_bracket_never_ends_a_line_and_a_closing_one_never_starts_one() -> None:
    for width in range(5, 12):  # (P001） is the longest cluster)
        lines = linebreak.wrap("番号（例：P001）を「確認」してください。", chars(width))
        assert kinsoku_faults(lines) == [], lines


def test_latin_and_korean_break_at_spaces_chinese_between_characters() -> None:
    assert linebreak.breaks("Card pickup now") == (5, 12)
    assert linebreak.breaks("P012 10:05") == (5,)
    assert linebreak.breaks("카드 신청 접수") == (3, 6)
    assert linebreak.breaks("领取卡片。", "zh") == (1, 2, 3)  # never before 。


def test_budoux_phrases() -> None:
    assert linebreak.phrases("申請受付・申請サポート（写真撮影等）") == ["申請受付・申請サポート", "（写真撮影等）"]
    assert linebreak.phrases("電子証明書の発行・失効・更新") == ["電子証明書の", "発行・失効・更新"]
    assert linebreak.phrases("あなたの前に 3人 お待ちです") == ["あなたの前に ", "3人 ", "お待ちです"]


# ---- the pages -----------------------------------------------------------------------------------


def test_the_jinja_filter_puts_wbr_between_phrases_and_escapes_the_text() -> None:
    from server.web.linebreak import phrase_breaks

    assert phrase_breaks("電子証明書の発行・失効・更新") == Markup("電子証明書の<wbr>発行・失効・更新")
    assert phrase_breaks("申請受付・申請サポート（写真撮影等）") == Markup("申請受付・申請サポート<wbr>（写真撮影等）")
    hostile = phrase_breaks("<script>alert(1)</script>の受付")
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile
    assert phrase_breaks(Markup("<b>予約</b>")) == Markup("<b>予約</b>")  # already HTML: left alone
    assert phrase_breaks(None) == Markup("")


def test_the_filter_is_registered_for_every_page_template() -> None:
    from server.web.pages import template_config

    config = template_config([])
    engine = config.to_engine()
    rendered = engine.engine.from_string("{{ name|phrases }}").render(name="電子証明書の発行・失効・更新<")
    assert rendered == "電子証明書の<wbr>発行・失効・更新&lt;"


def test_the_vendored_javascript_model_is_the_python_packages() -> None:
    """Screens and paper break at the same places only while both sides hold the same BudouX model."""
    source = (ROOT / "server" / "web" / "static" / "vendor" / "budoux" / "ja.js").read_text(encoding="utf-8")
    match = re.fullmatch(r"(?s).*?export const model = (\{.*\});\s*", source)
    assert match, "ja.js is not the vendored model module"
    assert json.loads(match.group(1)) == linebreak.MODEL
