"""When an archived business date passes its retention (config [retention], fiscal years April-March)."""

from __future__ import annotations

import datetime as dt

import pytest

from server.queue.archive import day_score, retention_cutoff


@pytest.mark.parametrize(
    ("today", "years", "first_kept"),
    [
        ("2032-03-31", 5, "2026-04-01"),  # the last day of FY2031: FY2026 is still kept
        ("2032-04-01", 5, "2027-04-01"),  # FY2032 begins: FY2026 goes
        ("2027-01-15", 1, "2025-04-01"),  # in FY2026, one year back: FY2025 is kept
        ("2028-02-29", 10, "2017-04-01"),  # a leap day in FY2027
    ],
)
def test_retention_cutoff_is_the_first_day_of_the_oldest_fiscal_year_kept(
    today: str, years: int, first_kept: str
) -> None:
    assert retention_cutoff(dt.date.fromisoformat(today), years) == dt.date.fromisoformat(first_kept)


def test_day_scores_order_dates() -> None:
    assert day_score("2026-11-24") == 20261124 == day_score(dt.date(2026, 11, 24))
    assert day_score("2026-12-31") < day_score("2027-01-01")
