"""The pages' message catalogs: complete for every visitor language, consistent placeholders, and every key the
templates and scripts use exists. Also the ticket QR code's SVG."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from printers.qr import qr_matrix
from server.config import LANGUAGES
from server.queue.models import EVENT_OF, Outcome
from server.web import i18n
from server.web.qr import QUIET_ZONE, qr_svg

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *ROOT.glob("kiosk/templates/**/*.html"),
    *ROOT.glob("server/web/templates/**/*.html"),
    *ROOT.glob("kiosk/static/*.js"),
    *ROOT.glob("server/web/static/*.js"),
    *ROOT.glob("server/phone/templates/**/*.html"),
    *ROOT.glob("server/phone/static/*.js"),
    *ROOT.glob("server/console/templates/**/*.html"),
    *ROOT.glob("server/console/static/*.js"),
    *ROOT.glob("board/templates/**/*.html"),
    *ROOT.glob("board/static/*.js"),
]
PREFIXES = (
    "app|conn|lang|kiosk|closed|ticket|checkin|error|unavailable|setup|login|staff|guide|phone|console|board|visitor"
)
KEY_IN_SOURCE = re.compile(rf"""["']((?:{PREFIXES})\.[a-z_]+(?:\.[a-z_]+)*)["`']""")


def test_every_configured_language_has_a_catalog() -> None:
    assert set(LANGUAGES) <= set(i18n.available())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_visitor_texts_are_complete_in_every_language(lang: str) -> None:
    japanese = i18n.catalog("ja")
    catalog = i18n.catalog(lang)
    visitor = {k for k in japanese if not i18n.is_staff_key(k)}
    assert visitor - set(catalog) == set(), f"{lang} lacks visitor texts"
    for key in visitor:
        assert i18n.placeholders(catalog[key]) == i18n.placeholders(japanese[key]), (lang, key)


@pytest.mark.parametrize("lang", i18n.STAFF_LANGUAGES)
def test_staff_texts_are_in_japanese_and_english(lang: str) -> None:
    japanese = i18n.catalog("ja")
    catalog = i18n.catalog(lang)
    for key in (k for k in japanese if i18n.is_staff_key(k)):
        assert key in catalog, (lang, key)
        assert i18n.placeholders(catalog[key]) == i18n.placeholders(japanese[key]), (lang, key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_is_empty_and_plurals_have_other(lang: str) -> None:
    for key, message in i18n.catalog(lang).items():
        if isinstance(message, dict):
            assert "other" in message and all(message.values()), (lang, key)
        else:
            assert message.strip(), (lang, key)


# Websocket event types look like catalog keys ("ticket.called"); they are names of events, not texts.
EVENT_TYPES = {*EVENT_OF.values(), "ticket.issued", "ticket.status"}


def test_every_key_the_pages_use_exists() -> None:
    used = {
        (path.name, key)
        for path in SOURCES
        for key in KEY_IN_SOURCE.findall(path.read_text(encoding="utf-8"))
        if key not in EVENT_TYPES
    }
    assert used, "the pattern finds the keys"
    missing = sorted((name, key) for name, key in used if i18n.lookup("ja", key) is None)
    assert missing == []


def test_translate_fills_placeholders_chooses_plurals_and_falls_back() -> None:
    assert i18n.translate("ja", "kiosk.waiting", n=3) == "3人待ち"
    assert i18n.translate("en", "ticket.ahead", n=1) == "1 person ahead of you"
    assert i18n.translate("en", "ticket.ahead", n=4) == "4 people ahead of you"
    assert i18n.translate("vi", "guide.title") == "Reception"  # staff text: English for other languages
    assert i18n.translate("ja-easy", "guide.title") == "総合案内"  # やさしい日本語 falls back to Japanese
    assert i18n.translate("ja", "no.such.key") == "no.such.key"


def test_qr_svg_draws_every_dark_module_with_a_quiet_zone() -> None:
    url = "http://192.168.10.5:8000/t/abcdefghijklmnopqrstuv"
    rows = qr_matrix(url)
    svg = qr_svg(url)
    size = len(rows) + 2 * QUIET_ZONE
    assert svg.startswith("<svg") and f'viewBox="0 0 {size} {size}"' in svg
    assert svg.count("h1v1h-1z") == sum(sum(row) for row in rows)
    assert f"M{QUIET_ZONE} {QUIET_ZONE}h1v1h-1z" in svg  # the finder pattern's corner module


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_end_of_a_ticket_says_what_happens_next_in_every_language(lang: str) -> None:
    """The visitor page names each outcome and what to do next (visitor.js OUTCOMES), and a no-show or cancelled
    ticket where to go; 「まもなくお呼びします」 gives way to ``ticket.no_counter`` while no counter is open."""
    catalog = i18n.catalog(lang)
    keys = [f"visitor.{part}.{outcome.value}" for outcome in Outcome for part in ("outcome", "next")]
    keys += ["visitor.next.no_show", "visitor.next.cancelled", "visitor.unserved_body", "ticket.no_counter"]
    for key in keys:
        assert isinstance(catalog.get(key), str) and catalog[key].strip(), (lang, key)
    visitor_js = (ROOT / "board" / "static" / "visitor.js").read_text(encoding="utf-8")
    for outcome in Outcome:
        assert f'"visitor.outcome.{outcome.value}"' in visitor_js, outcome
