"""QR code matrices, with the mask chosen by a fast penalty evaluation.

segno chooses the best of the 8 data masks by applying and scoring each one module by module in
Python: about 5 ms of the 7 ms a ticket took to render. We ask segno for the symbol with mask 0,
undo that mask to get the data modules, score the 8 masks with rows and columns held as integer bit
sets (the ISO/IEC 18004 penalties N1-N4, format information left as for mask 0), and apply the winner
ourselves, with the format information segno writes for that mask (learnt once per symbol size).
The result is the symbol segno makes with ``mask=best`` (a test checks this on many URLs); only the
choice of mask is ours. If the segno internals we read (the function-pattern layout) ever change, we
fall back to segno's own choice.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import re
from collections.abc import Callable
from typing import Any

import segno

_RUNS = re.compile(r"0{5,}|1{5,}")  # "2" separates lines, so no run crosses one
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")

_MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


def qr_rows(data: str) -> tuple[int, tuple[int, ...]]:
    """The QR code (error correction M) of ``data`` as (size, rows); bit ``size - 1 - j`` of a row is column j.

    1 = dark module; no quiet zone.
    """
    base = segno.make_qr(data, error="m", boost_error=False, mask=0)
    size = len(base.matrix)
    region = _encoding_region(size)
    if region is None:
        return size, tuple(_bits(segno.make_qr(data, error="m", boost_error=False).matrix))
    rows = _bits(base.matrix)
    unmasked = [row ^ pattern for row, pattern in zip(rows, _mask_rows(size, 0), strict=True)]
    candidates = [[u ^ p for u, p in zip(unmasked, _mask_rows(size, k), strict=True)] for k in range(8)]
    scores = [_penalty(candidate, size) for candidate in candidates]
    best = scores.index(min(scores))
    if best == 0:
        return size, tuple(rows)
    delta = _format_delta(size, data, best)
    outside = [~r & ((1 << size) - 1) for r in region]
    return size, tuple(
        (c & r) | ((b ^ d) & o) for c, r, b, d, o in zip(candidates[best], region, rows, delta, outside, strict=True)
    )


def qr_matrix(data: str) -> tuple[bytearray, ...]:
    """``qr_rows`` as segno lays out a matrix: one bytearray of 0/1 per row."""
    size, rows = qr_rows(data)
    return tuple(bytearray(1 if r >> (size - 1 - j) & 1 else 0 for j in range(size)) for r in rows)


_DELTAS: dict[tuple[int, int], tuple[int, ...]] = {}


def _format_delta(size: int, data: str, mask: int) -> tuple[int, ...]:
    """What changes outside the data region between mask 0 and ``mask``: the format information.

    It depends only on the symbol size and the mask, so it is learnt once from segno, from the first
    data of that size.
    """
    key = (size, mask)
    if key not in _DELTAS:
        zero = _bits(segno.make_qr(data, error="m", boost_error=False, mask=0).matrix)
        other = _bits(segno.make_qr(data, error="m", boost_error=False, mask=mask).matrix)
        region = _encoding_region(size) or (0,) * size
        _DELTAS[key] = tuple((a ^ b) & ~r for a, b, r in zip(zero, other, region, strict=True))
    return _DELTAS[key]


def _bits(matrix: tuple[bytearray, ...] | list[bytearray]) -> list[int]:
    """Each row as an integer, column 0 in the highest bit."""
    return [int("".join("1" if v else "0" for v in row), 2) for row in matrix]


@functools.lru_cache(maxsize=64)
def _encoding_region(size: int) -> tuple[int, ...] | None:
    """Rows of the data-region bit sets of a symbol of ``size`` modules (function patterns are 0)."""
    try:
        encoder: Any = importlib.import_module("segno.encoder")
        matrix = encoder.make_matrix(size, size)
        encoder.add_finder_patterns(matrix, size, size)
        encoder.add_alignment_patterns(matrix, size, size)
        matrix[-8][8] = 0x1  # the dark module
        return tuple(int("".join("1" if v > 0x1 else "0" for v in row), 2) for row in matrix)
    except Exception:  # segno internals moved: use segno's own mask choice
        return None


@functools.lru_cache(maxsize=512)
def _mask_rows(size: int, mask: int) -> tuple[int, ...]:
    """Mask ``mask`` restricted to the data region, as row bit sets."""
    region = _encoding_region(size) or (0,) * size
    test = _MASKS[mask]
    rows = []
    for i in range(size):
        bits = int("".join("1" if test(i, j) else "0" for j in range(size)), 2)
        rows.append(bits & region[i])
    return tuple(rows)


def _penalty(rows: list[int], size: int) -> int:
    """ISO/IEC 18004 mask penalty: runs (N1), 2x2 blocks (N2), finder-like patterns (N3), balance (N4)."""
    full = (1 << size) - 1
    lines = [format(r, f"0{size}b") for r in rows]
    lines += ["".join(column) for column in zip(*lines, strict=True)]
    score = sum(len(m) - 2 for m in _RUNS.findall("2".join(lines)))  # N1: 3 + (run - 5)
    score += 40 * len(_FINDER_LIKE.findall("2".join("0000" + line + "0000" for line in lines)))  # N3
    pair_mask = full >> 1
    for upper, lower in itertools.pairwise(rows):  # N2
        same = ~(upper ^ lower) & full
        flat = ~(upper ^ (upper >> 1)) & pair_mask
        score += 3 * (same & (same >> 1) & flat & pair_mask).bit_count()
    dark = sum(r.bit_count() for r in rows)
    score += 10 * (abs(dark * 100 // (size * size) - 50) // 5)  # N4
    return score
