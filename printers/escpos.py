"""ESC/POS command builders and a small decoder.

We write the bytes ourselves instead of using python-escpos: its ``text()`` encodes kanji as GB18030,
which prints garbage on every printer sold in Japan. The command set a ticket needs is small; each
builder below returns the exact bytes of one command, so the layout code reads like the printout.

The decoder (``split_command`` / ``decode``) understands what the builders emit plus the common
commands other software sends, so the PNG preview, the fake printer and the tests can read a byte
stream back. It is deliberately forgiving: an unknown command becomes an ``Unknown`` op of its first
byte(s) instead of an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

ESC = 0x1B
GS = 0x1D
FS = 0x1C
DLE = 0x10
EOT = 0x04
LF = 0x0A

MAX_RASTER_ROWS = 255
"""Rows per GS v 0 command: tall images are sent as bands, which every printer's buffer accepts."""

# ---- builders ------------------------------------------------------------------------------------


def initialize() -> bytes:
    """ESC @: reset modes (alignment, sizes, kanji mode) to the power-on defaults."""
    return b"\x1b@"


def align(where: Literal["left", "center", "right"]) -> bytes:
    """ESC a n: justification of device text (raster bands are full width and carry their own)."""
    return bytes((ESC, 0x61, {"left": 0, "center": 1, "right": 2}[where]))


def emphasis(on: bool) -> bytes:
    """ESC E n: emphasized (bold) device text."""
    return bytes((ESC, 0x45, 1 if on else 0))


def char_size(width: int = 1, height: int = 1) -> bytes:
    """GS ! n: device text magnified ``width`` x ``height`` times (1-8 each); applies to kanji too."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size must be 1-8, got {width}x{height}")
    return bytes((GS, 0x21, ((width - 1) << 4) | (height - 1)))


def feed_dots(dots: int) -> bytes:
    """ESC J n: feed ``dots`` vertical motion units (one dot at 203 dpi); split above 255."""
    out = bytearray()
    while dots > 0:
        step = min(dots, 255)
        out += bytes((ESC, 0x4A, step))
        dots -= step
    return bytes(out)


def feed_lines(lines: int) -> bytes:
    """ESC d n: print the buffer and feed ``lines`` lines."""
    return bytes((ESC, 0x64, max(0, min(lines, 255))))


def cut(partial: bool = True, feed: int = 0) -> bytes:
    """GS V m n (function B): feed to the cutter plus ``feed`` units, then cut (partial leaves a hinge)."""
    return bytes((GS, 0x56, 66 if partial else 65, max(0, min(feed, 255))))


def kanji_code_shift_jis() -> bytes:
    """FS C 1: two-byte text is Shift_JIS (Japanese-model printers only)."""
    return b"\x1cC\x01"


def kanji_on() -> bytes:
    """FS &: two-byte (kanji) character mode on."""
    return b"\x1c&"


def kanji_off() -> bytes:
    """FS .: kanji character mode off."""
    return b"\x1c."


def status_query(n: int) -> bytes:
    """DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor)."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT n must be 1-4, got {n}")
    return bytes((DLE, EOT, n))


def raster(data: bytes, width_bytes: int, height: int) -> bytes:
    """GS v 0 0: a 1-bit raster image, MSB first, 1 = black; sent in bands of ``MAX_RASTER_ROWS``."""
    if width_bytes <= 0 or height <= 0:
        return b""
    if len(data) != width_bytes * height:
        raise ValueError(f"raster data is {len(data)} bytes, expected {width_bytes}x{height}")
    out = bytearray()
    for top in range(0, height, MAX_RASTER_ROWS):
        rows = min(MAX_RASTER_ROWS, height - top)
        out += bytes((GS, 0x76, 0x30, 0, width_bytes & 0xFF, width_bytes >> 8, rows & 0xFF, rows >> 8))
        out += data[top * width_bytes : (top + rows) * width_bytes]
    return bytes(out)


# ---- decoder -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """Printable bytes (in kanji mode: Shift_JIS) between commands."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Raster:
    width_bytes: int
    height: int
    data: bytes
    scale: int = 0  # GS v 0 m: 0 normal, 1 double width, 2 double height, 3 both


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool
    feed: int


@dataclass(frozen=True, slots=True)
class Command:
    """Any other recognised command: its name and its parameter bytes."""

    name: str
    args: bytes = b""


@dataclass(frozen=True, slots=True)
class Unknown:
    data: bytes


Op = Text | Raster | Cut | Command | Unknown

_NAMES = {ESC: "ESC", GS: "GS", FS: "FS", DLE: "DLE"}

# command prefix -> (name, number of parameter bytes after the prefix)
_FIXED: dict[bytes, tuple[str, int]] = {
    b"\x0a": ("LF", 0),
    b"\x0d": ("CR", 0),
    b"\x09": ("HT", 0),
    b"\x0c": ("FF", 0),
    b"\x10\x04": ("DLE EOT", 1),
    b"\x10\x05": ("DLE ENQ", 1),
    b"\x10\x14": ("DLE DC4", 3),
    b"\x1b@": ("ESC @", 0),
    b"\x1b2": ("ESC 2", 0),
    b"\x1b3": ("ESC 3", 1),
    b"\x1b!": ("ESC !", 1),
    b"\x1b-": ("ESC -", 1),
    b"\x1bE": ("ESC E", 1),
    b"\x1bG": ("ESC G", 1),
    b"\x1bJ": ("ESC J", 1),
    b"\x1bM": ("ESC M", 1),
    b"\x1bR": ("ESC R", 1),
    b"\x1bV": ("ESC V", 1),
    b"\x1ba": ("ESC a", 1),
    b"\x1bd": ("ESC d", 1),
    b"\x1bt": ("ESC t", 1),
    b"\x1b{": ("ESC {", 1),
    b"\x1b$": ("ESC $", 2),
    b"\x1bp": ("ESC p", 3),
    b"\x1bc3": ("ESC c 3", 1),
    b"\x1bc4": ("ESC c 4", 1),
    b"\x1bc5": ("ESC c 5", 1),
    b"\x1d!": ("GS !", 1),
    b"\x1dB": ("GS B", 1),
    b"\x1dH": ("GS H", 1),
    b"\x1da": ("GS a", 1),
    b"\x1df": ("GS f", 1),
    b"\x1dh": ("GS h", 1),
    b"\x1dw": ("GS w", 1),
    b"\x1dr": ("GS r", 1),
    b"\x1dI": ("GS I", 1),
    b"\x1dL": ("GS L", 2),
    b"\x1dW": ("GS W", 2),
    b"\x1c&": ("FS &", 0),
    b"\x1c.": ("FS .", 0),
    b"\x1cC": ("FS C", 1),
    b"\x1c!": ("FS !", 1),
    b"\x1c-": ("FS -", 1),
    b"\x1cW": ("FS W", 1),
    b"\x1cS": ("FS S", 2),
    b"\x1cp": ("FS p", 2),
}


def split_command(buf: bytes | bytearray | memoryview, i: int = 0) -> tuple[Op, int] | None:
    """The op starting at ``buf[i]`` and the index after it, or None when ``buf`` ends mid-command.

    Streaming readers (the fake printer) call it on a growing buffer; ``decode`` on a whole job.
    """
    n = len(buf)
    if i >= n:
        return None
    b0 = buf[i]
    if b0 >= 0x20 and b0 != 0x7F:
        j = i + 1
        while j < n and buf[j] >= 0x20 and buf[j] != 0x7F:
            j += 1
        return Text(bytes(buf[i:j])), j
    if b0 in (ESC, GS, FS, DLE):
        if i + 1 >= n:
            return None
        head = bytes(buf[i : i + 2])
        if head == b"\x1dv":
            return _split_raster(buf, i)
        if head == b"\x1dV":
            return _split_cut(buf, i)
        if head in (b"\x1d(", b"\x1c("):
            return _split_length_prefixed(buf, i, 3, 2)
        if head == b"\x1d8":
            return _split_length_prefixed(buf, i, 3, 4)
        if head == b"\x1bc":
            if i + 2 >= n:
                return None
            head = bytes(buf[i : i + 3])
        spec = _FIXED.get(head)
        if spec is None:
            return Unknown(head), i + 2
        name, nargs = spec
        end = i + len(head) + nargs
        if end > n:
            return None
        return Command(name, bytes(buf[i + len(head) : end])), end
    spec = _FIXED.get(bytes((b0,)))
    if spec is not None:
        return Command(spec[0]), i + 1
    return Unknown(bytes((b0,))), i + 1


def _split_raster(buf: bytes | bytearray | memoryview, i: int) -> tuple[Op, int] | None:
    if i + 8 > len(buf):
        return None
    if buf[i + 2] not in (0x30, 0):
        return Unknown(bytes(buf[i : i + 3])), i + 3
    scale = buf[i + 3] & 0x03
    width_bytes = buf[i + 4] | (buf[i + 5] << 8)
    height = buf[i + 6] | (buf[i + 7] << 8)
    end = i + 8 + width_bytes * height
    if end > len(buf):
        return None
    return Raster(width_bytes, height, bytes(buf[i + 8 : end]), scale), end


def _split_cut(buf: bytes | bytearray | memoryview, i: int) -> tuple[Op, int] | None:
    if i + 3 > len(buf):
        return None
    m = buf[i + 2]
    if m in (65, 66, 97, 98, 103, 104):  # functions B, C, D: one more parameter byte
        if i + 4 > len(buf):
            return None
        return Cut(m in (66, 98, 104), buf[i + 3]), i + 4
    return Cut(m in (1, 49), 0), i + 3


def _split_length_prefixed(
    buf: bytes | bytearray | memoryview, i: int, head: int, size_bytes: int
) -> tuple[Op, int] | None:
    if i + head + size_bytes > len(buf):
        return None
    size = int.from_bytes(bytes(buf[i + head : i + head + size_bytes]), "little")
    end = i + head + size_bytes + size
    if end > len(buf):
        return None
    name = " ".join(_NAMES.get(b, chr(b)) for b in bytes(buf[i : i + head]))
    return Command(name, bytes(buf[i + head : end])), end


def iter_ops(data: bytes) -> Iterator[Op]:
    """Every op of a complete byte stream; a truncated last command becomes ``Unknown``."""
    i = 0
    while i < len(data):
        found = split_command(data, i)
        if found is None:
            yield Unknown(data[i:])
            return
        op, i = found
        yield op


def decode(data: bytes) -> list[Op]:
    return list(iter_ops(data))
