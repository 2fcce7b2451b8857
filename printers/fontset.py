"""Fonts for ticket text: which font file draws which character, decided from the fonts' cmaps.

A ticket must never print tofu boxes. The shipped IPAexGothic covers Japanese (JIS X 0208 and more)
and Latin-1; it lacks Hangul, most simplified Chinese and the Vietnamese letters with stacked
diacritics. So each line is drawn with a *chain* of fonts:

1. the primary font: an explicit path (``Layout.font_path``), else ``$MADOGUCHI_TICKET_FONT``, else the
   shipped ``printers/fonts/ipaexg.ttf``;
2. configured fallbacks (``Layout.fallback_fonts``), then the shipped DejaVu Sans (Vietnamese, Latin,
   Greek, Cyrillic);
3. when ``discover`` is on: an installed font that has the missing character, found with fontconfig
   (``fc-list :charset=XXXX``), e.g. Noto Sans CJK for Korean or Chinese when it is installed.

Whether a font has a character is read from its cmap with fontTools (the only reliable test: Pillow
silently draws the .notdef box). ``plan_runs`` returns None when some character is in no font; the
caller then prints an alternative (the English line) or drops the character.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SHIPPED_FONT = FONT_DIR / "ipaexg.ttf"
SHIPPED_FALLBACK = FONT_DIR / "DejaVuSans.ttf"
FONT_ENV = "MADOGUCHI_TICKET_FONT"

_IGNORABLE = frozenset({0x200B, 0x200C, 0x200D, 0xFE0E, 0xFE0F})  # zero-width and variation selectors


@dataclass(frozen=True, slots=True)
class FontFile:
    path: str
    index: int = 0  # face index inside a .ttc collection

    @property
    def name(self) -> str:
        return Path(self.path).name + (f"#{self.index}" if self.index else "")


def resolve_primary_font(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Explicit path, else ``$MADOGUCHI_TICKET_FONT``, else the shipped IPAexGothic."""
    env = os.environ if environ is None else environ
    chosen = explicit or env.get(FONT_ENV) or str(SHIPPED_FONT)
    if not Path(chosen).is_file():
        source = "font_path" if explicit else FONT_ENV if env.get(FONT_ENV) else "the shipped font"
        raise FileNotFoundError(f"ticket font not found: {chosen} (from {source})")
    return chosen


@functools.lru_cache(maxsize=64)
def _cmap(font: FontFile) -> frozenset[int]:
    if font.path.lower().endswith((".ttc", ".otc")):
        collection = TTCollection(font.path, lazy=True)
        try:
            cmap = collection.fonts[font.index].getBestCmap() or {}
        finally:
            collection.close()
    else:
        tt = TTFont(font.path, lazy=True, fontNumber=font.index)
        try:
            cmap = tt.getBestCmap() or {}
        finally:
            tt.close()
    return frozenset(cmap)


@functools.lru_cache(maxsize=512)
def sized_font(font: FontFile, size: int) -> ImageFont.FreeTypeFont:
    """A Pillow font at ``size`` px, loaded once. BASIC layout: identical bytes with or without libraqm."""
    return ImageFont.truetype(font.path, size, index=font.index, layout_engine=ImageFont.Layout.BASIC)


def covers(font: FontFile, ch: str) -> bool:
    return ord(ch) in _cmap(font)


def normalize(text: str) -> str:
    """NFC (fonts map the precomposed Vietnamese letters), one kind of space, no control characters.

    Spaces other than the ideographic one become U+0020 and zero-width characters and variation
    selectors are dropped, so no font is asked for a character it would draw as a box.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if ord(ch) in _IGNORABLE or category in ("Cc", "Cf", "Zl", "Zp"):
            continue
        out.append(" " if category == "Zs" and ch != "\u3000" else ch)
    return "".join(out)


class FontSet:
    """An ordered chain of fonts; decides per line which font draws which run of characters."""

    def __init__(self, fonts: tuple[FontFile, ...], *, discover: bool = True) -> None:
        if not fonts:
            raise ValueError("a font set needs at least one font")
        self.fonts = fonts
        self.discover = discover
        self._discovered: dict[str, FontFile | None] = {}
        self._plans: dict[str, list[tuple[FontFile, str]] | None] = {}

    @property
    def primary(self) -> FontFile:
        return self.fonts[0]

    def font(self, size: int, which: FontFile | None = None) -> ImageFont.FreeTypeFont:
        return sized_font(which or self.primary, size)

    def chain(self) -> list[FontFile]:
        extra = [f for f in self._discovered.values() if f is not None and f not in self.fonts]
        return [*self.fonts, *dict.fromkeys(extra)]

    def plan_runs(self, text: str) -> list[tuple[FontFile, str]] | None:
        """Runs of (font, text) that draw ``text`` without tofu, or None if some character has no font.

        One font for the whole line when any font in the chain has every character (mixing fonts
        inside a word looks broken), else the first font that has each character. Memoised.
        """
        if text in self._plans:
            return self._plans[text]
        if len(self._plans) > 20_000:
            self._plans.clear()
        plan = self._plan(text)
        self._plans[text] = plan
        return plan

    def _plan(self, text: str) -> list[tuple[FontFile, str]] | None:
        if not text:
            return []
        for font in self.fonts:
            if all(covers(font, ch) for ch in text):
                return [(font, text)]
        if self.discover:
            for ch in text:
                if not any(covers(f, ch) for f in self.chain()):
                    self._discover(ch)
            for font in self.chain()[len(self.fonts) :]:
                if all(covers(font, ch) for ch in text):
                    return [(font, text)]
        chain = self.chain()
        runs: list[tuple[FontFile, str]] = []
        for ch in text:
            current = runs[-1][0] if runs else None
            if current is not None and covers(current, ch):
                runs[-1] = (current, runs[-1][1] + ch)
                continue
            found = next((f for f in chain if covers(f, ch)), None)
            if found is None:
                return None
            runs.append((found, ch))
        return runs

    def missing(self, text: str) -> str:
        """The characters of ``text`` no font in the chain can draw (after discovery)."""
        if self.discover:
            for ch in text:
                if not any(covers(f, ch) for f in self.chain()):
                    self._discover(ch)
        chain = self.chain()
        return "".join(dict.fromkeys(ch for ch in text if not any(covers(f, ch) for f in chain)))

    def _discover(self, ch: str) -> None:
        if ch not in self._discovered:
            found = _fc_lookup(ord(ch))
            self._discovered[ch] = found if found is not None and covers(found, ch) else None


_BAD_STYLE = ("italic", "oblique", "light", "thin", "condensed", "black", "heavy")
_BAD_FAMILY = ("mono", "math", "serif", "emoji", "symbol")


@functools.lru_cache(maxsize=1024)
def _fc_lookup(codepoint: int) -> FontFile | None:
    """An installed font with ``codepoint``, asked of fontconfig; None without fontconfig or a match."""
    binary = shutil.which("fc-list")
    if binary is None:
        return None
    try:
        out = subprocess.run(
            [binary, "--format", "%{file}\t%{index}\t%{family}\t%{style}\n", f":charset={codepoint:x}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    candidates: list[tuple[int, str, int]] = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or not parts[0].lower().endswith((".ttf", ".otf", ".ttc", ".otc")):
            continue
        family, style = parts[2].lower(), parts[3].lower()
        score = sum(word in style for word in _BAD_STYLE) * 2 + sum(word in family for word in _BAD_FAMILY)
        score += "bold" in style
        candidates.append((score, parts[0], int(parts[1] or 0)))
    if not candidates:
        return None
    _, path, index = min(candidates)
    return FontFile(path, index)


@functools.lru_cache(maxsize=32)
def get_fontset(
    font_path: str | None = None, fallback_fonts: tuple[str, ...] = (), discover: bool = True, env_font: str = ""
) -> FontSet:
    """The cached font set for a layout's font options (``env_font`` is part of the cache key only)."""
    primary = resolve_primary_font(font_path, {FONT_ENV: env_font} if env_font else {})
    for path in fallback_fonts:
        if not Path(path).is_file():
            raise FileNotFoundError(f"fallback font not found: {path}")
    paths = [primary, *fallback_fonts, str(SHIPPED_FALLBACK)]
    fonts = tuple(dict.fromkeys(FontFile(p) for p in paths if Path(p).is_file()))
    return FontSet(fonts, discover=discover)


def fontset_for(font_path: str | None, fallback_fonts: tuple[str, ...], discover: bool) -> FontSet:
    """The font set of a layout: reads ``$MADOGUCHI_TICKET_FONT`` only when no explicit path is given."""
    env_font = "" if font_path else os.environ.get(FONT_ENV, "")
    return get_fontset(font_path, fallback_fonts, discover, env_font)
