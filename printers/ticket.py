"""Ticket layout: (ticket, layout, printer profile) -> ESC/POS bytes. Pure: no I/O but reading fonts.

Two ways to put text on paper:

- ``raster`` (the default, any ESC/POS printer): every line is drawn with a Japanese font into a 1-bit
  band and sent as GS v 0. What you see in the PNG preview is exactly what prints.
- ``kanji`` (Japanese-model printers): text lines use the printer's own fonts, Shift_JIS in kanji mode
  (FS C 1, then FS & ... FS . around each line). A line with any character outside JIS X 0208 (髙,
  emoji, Vietnamese, Korean, simplified Chinese) is drawn as a raster band instead: never ``?``.

In both modes the big number and the QR code are raster images (the printer's 8x magnified font is
blocky; a raster number is crisp and the same size on every model).

The visitor's language: Japanese is always printed; when the visitor chose another language the same
information follows in that language, smaller. A line whose characters no available font has (Korean
on a machine without a Hangul font) is printed in English instead, never as tofu boxes.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from printers import escpos, linebreak
from printers.fontset import FontSet, fontset_for, normalize
from printers.labels import format_issued, labels_for, paused_slip_labels
from printers.profile import PrinterProfile
from printers.raster import (
    Align,
    Segment,
    image_to_escpos,
    render_line,
    render_number,
    render_qr,
    render_rule,
    text_width,
    wrap_text,
)

DEFAULT_FOOTER = "番号が呼ばれるまでお待ちください"


@dataclass(frozen=True, slots=True)
class TicketData:
    """What a ticket says. Built by the caller from the issued ticket and the configuration."""

    number: str  # "P012"
    site_name: str  # "福津市役所"
    service_name: str  # Japanese, "カード交付"
    service_name_local: str | None  # the visitor's language when not Japanese, e.g. "Nhận thẻ"
    lang: str  # ja, en, zh, ko, vi, ja-easy
    waiting_ahead: int
    estimated_wait_min: int
    issued_at: datetime  # aware; printed in Asia/Tokyo
    status_url: str | None  # QR code when given
    training: bool = False  # 「研修用」 banner
    service_name_en: str | None = None  # printed instead of service_name_local when no font can draw it
    # "reservation": a reservation's confirmation slip instead (render_reservation_slip): `number` is the
    # code, `status_url` what its QR code holds, `lines` the date and time, `notes` what to do on the day.
    # "paused": the "please come back" slip of a ticket cancelled while its service was paused
    # (render_paused_slip): `lines` the reason in Japanese, `notes` in English (or nothing), `issued_at` the
    # time of the cancellation
    kind: str = "ticket"
    lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # Open counters serving the service when the ticket was issued; 0: none, so the ticket promises a call when one
    # opens instead of 「まもなくお呼びします」 or an estimate (None: not known, e.g. an old job: as before)
    counters_open: int | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    """Site-wide choices for how tickets look (hashable: it is part of render cache keys)."""

    footer: tuple[str, ...] = (DEFAULT_FOOTER,)
    # Translations of a custom footer, as (lang, lines) pairs; the default footer has its own.
    footer_local: tuple[tuple[str, tuple[str, ...]], ...] = ()
    font_path: str | None = None  # primary font; else $MADOGUCHI_TICKET_FONT, else the shipped IPAexGothic
    fallback_fonts: tuple[str, ...] = ()  # tried after the primary, before the shipped DejaVu Sans
    discover_fonts: bool = True  # ask fontconfig for an installed font with a missing character

    def fonts(self) -> FontSet:
        return fontset_for(self.font_path, self.fallback_fonts, self.discover_fonts)

    def footer_for(self, lang: str) -> tuple[str, ...]:
        if self.footer == (DEFAULT_FOOTER,):
            return (labels_for(lang)["footer"],)
        return dict(self.footer_local).get(lang, ())


@dataclass(frozen=True, slots=True)
class _Sizes:
    """Pixel sizes of the text on one paper width."""

    margin: int
    site: int
    service: int
    local: int
    label: int
    value: int
    body: int
    small: int
    banner: int


_SIZES = {
    80: _Sizes(margin=12, site=34, service=44, local=26, label=28, value=36, body=24, small=21, banner=34),
    58: _Sizes(margin=8, site=28, service=34, local=22, label=22, value=28, body=20, small=18, banner=28),
}


def _sizes(profile: PrinterProfile) -> _Sizes:
    return _SIZES[58] if profile.dots < 480 else _SIZES[80]


# ---- Shift_JIS for kanji mode --------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def shift_jis(text: str) -> bytes | None:
    """Bytes a Japanese-model printer prints as ``text`` in kanji mode, or None if it cannot.

    Only ASCII and the two-byte characters of JIS X 0208 are accepted: the NEC and IBM extensions of
    Windows' cp932 (①, ㈱, 髙) are missing from many printers, and single-byte half-width katakana
    depend on the code page, so half-width katakana are widened first.
    """
    out = bytearray()
    for ch in unicodedata.normalize("NFKC", text) if _has_halfwidth_kana(text) else text:
        if 0x20 <= ord(ch) < 0x7F:
            out.append(ord(ch))
            continue
        encoded = _jis_x_0208(ch)
        if encoded is None:
            return None
        out += encoded
    return bytes(out)


def _has_halfwidth_kana(text: str) -> bool:
    return any(0xFF61 <= ord(ch) <= 0xFF9F for ch in text)


def _jis_x_0208(ch: str) -> bytes | None:
    for codec in ("shift_jis", "cp932"):  # cp932 spells ～ and － as Windows text has them
        try:
            encoded = ch.encode(codec)
        except UnicodeEncodeError:
            continue
        if len(encoded) != 2:
            return None
        try:
            encoded.decode("shift_jis")  # rejects cp932's NEC/IBM extension rows
        except UnicodeDecodeError:
            return None
        return encoded
    return None


def _device_width(text: str, magnify: int) -> int:
    """Dots ``text`` takes in the printer's Font A: 12 per ASCII character, 24 per kanji."""
    return sum(12 if ord(ch) < 0x80 else 24 for ch in text) * magnify


def _device_wrap(text: str, magnify: int, width: int, lang: str) -> list[str]:
    """Device text in lines of the printer's font, broken between phrases with kinsoku (``printers.linebreak``)."""
    return linebreak.wrap(text, lambda line: _device_width(line, magnify) <= width, lang)


# ---- the builder ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _line_bytes(
    fonts: FontSet, segments: tuple[Segment, ...], width: int, margin: int, align: Align, invert: bool
) -> bytes | None:
    band = render_line(fonts, segments, width, margin, align, invert)
    return None if band is None else image_to_escpos(band)


@functools.lru_cache(maxsize=512)
def _number_bytes(fonts: FontSet, number: str, width: int, height: int, margin: int) -> bytes:
    return image_to_escpos(render_number(fonts, number, width, height, margin))


@functools.lru_cache(maxsize=16)
def _rule_bytes(width: int, margin: int) -> bytes:
    return image_to_escpos(render_rule(width, margin))


@dataclass
class _Builder:
    profile: PrinterProfile
    fonts: FontSet
    out: bytearray = field(default_factory=bytearray)

    @property
    def width(self) -> int:
        return self.profile.dots

    @property
    def sizes(self) -> _Sizes:
        return _sizes(self.profile)

    @property
    def kanji(self) -> bool:
        return self.profile.mode == "kanji"

    def start(self) -> None:
        self.out += escpos.initialize()
        if self.kanji:  # ASCII as ASCII (not ¥ for \\), then Shift_JIS for two-byte text
            self.out += b"\x1bR\x00\x1bt\x00" + escpos.kanji_code_shift_jis()

    def finish(self) -> bytes:
        self.feed(24)
        self.out += escpos.cut(partial=self.profile.cut == "partial")
        return bytes(self.out)

    def feed(self, dots: int) -> None:
        self.out += escpos.feed_dots(dots)

    def rule(self) -> None:
        self.out += _rule_bytes(self.width, self.sizes.margin)

    def raster_line(self, segments: Iterable[Segment], align: Align = "center", invert: bool = False) -> bool:
        data = _line_bytes(self.fonts, tuple(segments), self.width, self.sizes.margin, align, invert)
        if data is None:
            return False
        self.out += data
        return True

    def text(self, text: str, size: int, *, bold: bool = False, align: Align = "center", lang: str = "ja") -> bool:
        """Wrapped text; False (nothing printed) when a character has no font and no device glyph.

        ``lang`` is the language of ``text``: Japanese breaks between phrases, Chinese between characters.
        """
        text = normalize(text)
        if not text:
            return True
        if self.kanji and self._device_text(text, size, bold, align, lang):
            return True
        lines = wrap_text(self.fonts, text, size, self.width - 2 * self.sizes.margin, bold, lang)
        rendered = [
            _line_bytes(self.fonts, (Segment(line, size, bold),), self.width, self.sizes.margin, align, False)
            for line in lines
        ]
        if any(r is None for r in rendered):
            return False
        for r in rendered:
            self.out += r or b""
        return True

    def fits(self, text: str, size: int) -> bool:
        """Whether ``text`` prints on one line (in the printer's font in kanji mode)."""
        if self.kanji and shift_jis(text) is not None:
            return _device_width(text, 2 if size >= 34 else 1) <= self.width
        width = text_width(self.fonts, normalize(text), size)
        return width is not None and width <= self.width - 2 * self.sizes.margin

    def printable(self, text: str) -> bool:
        """Whether ``text`` prints without a missing glyph (device kanji or our fonts)."""
        text = normalize(text)
        return (self.kanji and shift_jis(text) is not None) or self.fonts.plan_runs(text) is not None

    def text_or_drop(self, text: str, size: int, *, bold: bool = False, align: Align = "center") -> None:
        """Japanese lines have no alternative: print them without the characters no font has."""
        text = normalize(text)
        if not self.text(text, size, bold=bold, align=align):
            missing = self.fonts.missing(text)
            self.text("".join(ch for ch in text if ch not in missing), size, bold=bold, align=align)

    def _device_text(self, text: str, size: int, bold: bool, align: Align, lang: str) -> bool:
        if shift_jis(text) is None:
            return False
        # Big text is double width and height; when that needs more than one line, double height
        # only (twice the characters per line: a service name stays in one or two lines).
        width = height = 2 if size >= 34 else 1
        usable = self.width  # device text has no side bearings to protect: the full print width
        lines = _device_wrap(text, width, usable, lang)
        if width == 2 and len(lines) > 1:
            width = 1
            lines = _device_wrap(text, width, usable, lang)
        device_align: Literal["left", "center", "right"] = "center" if align == "justify" else align
        self.out += escpos.align(device_align) + escpos.char_size(width, height) + escpos.emphasis(bold)
        for line in lines:
            self.out += escpos.kanji_on() + (shift_jis(line) or b"") + escpos.kanji_off() + b"\n"
        self.out += escpos.char_size(1, 1) + escpos.emphasis(False) + escpos.align("left")
        return True

    def row(self, label: str, value: str) -> None:
        """A label at the left margin and its value at the right, on one line."""
        s = self.sizes
        if self.kanji:
            cells = (self.width - 2 * s.margin) // 12
            gap = cells - (_device_width(label, 1) + _device_width(value, 1)) // 12
            if gap >= 1 and shift_jis(label + value) is not None:
                self.text(label + " " * gap + value, s.body, bold=True)
                return
        segments = (Segment(label, s.label), Segment(value, s.value, bold=True))
        if not self.raster_line(segments, align="justify"):
            self.text_or_drop(f"{label} {value}", s.label)

    def number(self, number: str) -> None:
        height = self.width // 3  # about a third of the paper width: readable from across the room
        self.out += _number_bytes(self.fonts, normalize(number), self.width, height, self.sizes.margin)

    def qr(self, url: str) -> None:
        self.out += image_to_escpos(render_qr(url, self.width))

    def part(self) -> None:
        """A rule between two parts of a slip, with room on both sides."""
        self.feed(12)
        self.rule()
        self.feed(10)

    def slip_head(self, site_name: str, title: str, training: bool) -> None:
        """Start a slip (not a ticket): the training banner when training, the site, the slip's title."""
        s = self.sizes
        self.start()
        if training:
            self.banner(labels_for("ja")["training"])
            self.feed(12)
        self.text_or_drop(site_name, s.site, bold=True)
        self.feed(6)
        self.text_or_drop(title, s.service, bold=True)

    def banner(self, text: str) -> None:
        """White on black, full width (training tickets must not pass for real ones)."""
        s = self.sizes
        if not self.raster_line((Segment(f"  {text}  ", s.banner, bold=True),), invert=True):
            self.text_or_drop(text, s.banner, bold=True)


# ---- tickets -------------------------------------------------------------------------------------


def render_ticket(ticket: TicketData, layout: Layout, profile: PrinterProfile) -> bytes:
    """The complete print job of one ticket, from ESC @ to the cut."""
    if ticket.kind == "reservation":
        return render_reservation_slip(ticket, layout, profile)
    if ticket.kind == "paused":
        return render_paused_slip(ticket, layout, profile)
    b = _Builder(profile, layout.fonts())
    s = b.sizes
    ja = labels_for("ja")
    visitor = _visitor_lines(b, ticket, layout)
    b.start()

    if ticket.training:
        b.banner(f"{ja['training']} {visitor.training}" if visitor else ja["training"])
        b.feed(12)

    b.text_or_drop(ticket.site_name, s.site, bold=True)
    b.feed(6)
    b.text_or_drop(ticket.service_name, s.service, bold=True)
    if visitor and visitor.service:
        b.text(visitor.service, s.local, lang=visitor.lang)
    b.feed(12)
    b.rule()
    b.feed(10)

    if b.kanji:
        b.text(f"{ja['number']}  {visitor.number}" if visitor else ja["number"], s.body)
    else:
        b.raster_line([Segment(ja["number"], s.body), Segment(visitor.number if visitor else "", s.small)])
    b.feed(8)
    b.number(ticket.number)
    b.feed(16)
    b.rule()
    b.feed(12)

    b.row(ja["waiting_ahead"], ja["people"].format(n=ticket.waiting_ahead))
    if visitor:
        b.text(visitor.waiting_ahead, s.small, lang=visitor.lang)
    b.feed(8)
    if ticket.counters_open == 0:
        b.text(ja["no_counter"], s.label, bold=True)
        b.text(ja["no_counter_note"], s.small)
    elif ticket.estimated_wait_min > 0:
        b.row(ja["estimated_wait"], ja["minutes"].format(m=ticket.estimated_wait_min))
    else:
        b.text(ja["soon"], s.label, bold=True)
    if visitor:
        b.text(visitor.estimated_wait, s.small, lang=visitor.lang)
    b.feed(10)
    issued = format_issued(ticket.issued_at, "ja")
    labelled = f"{ja['issued']}　{issued}"
    b.text(labelled if b.fits(labelled, s.body) else issued, s.body)
    if visitor:
        b.text(visitor.issued, s.small, lang=visitor.lang)
    b.feed(12)

    if ticket.status_url:
        b.rule()
        b.feed(8)
        b.qr(ticket.status_url)
        b.text(ja["qr"], s.small)
        if visitor:
            b.text(visitor.qr, s.small, lang=visitor.lang)
        b.feed(10)

    if layout.footer:
        b.rule()
        b.feed(10)
        for line in layout.footer:
            b.text_or_drop(line, s.body)
        if visitor:
            for line in visitor.footer:
                b.text(line, s.small, lang=visitor.lang)
    return b.finish()


def render_reservation_slip(slip: TicketData, layout: Layout, profile: PrinterProfile) -> bytes:
    """A reservation's confirmation slip (ご予約確認票): site, service, date and time, the code large and as a
    QR code for the kiosk's scanner, what to do on the day. Never the name: a slip may be lost."""
    b = _Builder(profile, layout.fonts())
    s = b.sizes
    b.slip_head(slip.site_name, "ご予約確認票", slip.training)
    b.feed(12)
    b.rule()
    b.feed(10)
    # Regular weight at the size of the date: dense kanji (請, 撮影) run together when fake-bolded at thermal
    # resolution, and the larger plain strokes print crisp
    b.text_or_drop(slip.service_name, s.value)
    b.feed(6)
    for line in slip.lines:
        b.text_or_drop(line, s.value, bold=True)
    b.feed(12)
    b.rule()
    b.feed(10)
    b.text_or_drop("予約番号", s.body)
    b.feed(8)
    b.number(slip.number)
    b.feed(12)
    if slip.status_url:
        b.qr(slip.status_url)
        b.feed(10)
    b.rule()
    b.feed(10)
    for note in slip.notes:
        b.text_or_drop(note, s.small)
    return b.finish()


def render_paused_slip(slip: TicketData, layout: Layout, profile: PrinterProfile) -> bytes:
    """受付休止のお知らせ: the service was stopped (and why), the number that was cancelled, the date, please come
    back another day. Japanese first, then the visitor's language (all in English when a font lacks a character,
    as on a ticket). Not a ticket: no big number, no QR code."""
    b = _Builder(profile, layout.fonts())
    s = b.sizes
    ja = paused_slip_labels("ja")
    reason_ja = slip.lines[0] if slip.lines else ""
    visitor = _paused_visitor_lines(b, slip, reason_ja)
    b.slip_head(slip.site_name, ja["title"], slip.training)
    if visitor:
        b.text(visitor["title"], s.local, lang=visitor["lang"])
    b.part()
    b.text_or_drop(ja["stopped"].format(service=slip.service_name), s.label, bold=True, align="left")
    if reason_ja:
        b.text_or_drop(ja["reason"].format(reason=reason_ja), s.body, align="left")
    if visitor:
        b.feed(6)
        b.text(visitor["stopped"], s.small, align="left", lang=visitor["lang"])
        b.text(visitor["reason"], s.small, align="left", lang=visitor["lang"])
    b.part()
    b.row(ja["number"], slip.number)
    if visitor:
        b.text(visitor["number"], s.small, lang=visitor["lang"])
    b.text(format_issued(slip.issued_at, "ja"), s.body)
    b.part()
    b.text_or_drop(ja["come_back"], s.body)
    if visitor:
        b.text(visitor["come_back"], s.small, lang=visitor["lang"])
    return b.finish()


def _paused_visitor_lines(b: _Builder, slip: TicketData, reason_ja: str) -> dict[str, str] | None:
    """The paused slip's lines in the visitor's language, or in English when a font lacks any character."""
    if slip.lang == "ja":
        return None
    reason = (slip.notes[0] if slip.notes and slip.lang != "ja-easy" else "") or reason_ja
    lines = _paused_lines(slip.lang, slip.number, slip.service_name_local or slip.service_name, reason)
    if all(b.printable(text) for text in lines.values()):
        return lines
    return _paused_lines("en", slip.number, slip.service_name_en or slip.service_name, reason)


def _paused_lines(lang: str, number: str, service: str, reason: str) -> dict[str, str]:
    t = paused_slip_labels(lang)
    return {
        "lang": lang,  # what the lines are in (how they break)
        "title": t["title"],
        "stopped": t["stopped"].format(service=service),
        "reason": t["reason"].format(reason=reason) if reason else "",
        "number": f"{t['number']}{labels_for(lang)['sep']}{number}",
        "come_back": t["come_back"],
    }


@dataclass(frozen=True, slots=True)
class _VisitorLines:
    """Everything printed in the visitor's language, resolved to one language that prints whole."""

    lang: str
    service: str | None
    number: str
    waiting_ahead: str
    estimated_wait: str
    issued: str
    qr: str
    footer: tuple[str, ...]
    training: str

    def texts(self) -> list[str]:
        service = [self.service] if self.service else []
        return [*service, self.number, self.waiting_ahead, self.estimated_wait, self.issued, self.qr, *self.footer]


def _visitor_lines(b: _Builder, ticket: TicketData, layout: Layout) -> _VisitorLines | None:
    """The visitor's lines in their language, or all in English when a font lacks any character.

    One language for the whole ticket: a Korean ticket on a machine without a Hangul font is English
    throughout (with the English service name), not half Korean and half English.
    """
    if ticket.lang == "ja":
        return None
    lines = _lines_in(ticket.lang, ticket, layout, ticket.service_name_local)
    if all(b.printable(text) for text in lines.texts()):
        return lines
    return _lines_in("en", ticket, layout, ticket.service_name_en)


def _lines_in(lang: str, ticket: TicketData, layout: Layout, service: str | None) -> _VisitorLines:
    t = labels_for(lang)
    m = ticket.estimated_wait_min
    return _VisitorLines(
        lang=lang,
        service=service,
        number=t["number"],
        waiting_ahead=f"{t['waiting_ahead']}{t['sep']}{t['people'].format(n=ticket.waiting_ahead)}",
        estimated_wait=_wait_line(t, m, ticket.counters_open),
        issued=f"{t['issued']}{t['sep']}{format_issued(ticket.issued_at, lang)}",
        qr=t["qr"],
        footer=layout.footer_for(lang),
        training=t["training"],
    )


def _wait_line(t: dict[str, str], minutes: int, counters_open: int | None) -> str:
    """The wait in the visitor's language: none of the counters open (when one opens), the estimate, or soon."""
    if counters_open == 0:
        return f"{t['no_counter']} {t['no_counter_note']}"
    return f"{t['estimated_wait']}{t['sep']}{t['minutes'].format(m=minutes)}" if minutes > 0 else t["soon"]


# ---- test page -----------------------------------------------------------------------------------


def render_test_page(
    profile: PrinterProfile,
    *,
    printer: str = "",
    printed_at: datetime | None = None,
    layout: Layout | None = None,
    qr_data: str = "https://example.jp/madoguchi/print-test",
) -> bytes:
    """A page for ``madoguchi print-test``: printer, width and mode, Japanese and English, a number, QR."""
    b = _Builder(profile, (layout or Layout()).fonts())
    s = b.sizes
    b.start()
    b.text("印刷テスト / Print test", s.service, bold=True)
    b.feed(8)
    b.rule()
    b.feed(8)
    if printer or profile.name:
        b.text(printer or profile.name, s.small)
    b.text(f"{profile.width_mm} mm, {profile.dots} dots, mode {profile.mode}, {profile.cut} cut", s.small)
    if printed_at is not None:
        b.text(format_issued(printed_at, "ja"), s.small)
    b.feed(10)
    b.text("日本語：福津市役所 マイナンバーカード窓口", s.body)
    b.text("English: if you can read this, it prints right.", s.body)
    b.feed(10)
    b.number("A000")
    b.feed(12)
    b.qr(qr_data)
    b.text("QRコード / QR code", s.small)
    return b.finish()
