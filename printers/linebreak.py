"""Where a line of ticket text may break: between BudouX phrases, never inside a word.

Japanese has no spaces between words, so a line breaker that may break between any two characters splits
words (申請サポー／ト, 失／効, 津屋崎行政セン／ター). BudouX (Google's phrase segmenter, a small model of
feature weights with no dictionary) tells the phrase boundaries: 「電子証明書の｜発行・失効・更新」. A line
holds as many whole phrases as fit. A phrase wider than the line alone is split, in this order of preference:
after 「・」, 「、」 or 「：」 (申請受付・｜申請サポート), where the script changes between katakana, kanji, kana and
Latin (行政｜センター), and only then between any two characters. Every break obeys kinsoku: no small kana,
「ー」 or closing punctuation starts a line, no opening bracket ends one.

Latin, Vietnamese and Korean text breaks at spaces. Chinese (``lang="zh"``) breaks between any two
characters, as Chinese is set, with the same kinsoku.

The pages break at the same places: ``server.web.linebreak`` puts ``<wbr>`` at these positions in the text
the server renders, and ``server/web/static/linebreak.js`` does it in the browser with the vendored BudouX
module of the same model (a unit test compares the two models).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Final

import budoux

NO_LINE_START: Final = frozenset(
    "、。，．,.)）]］｝}」』】〕〉》”’:;：；!！?？・ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ…‥々〻ゝゞヽヾ%％〜～"
)
"""Characters that never start a line (kinsoku: small kana, the long vowel mark, closing punctuation)."""
NO_LINE_END: Final = frozenset("(（[［{｛「『【〔〈《“‘")
"""Characters that never end a line (opening brackets and quotes)."""
SPACES: Final = frozenset(" \u3000")
SOFT: Final = frozenset("・、，,/／：；")
"""Inside a phrase too wide for a line, a break after one of these (or before an opening bracket) is the least
bad."""

_PARSER: Final = budoux.load_default_japanese_parser()
MODEL: Final = _PARSER.model
"""The BudouX model in use (the vendored JavaScript module must hold the same)."""


def _kind(ch: str) -> str:
    """The script of ``ch``: kanji, hiragana, katakana, latin (letters and digits), space or other."""
    code = ord(ch)
    if ch in SPACES:
        return "space"
    if 0x3040 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "katakana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or code >= 0x20000:
        return "kanji"
    if ch == "々" or ch == "〆":
        return "kanji"
    if ch.isalnum():
        return "latin" if code < 0x2E80 or 0xFF10 <= code <= 0xFF5A else "other"
    return "other"


def _wide(ch: str) -> bool:
    """A character of a script set without spaces (CJK, kana, their punctuation); Hangul breaks at spaces."""
    code = ord(ch)
    return code >= 0x2E80 and not 0xAC00 <= code <= 0xD7AF


def _allowed(text: str, i: int) -> bool:
    """Whether a line may end before ``text[i]``: kinsoku, and no break inside a Latin word or a number."""
    before, after = text[i - 1], text[i]
    if after in SPACES or after in NO_LINE_START or before in NO_LINE_END:
        return False
    return before in SPACES or _wide(before) or _wide(after)


@functools.lru_cache(maxsize=4096)
def breaks(text: str, lang: str = "ja") -> tuple[int, ...]:
    """Positions ``i`` (0 < i < len) where a line may end before ``text[i]``: after spaces, between phrases.

    In Japanese text the phrase boundaries are BudouX's; in Chinese (``lang="zh"``) every position between
    two characters; in other scripts only spaces break.
    """
    found: set[int] = set()
    start = 0
    for i, ch in enumerate([*text, " "]):
        if ch not in SPACES:
            continue
        if i > start:
            run = text[start:i]
            if lang == "zh":
                found.update(start + k for k in range(1, len(run)))
            elif any(_wide(c) for c in run):
                offset = start
                for phrase in _PARSER.parse(run)[:-1]:
                    offset += len(phrase)
                    found.add(offset)
        if i < len(text):
            found.add(i + 1)
        start = i + 1
    return tuple(i for i in sorted(found) if 0 < i < len(text) and _allowed(text, i))


def phrases(text: str, lang: str = "ja") -> list[str]:
    """``text`` cut at every break: the units a line is made of (a unit keeps its trailing space)."""
    cuts = breaks(text, lang)
    return [text[a:b] for a, b in zip((0, *cuts), (*cuts, len(text)), strict=True)]


def wrap(text: str, fits: Callable[[str], bool], lang: str = "ja") -> list[str]:
    """Greedy line breaking: each line as many whole phrases as ``fits`` allows (trailing spaces dropped).

    A phrase that does not fit on a line of its own starts a new line and is split (``split_phrase``), so
    nothing is ever cut off; the text without its line-end spaces is the lines joined.
    """
    lines: list[str] = []
    current = ""
    for unit in phrases(text, lang):
        if fits((current + unit).rstrip()):
            current += unit
            continue
        if current.strip():
            lines.append(current.rstrip())
        *whole, current = split_phrase(unit, fits)
        lines += whole
    if current.strip():
        lines.append(current.rstrip())
    return lines or [""]


def split_phrase(phrase: str, fits: Callable[[str], bool]) -> list[str]:
    """``phrase`` in pieces that each fit (the last may be the phrase itself when it fits whole)."""
    pieces: list[str] = []
    rest = phrase
    while len(rest.rstrip()) > 1 and not fits(rest.rstrip()):
        cut = _best_cut(rest, fits)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def _best_cut(text: str, fits: Callable[[str], bool]) -> int:
    """Where to end the first line of a phrase too wide for one: the longest prefix that fits, at the best
    kind of position there is (after 「・」 or before 「（」, at a change of script, between any two characters)."""
    longest = next((n for n in range(len(text) - 1, 0, -1) if fits(text[:n].rstrip())), 1)
    inner = [i for i in range(1, longest + 1) if _allowed(text, i)]
    tiers: Sequence[list[int]] = (
        [i for i in inner if text[i - 1] in SOFT or text[i] in NO_LINE_END],
        [i for i in inner if _script_change(text[i - 1], text[i])],
        inner,
    )
    return next((max(tier) for tier in tiers if tier), longest)


def _script_change(before: str, after: str) -> bool:
    """A change between katakana and another script, or between Latin and Japanese: a word boundary in a
    compound (行政｜センター, QR｜コード). Kanji to hiragana is not one (受け取り, お待ち)."""
    kinds = {_kind(before), _kind(after)}
    return len(kinds) == 2 and ("katakana" in kinds or "latin" in kinds) and "other" not in kinds
