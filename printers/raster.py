"""Text, numbers, QR codes and rules as 1-bit images, and images to and from GS v 0 raster bytes.

Every function returns a *band*: a Pillow mode "1" image as wide as the paper (black = 0 ink, white
= 1 paper), so bands stack vertically without any positioning command and print the same on every
ESC/POS printer. Bands are cached (``functools.lru_cache``): a site name, a label or a footer line is
drawn once per process, and the big number is assembled from cached glyphs. Cached images are shared:
callers must not draw on them.

Text is drawn anti-aliased in grey and thresholded (``INK_THRESHOLD``), which keeps thin strokes of
small kanji that FreeType's monochrome mode drops.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw

from printers import escpos, linebreak
from printers.fontset import FontFile, FontSet
from printers.qr import qr_rows

Align = Literal["left", "center", "right", "justify"]

INK_THRESHOLD = 150
"""Grey levels below this print black: a little bolder than 50 %, as thermal heads like it."""
_LUT_INK = [0 if v < INK_THRESHOLD else 255 for v in range(256)]
_LUT_INVERTED = [255 if v < INK_THRESHOLD else 0 for v in range(256)]

QR_QUIET_MODULES = 4
"""Light modules around a QR code, as ISO/IEC 18004 requires."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of one printed line: text at a pixel size, optionally bold."""

    text: str
    size: int
    bold: bool = False


def stroke_for(size: int, bold: bool) -> int:
    """Fake-bold stroke width in pixels (the fonts have no bold face); thin enough to keep 撮 open."""
    return max(1, round(size / 32)) if bold else 0


# ---- measuring -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def text_width(fonts: FontSet, text: str, size: int, bold: bool = False) -> int | None:
    """Width in dots of ``text`` drawn at ``size``, or None when some character has no font."""
    runs = fonts.plan_runs(text)
    if runs is None:
        return None
    width = sum(fonts.font(size, font).getlength(part) for font, part in runs)
    return int(width + 0.999) + 2 * stroke_for(size, bold)


@functools.lru_cache(maxsize=2048)
def wrap_text(
    fonts: FontSet, text: str, size: int, max_width: int, bold: bool = False, lang: str = "ja"
) -> tuple[str, ...]:
    """``text`` in lines no wider than ``max_width``, broken between phrases with kinsoku (``printers.linebreak``).

    A phrase wider than the line is split, so nothing is ever cut off.
    """

    def fits(candidate: str) -> bool:
        width = text_width(fonts, candidate, size, bold)
        return width is None or width <= max_width

    return tuple(linebreak.wrap(text, fits, lang))


# ---- drawing -------------------------------------------------------------------------------------


def blank_band(width: int, height: int) -> Image.Image:
    return Image.new("1", (width, height), 255)


@functools.lru_cache(maxsize=4096)
def render_line(
    fonts: FontSet,
    segments: tuple[Segment, ...],
    width: int,
    margin: int = 8,
    align: Align = "center",
    invert: bool = False,
) -> Image.Image | None:
    """One line of text segments on a shared baseline, or None when a character has no font.

    ``justify`` puts the first segment at the left margin and the last at the right (label and value).
    A line too wide for the paper is drawn smaller rather than cut off at the right edge.
    """
    segments = tuple(s for s in segments if s.text)
    if not segments:
        return None
    plans = [fonts.plan_runs(s.text) for s in segments]
    if any(p is None for p in plans):
        return None
    gap = segments[0].size // 2
    avail = width - 2 * margin
    widths = [text_width(fonts, s.text, s.size, s.bold) or 0 for s in segments]
    total = sum(widths) + gap * (len(segments) - 1)
    if total > avail:  # shrink every segment by the same ratio
        ratio = avail / total
        segments = tuple(Segment(s.text, max(8, int(s.size * ratio)), s.bold) for s in segments)
        return render_line(fonts, segments, width, margin, align, invert)
    ascent = descent = 0
    for seg, plan in zip(segments, plans, strict=True):
        stroke = stroke_for(seg.size, seg.bold)
        for font, _ in plan or ():
            asc, desc = fonts.font(seg.size, font).getmetrics()
            ascent, descent = max(ascent, asc + stroke), max(descent, desc + stroke)
    pad = 2 if invert else 0
    height = ascent + descent + 2 * pad
    xs = _positions(widths, gap, width, margin, align)
    grey = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(grey)
    for seg, plan, x0 in zip(segments, plans, xs, strict=True):
        stroke = stroke_for(seg.size, seg.bold)
        x = float(x0 + stroke)
        for font_file, part in plan or ():
            face = fonts.font(seg.size, font_file)
            draw.text((x, pad + ascent), part, font=face, fill=0, anchor="ls", stroke_width=stroke, stroke_fill=0)
            x += face.getlength(part)
    return grey.point(_LUT_INVERTED if invert else _LUT_INK, "1")


def _positions(widths: Sequence[int], gap: int, width: int, margin: int, align: Align) -> list[int]:
    total = sum(widths) + gap * (len(widths) - 1)
    if align == "justify" and len(widths) > 1:
        xs = [margin]
        for w in widths[:-1]:
            xs.append(xs[-1] + w + gap)
        xs[-1] = width - margin - widths[-1]
        return xs
    start = {"left": margin, "right": width - margin - total}.get(align, (width - total) // 2)
    xs = [start]
    for w in widths[:-1]:
        xs.append(xs[-1] + w + gap)
    return xs


def render_text(
    fonts: FontSet,
    text: str,
    size: int,
    width: int,
    *,
    bold: bool = False,
    margin: int = 8,
    align: Align = "center",
    lang: str = "ja",
) -> list[Image.Image] | None:
    """``text`` wrapped to the paper width: one band per line, or None when a character has no font."""
    bands = []
    for line in wrap_text(fonts, text, size, width - 2 * margin, bold, lang):
        band = render_line(fonts, (Segment(line, size, bold),), width, margin, align)
        if band is None:
            return None
        bands.append(band)
    return bands


@dataclass(frozen=True, slots=True)
class _Glyph:
    image: Image.Image  # mode "1", ink = 0, cropped to the ink rows
    advance: int  # dots to the next glyph
    top: int  # ink rows start this far above the baseline


@functools.lru_cache(maxsize=1024)
def _glyph(font: FontFile, size: int, ch: str, squeeze: float) -> _Glyph:
    """One bold big-number glyph, ``squeeze`` times its natural width."""
    from printers.fontset import sized_font

    face = sized_font(font, size)
    stroke = max(1, round(size / 22))  # heavier than text: the number is read from across the room
    ascent, descent = face.getmetrics()
    advance = int(face.getlength(ch)) + 2 * stroke
    grey = Image.new("L", (advance, ascent + descent + 2 * stroke), 255)
    baseline = ascent + stroke
    ImageDraw.Draw(grey).text((stroke, baseline), ch, font=face, fill=0, anchor="ls", stroke_width=stroke)
    if squeeze < 1:
        advance = max(1, round(advance * squeeze))
        grey = grey.resize((advance, grey.height), Image.Resampling.LANCZOS)
    box = grey.point(lambda v: 255 - v).getbbox()
    top, bottom = (box[1], box[3]) if box else (baseline, baseline)
    return _Glyph(grey.crop((0, top, advance, bottom)).point(_LUT_INK, "1"), advance, baseline - top)


@functools.lru_cache(maxsize=64)
def _number_size(fonts: FontSet, height: int) -> int:
    """Font size whose digits are ``height`` dots tall."""
    top = fonts.font(100).getbbox("0", anchor="ls")[1]
    return max(8, round(height * 100 / -top))


MIN_SQUEEZE = 0.72
"""The big number may be condensed to this share of its width before it is made smaller."""


@functools.lru_cache(maxsize=256)
def render_number(fonts: FontSet, text: str, width: int, height: int, margin: int = 8) -> Image.Image:
    """The ticket number, bold, its digits ``height`` dots tall.

    A number too wide for the paper is first condensed (down to ``MIN_SQUEEZE``), then made smaller,
    so it stays as tall as possible. Assembled from cached glyphs: a new number costs a few pastes.
    Characters outside the fonts are skipped (a number is letters and digits).
    """
    plan = fonts.plan_runs(text)
    if plan is None:
        missing = fonts.missing(text)
        plan = fonts.plan_runs("".join(ch for ch in text if ch not in missing)) or []
    chars = [(font, ch) for font, part in plan for ch in part]
    if not chars:
        return blank_band(width, 1)
    avail = width - 2 * margin
    size = _number_size(fonts, height)

    def natural(sz: int) -> int:
        return sum(_glyph(f, sz, ch, 1.0).advance for f, ch in chars)

    while size > 8 and natural(size) * MIN_SQUEEZE > avail:
        size = min(size - 1, int(size * avail / (natural(size) * MIN_SQUEEZE)))
    squeeze = min(1.0, int(100 * avail / natural(size)) / 100)
    glyphs = [_glyph(f, size, ch, squeeze) for f, ch in chars]
    above = max(g.top for g in glyphs)
    below = max(g.image.height - g.top for g in glyphs)
    band = blank_band(width, above + below)
    x = (width - sum(g.advance for g in glyphs)) // 2
    for g in glyphs:
        band.paste(g.image, (x, above - g.top))
        x += g.advance
    return band


_DARK_TO_GREY = bytes.maketrans(b"01", b"\xff\x00")


def render_qr(data: str, width: int, *, fraction: float = 0.45) -> Image.Image:
    """A QR code (error correction M) of ``data`` centred on the band, with its 4-module quiet zone.

    Module size: the largest whole number of dots (3 to 8) keeping the code within ``fraction`` of the
    paper width: 6 dots on 80 mm, 4 on 58 mm for a 60-character URL.
    """
    n, rows = qr_rows(data)
    q = QR_QUIET_MODULES
    total = n + 2 * q
    module = max(3, min(8, int(width * fraction) // total))
    quiet = b"\xff" * q
    grey = bytearray(b"\xff" * (total * q))
    for row in rows:
        grey += quiet + format(row, f"0{n}b").encode().translate(_DARK_TO_GREY) + quiet
    grey += b"\xff" * (total * q)
    small = Image.frombytes("L", (total, total), bytes(grey))
    big = small.resize((total * module, total * module), Image.Resampling.NEAREST).point(_LUT_INK, "1")
    band = blank_band(width, big.height)
    band.paste(big, ((width - big.width) // 2, 0))
    return band


@functools.lru_cache(maxsize=32)
def render_rule(width: int, margin: int = 8, thickness: int = 2, dash: int = 8, gap: int = 4) -> Image.Image:
    """A dashed horizontal rule between sections."""
    band = blank_band(width, thickness)
    draw = ImageDraw.Draw(band)
    x = margin
    while x < width - margin:
        draw.rectangle((x, 0, min(x + dash, width - margin) - 1, thickness - 1), fill=0)
        x += dash + gap
    return band


def stack(bands: Sequence[Image.Image], spacing: int = 0) -> Image.Image:
    """Bands one under the other (for previews and tests)."""
    width = max((b.width for b in bands), default=8)
    height = sum(b.height for b in bands) + spacing * max(0, len(bands) - 1)
    out = blank_band(width, max(1, height))
    y = 0
    for band in bands:
        out.paste(band, (0, y))
        y += band.height + spacing
    return out


# ---- images <-> GS v 0 ---------------------------------------------------------------------------


def image_to_escpos(image: Image.Image) -> bytes:
    """GS v 0 raster bytes of a band (its width must be a multiple of 8: 384 and 576 are)."""
    if image.mode != "1":
        image = image.convert("1")
    if image.width % 8:
        raise ValueError(f"raster width must be a multiple of 8 dots, got {image.width}")
    return escpos.raster(image.tobytes("raw", "1;I"), image.width // 8, image.height)


def raster_to_image(width_bytes: int, height: int, data: bytes) -> Image.Image:
    """The band a GS v 0 command prints (black = 0)."""
    return Image.frombytes("1", (width_bytes * 8, height), data, "raw", "1;I")


def ink_ratio(image: Image.Image) -> float:
    """Share of black dots (0.0 blank paper, 1.0 solid black)."""
    histogram = image.convert("L").histogram()
    return histogram[0] / max(1, image.width * image.height)
