"""和暦 (the Japanese era calendar) for report titles: "令和8年11月24日", "令和8年11月分", "令和8年度".

The era table comes from the ``japanera`` library (eras and their first days, kept up to date by its
maintainers), so a new era needs a library update, not an edit here. The first year of an era is written
元年 ("令和元年5月1日"), as city documents do.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from japanera import EraDate


@functools.lru_cache(maxsize=512)
def _era(day: dt.date) -> Any:
    """The era in force on ``day`` (a ``japanera.Era``: ``kanji``, ``since``)."""
    era = EraDate.from_date(day).era
    if era.kanji in ("西暦", "不明"):
        raise ValueError(f"no Japanese era for {day}")
    return era


def era_year(day: dt.date) -> tuple[str, int]:
    """The era's name and the year within it: 2019-05-01 -> ("令和", 1), 2026-11-24 -> ("令和", 8)."""
    era = _era(day)
    return str(era.kanji), day.year - era.since.year + 1


def _year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def wareki_date(day: dt.date) -> str:
    """ "令和8年11月24日"; "令和元年5月1日" for the era's first year."""
    era, year = era_year(day)
    return f"{era}{_year_text(year)}年{day.month}月{day.day}日"


def wareki_month(year: int, month: int) -> str:
    """A calendar month as its first day's era names it: (2026, 11) -> "令和8年11月"."""
    era, era_y = era_year(dt.date(year, month, 1))
    return f"{era}{_year_text(era_y)}年{month}月"


def wareki_fiscal_year(year: int) -> str:
    """A fiscal year (年度, April to March): 2026 -> "令和8年度", 2019 -> "令和元年度".

    Named after the era in force at its end when that era had begun by the fiscal year's first calendar year
    (2019: 令和 began on May 1, 2019 -> 令和元年度), else after the era at its start (1988: 平成 began in
    January 1989, within the fiscal year, which is 昭和63年度)."""
    end = _era(dt.date(year + 1, 3, 31))
    era = end if end.since.year <= year else _era(dt.date(year, 4, 1))
    return f"{era.kanji}{_year_text(year - era.since.year + 1)}年度"
