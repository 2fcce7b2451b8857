"""Average, median, 90th percentile and maximum of waits and service times (minutes). Pure.

Percentiles interpolate between the two nearest values, as Excel's MEDIAN and PERCENTILE.INC do, so a
manager who checks a figure against the CSV in a spreadsheet gets the same number.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence

DECIMALS = 1


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1) of values sorted ascending; linear between neighbours (PERCENTILE.INC)."""
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary(values: array[float] | Sequence[float]) -> tuple[float | None, float | None, float | None, float | None]:
    """(average, median, 90th percentile, maximum), each rounded to one decimal; all None for no values."""
    if not values:
        return None, None, None, None
    ordered = sorted(values)
    avg = math.fsum(ordered) / len(ordered)
    return (
        round(avg, DECIMALS),
        round(percentile(ordered, 0.5), DECIMALS),
        round(percentile(ordered, 0.9), DECIMALS),
        round(ordered[-1], DECIMALS),
    )
