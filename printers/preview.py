"""ESC/POS bytes back to pictures of the printed paper: the ``preview`` transport and the tests use it.

Raster bands (GS v 0) come out exactly as a printer prints them. Device text (kanji mode) is drawn with
our fonts in the printer's cells (12x24 dots per ASCII character, 24x24 per kanji, magnified by GS !),
which is close to, not identical with, the printer's own font. Every cut ends a page.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from printers import escpos
from printers.fontset import FontSet, fontset_for
from printers.raster import blank_band, raster_to_image, stack

CELL = 24  # Font A: 12x24 ASCII, 24x24 kanji
DEFAULT_LINE_SPACING = 30  # ESC 2


@dataclass
class _State:
    align: int = 0
    bold: bool = False
    width_mag: int = 1
    height_mag: int = 1
    kanji: bool = False
    line_spacing: int = DEFAULT_LINE_SPACING
    pending: list[tuple[str, bool, int, int]] = field(default_factory=list)  # (char, bold, w, h)


@dataclass
class _Page:
    width: int
    fonts: FontSet
    bands: list[Image.Image] = field(default_factory=list)
    state: _State = field(default_factory=_State)

    def feed(self, dots: int) -> None:
        if dots > 0:
            self.bands.append(blank_band(self.width, dots))

    def add_text(self, data: bytes) -> None:
        st = self.state
        text = data.decode("shift_jis" if st.kanji else "cp437", errors="replace")
        st.pending.extend((ch, st.bold, st.width_mag, st.height_mag) for ch in text)

    def flush(self, feed: bool) -> None:
        """Print the pending text (wrapped at the paper width like a printer does); feed a line if asked."""
        st = self.state
        pending, st.pending = st.pending, []
        if not pending:
            if feed:
                self.feed(st.line_spacing)
            return
        line: list[tuple[str, bool, int, int]] = []
        used = 0
        for cell in pending:
            w = _cell_width(cell[0]) * cell[2]
            if used + w > self.width and line:
                self._print_line(line)
                line, used = [], 0
            line.append(cell)
            used += w
        self._print_line(line)

    def _print_line(self, cells: list[tuple[str, bool, int, int]]) -> None:
        st = self.state
        height = max(CELL * c[3] for c in cells)
        total = sum(_cell_width(c[0]) * c[2] for c in cells)
        band = blank_band(self.width, height + max(0, st.line_spacing - CELL))
        x = {1: (self.width - total) // 2, 2: self.width - total}.get(st.align, 0)
        for ch, bold, w, h in cells:
            glyph = _cell_image(self.fonts, ch, bold)
            if w > 1 or h > 1:
                glyph = glyph.resize((glyph.width * w, glyph.height * h), Image.Resampling.NEAREST)
            band.paste(glyph, (max(0, x), height - glyph.height))
            x += glyph.width
        self.bands.append(band)

    def image(self) -> Image.Image:
        self.flush(feed=False)
        return stack(self.bands) if self.bands else blank_band(self.width, 1)


def _cell_width(ch: str) -> int:
    return 12 if ord(ch) < 0x80 else 24


@functools.lru_cache(maxsize=4096)
def _cell_image(fonts: FontSet, ch: str, bold: bool) -> Image.Image:
    """``ch`` in a printer cell (12x24 or 24x24), squeezed when our glyph is wider than the cell."""
    width = _cell_width(ch)
    runs = fonts.plan_runs(ch)
    if not runs or not ch.strip():
        return blank_band(width, CELL)
    font = fonts.font(22 if width == 24 else 20, runs[0][0])
    natural = max(width, int(font.getlength(ch)) + 2)
    cell = Image.new("L", (natural, CELL), 255)
    ImageDraw.Draw(cell).text((natural / 2, CELL - 4), ch, font=font, fill=0, anchor="ms", stroke_width=int(bold))
    if natural > width:
        cell = cell.resize((width, CELL), Image.Resampling.LANCZOS)
    return cell.point(lambda v: 0 if v < 150 else 255, "1")


def render_pages(data: bytes, width_dots: int, fonts: FontSet | None = None) -> list[Image.Image]:
    """One image per cut-off piece of paper (black on white, ``width_dots`` wide)."""
    fonts = fonts or fontset_for(None, (), True)
    pages: list[Image.Image] = []
    page = _Page(width_dots, fonts)
    for op in escpos.iter_ops(data):
        if isinstance(op, escpos.Text):
            page.add_text(op.data)
        elif isinstance(op, escpos.Raster):
            page.flush(feed=False)
            band = raster_to_image(op.width_bytes, op.height, op.data)
            if op.scale & 1 or op.scale & 2:
                band = band.resize((band.width * (1 + (op.scale & 1)), band.height * (1 + (op.scale >> 1 & 1))))
            if band.width != width_dots:
                wide = blank_band(width_dots, band.height)
                wide.paste(band, (0, 0))
                band = wide
            page.bands.append(band)
        elif isinstance(op, escpos.Cut):
            pages.append(page.image())
            page = _Page(width_dots, fonts)
        elif isinstance(op, escpos.Command):
            _apply(page, op)
    if page.bands or page.state.pending:
        pages.append(page.image())
    return pages


def _apply(page: _Page, op: escpos.Command) -> None:
    st = page.state
    arg = op.args[0] if op.args else 0
    if op.name == "ESC @":
        page.flush(feed=False)
        page.state = _State()
    elif op.name == "LF":
        page.flush(feed=True)
    elif op.name == "ESC J":
        page.flush(feed=False)
        page.feed(arg)
    elif op.name == "ESC d":
        page.flush(feed=True)
        page.feed(st.line_spacing * max(0, arg - 1))
    elif op.name == "ESC a":
        st.align = arg % 48 if arg >= 48 else arg
    elif op.name == "ESC E":
        st.bold = bool(arg & 1)
    elif op.name == "GS !":
        st.width_mag, st.height_mag = (arg >> 4) + 1, (arg & 0x0F) + 1
    elif op.name == "FS &":
        st.kanji = True
    elif op.name == "FS .":
        st.kanji = False
    elif op.name == "ESC 3":
        st.line_spacing = arg
    elif op.name == "ESC 2":
        st.line_spacing = DEFAULT_LINE_SPACING


def to_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def preview_image(data: bytes, width_dots: int) -> Image.Image:
    """All pages of ``data`` one under the other, with a grey gap where the paper was cut."""
    pages = render_pages(data, width_dots)
    if len(pages) == 1:
        return pages[0]
    gap = 24
    out = Image.new("L", (width_dots, sum(p.height for p in pages) + gap * (len(pages) - 1)), 160)
    y = 0
    for p in pages:
        out.paste(p.convert("L"), (0, y))
        y += p.height + gap
    return out


def preview_png(data: bytes, width_dots: int) -> bytes:
    """PNG of what ``data`` prints on paper ``width_dots`` wide (used by the preview transport and docs)."""
    return to_png(preview_image(data, width_dots))


def preview_pngs(data: bytes, width_dots: int) -> list[bytes]:
    """One PNG per ticket (per cut) of ``data``."""
    return [to_png(page) for page in render_pages(data, width_dots)]
