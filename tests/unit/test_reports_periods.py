"""Report periods, 和暦 titles (era table from japanera) and due dates (contract §16)."""

from __future__ import annotations

import datetime as dt

import pytest

from server.calendar import CalendarOverride, Overrides
from server.reports.periods import Period, due_date, due_reports, next_business_day
from server.reports.wareki import wareki_date, wareki_fiscal_year, wareki_month
from tests.reports_factory import CONFIG

d = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("day", "text"),
    [("2026-11-24", "令和8年11月24日"), ("2019-05-01", "令和元年5月1日"), ("2019-04-30", "平成31年4月30日"), ("2019-12-31", "令和元年12月31日"), ("2020-01-01", "令和2年1月1日"),
     ("2028-02-29", "令和10年2月29日"), ("1989-01-08", "平成元年1月8日"), ("1989-01-07", "昭和64年1月7日")],
)  # fmt: skip
def test_wareki_dates(day: str, text: str) -> None:
    assert wareki_date(d(day)) == text


def test_wareki_before_showa_comes_from_the_library_table() -> None:
    assert wareki_date(d("1926-12-24")) == "大正15年12月24日"


def test_wareki_months_and_fiscal_years() -> None:
    assert wareki_month(2026, 11) == "令和8年11月"
    assert wareki_month(2019, 5) == "令和元年5月"
    assert wareki_fiscal_year(2026) == "令和8年度"
    assert wareki_fiscal_year(2019) == "令和元年度"
    assert wareki_fiscal_year(2018) == "平成30年度"
    assert wareki_fiscal_year(1988) == "昭和63年度"


@pytest.mark.parametrize(
    ("period", "title", "first", "last"),
    [(Period.daily(d("2026-11-24")), "令和8年11月24日 日報", "2026-11-24", "2026-11-24"),
     (Period.monthly(2026, 11), "令和8年11月分 月報", "2026-11-01", "2026-11-30"),
     (Period.monthly(2028, 2), "令和10年2月分 月報", "2028-02-01", "2028-02-29"),
     (Period.monthly(2019, 5), "令和元年5月分 月報", "2019-05-01", "2019-05-31"),
     (Period.annual(2026), "令和8年度 年報", "2026-04-01", "2027-03-31"),
     (Period.annual(2019), "令和元年度 年報", "2019-04-01", "2020-03-31")],
)  # fmt: skip
def test_titles_and_bounds(period: Period, title: str, first: str, last: str) -> None:
    assert (period.title, period.first.isoformat(), period.last.isoformat()) == (title, first, last)


def test_fiscal_year_boundaries() -> None:
    assert Period.daily(d("2027-03-31")).fiscal_year == 2026
    assert Period.daily(d("2027-04-01")).fiscal_year == 2027
    assert Period.monthly(2027, 1).fiscal_year == 2026
    assert len(Period.annual(2027).dates()) == 366  # April 2027 - March 2028 holds 2028-02-29


@pytest.mark.parametrize(
    ("day", "due"),
    [("2026-11-24", "2026-11-25"),  # Tuesday -> Wednesday
     ("2026-11-20", "2026-11-24"),  # Friday -> Tuesday (Monday 11/23 is 勤労感謝の日)
     ("2026-12-28", "2027-01-04"),  # the year-end closure 12/29-1/3
     ("2026-12-13", "2026-12-14"),  # a Sunday opening -> Monday
     ("2027-03-31", "2027-04-01")],
)  # fmt: skip
def test_a_daily_report_is_due_the_next_business_day(day: str, due: str) -> None:
    assert due_date(CONFIG, Period.daily(d(day))) == d(due)
    assert next_business_day(CONFIG, d(day)) == d(due)


def test_monthly_by_the_10th_march_by_march_31_annual_by_april_20() -> None:
    assert due_date(CONFIG, Period.monthly(2026, 11)) == d("2026-12-10")
    assert due_date(CONFIG, Period.monthly(2026, 12)) == d("2027-01-10")
    assert due_date(CONFIG, Period.monthly(2027, 2)) == d("2027-03-10")
    assert due_date(CONFIG, Period.monthly(2027, 3)) == d("2027-03-31")
    assert due_date(CONFIG, Period.annual(2026)) == d("2027-04-20")


def _listed(today: str, sites: list[str]) -> list[tuple[str, str, str, str, str]]:
    return [(r.kind, r.site, r.period, r.due, r.state) for r in due_reports(CONFIG, sites, d(today))]


def test_what_is_due_on_a_tuesday_after_a_holiday() -> None:
    assert _listed("2026-11-24", ["city-hall"]) == [
        ("daily", "city-hall", "2026-11-20", "2026-11-24", "due_today"),
        ("daily", "city-hall", "2026-11-24", "2026-11-25", "in_progress"),
        ("monthly", "city-hall", "2026-11", "2026-12-10", "in_progress"),
        ("annual", "city-hall", "2026", "2027-04-20", "in_progress"),
    ]


def test_what_is_due_early_in_a_month_and_early_in_a_fiscal_year() -> None:
    listed = _listed("2027-04-05", ["tsuyazaki"])
    assert ("daily", "tsuyazaki", "2027-04-02", "2027-04-05", "due_today") in listed
    assert ("monthly", "tsuyazaki", "2027-03", "2027-03-31", "due") not in listed  # March's was due on 3/31
    assert ("annual", "tsuyazaki", "2026", "2027-04-20", "due") in listed
    assert ("monthly", "tsuyazaki", "2027-04", "2027-05-10", "in_progress") in listed
    march = _listed("2027-03-31", ["tsuyazaki"])
    assert ("monthly", "tsuyazaki", "2027-03", "2027-03-31", "due_today") in march
    assert ("monthly", "tsuyazaki", "2027-02", "2027-03-10", "due") not in march


def test_an_outreach_venue_owes_reports_of_its_event_days_only() -> None:
    listed = _listed("2026-05-25", ["outreach-mall", "outreach-hospital"])
    dailies = [(site, period) for kind, site, period, _, _ in listed if kind == "daily"]
    assert dailies == [("outreach-mall", "2026-05-22"), ("outreach-mall", "2026-05-23"),
                       ("outreach-mall", "2026-05-24")]  # fmt: skip
    assert all(site == "outreach-mall" for _, site, *_ in listed)  # the hospital venue had no event


def test_calendar_overrides_count_for_what_is_due() -> None:
    hospital = CalendarOverride(id="outreach-hospital.a1", kind="outreach", site="outreach-hospital",
                                date=d("2026-11-24"), opens_at="10:00", closes_at="14:00", venue="福津病院")  # fmt: skip
    closed = CalendarOverride(id="city-hall.b2", kind="closure", site="city-hall", date=d("2026-11-25"), note="台風")
    also = CalendarOverride(id="tsuyazaki.c3", kind="closure", site="tsuyazaki", date=d("2026-11-25"), note="台風")
    overrides = Overrides([hospital, closed, also])
    listed = [(r.kind, r.site, r.period, r.due) for r in due_reports(CONFIG, ["outreach-hospital"], d("2026-11-24"))]
    assert not [x for x in listed if x[0] == "daily"]  # nothing in the config file that day
    listed = [(r.kind, r.site, r.period, r.due)
              for r in due_reports(CONFIG, ["outreach-hospital"], d("2026-11-24"), overrides)]  # fmt: skip
    # the event added in the store owes its 日報, due on the next day an office opens (11/25 is closed by storm)
    assert ("daily", "outreach-hospital", "2026-11-24", "2026-11-26") in listed
    assert due_date(CONFIG, Period.daily(d("2026-11-24")), overrides) == d("2026-11-26")
