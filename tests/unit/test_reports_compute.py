"""The report's figures from constructed records of business days: counts, outcomes, waits, service times,
transfers, recalls, hours, counters, operators, sites, days, months, tallies and incidents (DESIGN §10)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.reports.compute import build_report
from server.reports.periods import Period
from tests.reports_factory import CONFIG, GENERATED, TZ, day_data, reservation, ticket

TODAY = dt.date(2027, 5, 1)


def daily(day: str, days: list, sites: tuple[str, ...] = ("city-hall",), **kw: object):  # type: ignore[no-untyped-def]
    period = Period.daily(dt.date.fromisoformat(day))
    return build_report(period, sites, days, config=CONFIG, today=TODAY, generated_at=GENERATED, **kw)  # type: ignore[arg-type]


def test_an_empty_day_is_a_report_of_zeros_with_the_opening_hours() -> None:
    report = daily("2026-11-24", [day_data("2026-11-24")])
    t = report.totals
    assert (t.issued, t.served, t.no_show, t.cancelled, t.unserved, t.open) == (0, 0, 0, 0, 0, 0)
    assert t.wait_avg_min is None and t.service_avg_min is None
    assert report.title == "令和8年11月24日 日報"
    assert report.site_name == "福津市役所" and report.city == "福津市 マイナンバーカード窓口"
    assert [r.hour for r in report.by_hour] == list(range(8, 17))  # 8:30-17:00
    assert all(r.issued == 0 for r in report.by_service)
    assert [r.service for r in report.by_service][:3] == ["inquiry", "application", "pickup"]
    assert report.longest_waits == [] and report.days == [] and report.months == []


def test_each_outcome_and_end_of_a_ticket_is_counted_where_it_belongs() -> None:
    tickets = [
        ticket(outcome="completed"),
        ticket(outcome="missing_documents"),
        ticket(outcome="referred_to_city"),
        ticket(outcome="guidance_only"),
        ticket(outcome="other"),
        ticket(status="no_show"),
        ticket(status="cancelled"),
        ticket(status="unserved"),
        ticket(service="e-cert", status="cancelled"),
    ]
    report = daily("2026-11-24", [day_data("2026-11-24", tickets)])
    t = report.totals
    assert (t.issued, t.served, t.no_show, t.cancelled, t.unserved) == (9, 5, 1, 2, 1)
    assert msgspec.to_builtins(t.outcomes) == {
        "completed": 1, "missing_documents": 1, "referred_to_city": 1, "guidance_only": 1, "other": 1,
    }  # fmt: skip
    pickup = next(r for r in report.by_service if r.service == "pickup")
    assert (pickup.issued, pickup.served, pickup.no_show, pickup.cancelled, pickup.unserved) == (8, 5, 1, 1, 1)
    assert pickup.name == "カード交付"
    ecert = next(r for r in report.by_service if r.service == "e-cert")
    assert (ecert.issued, ecert.cancelled, ecert.served) == (1, 1, 0)


def test_waits_and_service_times_average_median_p90_and_max() -> None:
    # waits 1, 2, 3, 4, 10 minutes; service times 5, 5, 5, 5, 20
    tickets = [
        ticket(issued="10:00", called="10:01", serving="10:01", finished="10:06"),
        ticket(issued="10:00", called="10:02", serving="10:02", finished="10:07"),
        ticket(issued="10:00", called="10:03", serving="10:03", finished="10:08"),
        ticket(issued="10:00", called="10:04", serving="10:04", finished="10:09"),
        ticket(issued="10:00", called="10:10", serving="10:10", finished="10:30"),
    ]
    t = daily("2026-11-24", [day_data("2026-11-24", tickets)]).totals
    assert (t.wait_avg_min, t.wait_median_min, t.wait_p90_min, t.wait_max_min) == (4.0, 3.0, 7.6, 10.0)
    assert (t.service_avg_min, t.service_median_min, t.service_p90_min, t.service_max_min) == (8.0, 5.0, 14.0, 20.0)


def test_a_wait_ends_at_the_first_call_not_at_a_recall() -> None:
    t = ticket(issued="10:00", called="10:05", recall_count=2)
    recalled = msgspec.structs.replace(t, called_at_ms=t.first_called_at_ms + 10 * 60_000)  # type: ignore[operator]
    report = daily("2026-11-24", [day_data("2026-11-24", [recalled])])
    assert report.totals.wait_max_min == 5.0
    assert report.totals.recalls == 2


def test_a_ticket_never_called_has_no_wait_and_a_ticket_not_served_no_service_time() -> None:
    tickets = [ticket(status="cancelled"), ticket(status="no_show", issued="10:00", called="10:20")]
    t = daily("2026-11-24", [day_data("2026-11-24", tickets)]).totals
    assert (t.wait_avg_min, t.wait_max_min) == (20.0, 20.0)
    assert t.service_avg_min is None


def test_a_transferred_ticket_counts_once_under_the_service_that_finished_it() -> None:
    moved = ticket(service="e-cert", transfers=(("pickup", "e-cert"),))
    report = daily("2026-11-24", [day_data("2026-11-24", [moved, ticket()])])
    rows = {r.service: r for r in report.by_service}
    assert (report.totals.issued, report.totals.served, report.totals.transferred) == (2, 2, 1)
    assert (rows["e-cert"].issued, rows["e-cert"].served, rows["e-cert"].transferred_in) == (1, 1, 1)
    assert (rows["pickup"].issued, rows["pickup"].served, rows["pickup"].transferred_out) == (1, 1, 1)


def test_channels_priority_hours_counters_and_operators() -> None:
    tickets = [
        ticket(channel="walk_in", issued="09:10", called="09:20", serving="09:21", finished="10:02"),
        ticket(channel="guide", priority=True, issued="09:40", called="09:41", counter="ch-booth-2", operator="op-ito"),
        ticket(channel="reservation", issued="10:30", called="10:31", serving="10:31", finished="10:41"),
    ]
    report = daily("2026-11-24", [day_data("2026-11-24", tickets)], names={"op-sato": "佐藤 花子"})
    assert msgspec.to_builtins(report.by_channel) == {"walk_in": 1, "guide": 1, "reservation": 1}
    assert report.totals.priority == 1
    hours = {r.hour: r for r in report.by_hour}
    assert (hours[9].issued, hours[9].called, hours[10].issued, hours[10].called) == (2, 2, 1, 1)
    assert (hours[10].served, hours[9].served) == (3, 0)  # finished 10:02, 10:16 and 10:41
    assert hours[9].wait_max_min == 10.0
    counters = {r.counter: r for r in report.by_counter}
    assert counters["ch-booth-1"].served == 2 and counters["ch-booth-1"].label == "1番窓口"
    assert counters["ch-booth-2"].served == 1 and counters["ch-booth-2"].site == "city-hall"
    ops = {r.login: r for r in report.by_operator}
    assert ops["op-sato"].name == "佐藤 花子" and ops["op-sato"].served == 2
    assert ops["op-ito"].name == "op-ito"  # no display name given: the login
    assert ops["op-sato"].service_avg_min == 25.5  # 41 and 10 minutes


def test_the_longest_waits_of_the_day_longest_first() -> None:
    tickets = [ticket(issued="09:00", called=f"09:{m:02d}", serving=None, finished=None, status="called")
               for m in range(1, 16)]  # fmt: skip
    report = daily("2026-11-24", [day_data("2026-11-24", tickets)])
    assert [w.wait_min for w in report.longest_waits] == [15.0, 14.0, 13.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0, 6.0]
    top = report.longest_waits[0]
    assert (top.issued_at, top.called_at, top.counter, top.name) == ("09:00", "09:15", "1番窓口", "カード交付")
    assert report.totals.open == 15


def test_reservations_tallies_and_incidents() -> None:
    resv = (reservation("2026-11-24", "checked_in"), reservation("2026-11-24", "no_show"),
            reservation("2026-11-24", "cancelled"), reservation("2026-11-24", "booked"))  # fmt: skip
    tallies = {"phone": {"reservation": 3, "documents": 1}, "guide": {"hours-place": 2, "retired-topic": 1}}

    @dataclass
    class Inc:
        id: str
        site: str
        occurred_at: dt.datetime
        category: str = "trouble"
        title: str = "プリンター紙詰まり"
        status: str = "open"

    incidents = [
        Inc("city-hall.2026-0001", "city-hall", dt.datetime(2026, 11, 24, 11, 0, tzinfo=TZ)),
        Inc("city-hall.2026-0002", "city-hall", dt.datetime(2026, 11, 25, 0, 30, tzinfo=TZ)),  # the next day
        Inc("tsuyazaki.2026-0001", "tsuyazaki", dt.datetime(2026, 11, 24, 11, 0, tzinfo=TZ)),  # another site
    ]
    report = daily("2026-11-24", [day_data("2026-11-24", reservations=resv, tallies=tallies)], incidents=incidents)
    assert msgspec.to_builtins(report.reservations) == {
        "booked": 4, "checked_in": 1, "no_show": 1, "cancelled": 1, "pending": 1}  # fmt: skip
    assert report.phone_inquiries.total == 4 and report.phone_inquiries.by_topic["reservation"] == 3
    assert report.phone_inquiries.by_topic["other"] == 0  # every configured topic is listed
    assert report.guide_tallies.total == 3 and report.guide_tallies.by_topic["retired-topic"] == 1
    assert [(i.id, i.at) for i in report.incidents] == [("city-hall.2026-0001", "2026-11-24T11:00+09:00")]


def test_the_json_has_every_field_of_design_10() -> None:
    report = daily("2026-11-24", [day_data("2026-11-24", [ticket()])])
    doc = msgspec.json.decode(msgspec.json.encode(report))
    for key in ("kind", "site", "from", "to", "title", "totals", "by_service", "by_channel", "by_hour", "by_counter",
                "by_operator", "reservations", "phone_inquiries", "incidents", "days", "months"):  # fmt: skip
        assert key in doc, key
    assert set(doc["totals"]) >= {"issued", "served", "no_show", "cancelled", "unserved", "wait_avg_min",
                                  "wait_max_min", "service_avg_min"}  # fmt: skip
    assert set(doc["by_service"][0]) >= {"service", "name", "issued", "served", "no_show", "cancelled", "unserved",
                                         "outcomes", "wait_avg_min", "wait_max_min", "service_avg_min"}  # fmt: skip
    assert set(doc["by_service"][0]["outcomes"]) == {"completed", "missing_documents", "referred_to_city",
                                                     "guidance_only", "other"}  # fmt: skip
    assert set(doc["by_hour"][0]) >= {"hour", "issued", "called"}
    assert set(doc["by_counter"][0]) >= {"counter", "label", "served", "service_avg_min"}
    assert set(doc["by_operator"][0]) >= {"login", "name", "served", "service_avg_min"}
    assert set(doc["reservations"]) >= {"booked", "checked_in", "no_show", "cancelled"}
    assert set(doc["phone_inquiries"]) == {"total", "by_topic"}
    assert (doc["kind"], doc["site"], doc["from"], doc["to"]) == ("daily", "city-hall", "2026-11-24", "2026-11-24")


def test_a_monthly_report_has_a_row_per_open_day_and_stops_at_the_month_end() -> None:
    days = [
        day_data("2026-12-28", [ticket("2026-12-28")], tallies={"phone": {"other": 2}}),
        day_data("2026-12-31", [ticket("2026-12-31")]),  # closed (year end) but had a ticket: still counted
        day_data("2027-01-04", [ticket("2027-01-04")]),  # the next month: not in December's report
    ]
    period = Period.monthly(2026, 12)
    report = build_report(period, ["city-hall"], days, config=CONFIG, today=TODAY, generated_at=GENERATED)
    assert report.title == "令和8年12月分 月報" and (report.from_, report.to) == ("2026-12-01", "2026-12-31")
    assert report.totals.issued == 2
    rows = {r.date: r for r in report.days}
    assert rows["2026-12-28"].issued == 1 and rows["2026-12-28"].phone == 2 and rows["2026-12-28"].weekday == "月"
    assert rows["2026-12-31"].openings == ["closed"] and rows["2026-12-31"].issued == 1
    assert "2026-12-29" not in rows and "2026-12-05" not in rows  # closed, nothing happened
    assert rows["2026-12-13"].openings == ["sunday"]  # 日曜開庁
    assert len([r for r in report.days if r.openings == ["weekday"]]) == 20  # Dec 1-28, no holiday


def test_a_monthly_report_of_the_current_month_runs_to_today() -> None:
    period = Period.monthly(2027, 3)
    today = dt.date(2027, 3, 10)
    days = [day_data("2027-03-09", [ticket("2027-03-09")]), day_data("2027-03-10", [ticket("2027-03-10", status="waiting")], archived=False)]  # fmt: skip
    report = build_report(period, ["city-hall"], days, config=CONFIG, today=today, generated_at=GENERATED)
    assert report.data_until == "2027-03-10" and report.to == "2027-03-31"
    assert report.days[-1].date == "2027-03-10" and report.totals.open == 1
    assert report.title == "令和9年3月分 月報"


def test_an_annual_report_runs_april_to_march_across_new_year_and_a_leap_day() -> None:
    days = [
        day_data("2027-03-31", [ticket("2027-03-31")]),  # the last day of FY2026
        day_data("2027-04-01", [ticket("2027-04-01")]),  # FY2027
        day_data("2027-12-31", [ticket("2027-12-31")]),
        day_data("2028-01-04", [ticket("2028-01-04"), ticket("2028-01-04")]),
        day_data("2028-02-29", [ticket("2028-02-29")] * 3),
        day_data("2028-03-31", [ticket("2028-03-31")]),  # a Friday: FY2027's last
        day_data("2028-04-03", [ticket("2028-04-03")]),  # FY2028
    ]
    period = Period.annual(2027)
    today = dt.date(2028, 5, 1)
    report = build_report(period, ["city-hall"], days, config=CONFIG, today=today, generated_at=GENERATED)
    assert report.title == "令和9年度 年報" and (report.from_, report.to) == ("2027-04-01", "2028-03-31")
    assert [m.month for m in report.months][:2] == ["2027-04", "2027-05"] and report.months[-1].month == "2028-03"
    by_month = {m.month: m for m in report.months}
    assert by_month["2027-04"].issued == 1 and by_month["2027-12"].issued == 1 and by_month["2028-01"].issued == 2
    assert by_month["2028-02"].issued == 3 and by_month["2028-03"].issued == 1
    assert by_month["2028-02"].label == "令和10年2月"
    assert report.totals.issued == 8


def test_site_all_has_a_row_per_site_and_an_outreach_venue_under_its_name() -> None:
    days = [
        day_data("2026-05-22", [ticket("2026-05-22")]),
        day_data("2026-05-22", [ticket("2026-05-22", counter="tz-1")], site="tsuyazaki"),
        day_data("2026-05-22", [ticket("2026-05-22", "outreach-application", counter="mall-desk-1")] * 2,
                 site="outreach-mall"),
    ]  # fmt: skip
    sites = [s.id for s in CONFIG.sites]
    report = daily("2026-05-22", days, sites=tuple(sites))
    assert report.site == "all" and report.site_name == "全拠点"
    rows = {r.site: r for r in report.by_site}
    assert set(rows) == {"city-hall", "tsuyazaki", "outreach-mall"}  # the hospital venue had no event
    assert rows["outreach-mall"].name == "出張申請会場（商業施設）" and rows["outreach-mall"].kind == "outreach"
    assert rows["outreach-mall"].issued == 2 and report.totals.issued == 4
    assert {r.counter: r.site for r in report.by_counter}["mall-desk-1"] == "outreach-mall"


def test_records_of_sites_out_of_scope_are_left_out() -> None:
    days = [day_data("2026-11-24", [ticket()]), day_data("2026-11-24", [ticket(counter="tz-1")], site="tsuyazaki")]
    report = daily("2026-11-24", days, sites=("tsuyazaki",))
    assert report.totals.issued == 1 and report.site == "tsuyazaki" and report.by_site == []


STATUSES = ["done", "no_show", "cancelled", "unserved"]
SERVICES = ["pickup", "e-cert", "application"]


@st.composite
def closed_days(draw: st.DrawFn) -> list:  # type: ignore[type-arg]
    days = []
    for day in ("2026-11-24", "2026-11-25"):
        n = draw(st.integers(0, 12))
        tickets = [
            ticket(day, draw(st.sampled_from(SERVICES)), draw(st.sampled_from(STATUSES)),
                   outcome=draw(st.sampled_from(["completed", "missing_documents", "other"])),
                   channel=draw(st.sampled_from(["walk_in", "guide", "reservation"])))
            for _ in range(n)
        ]  # fmt: skip
        days.append(day_data(day, tickets))
    return days


@settings(max_examples=40, deadline=None)
@given(closed_days())
def test_totals_are_the_sums_of_the_rows_and_every_closed_ticket_ended_somewhere(days: list) -> None:  # type: ignore[type-arg]
    report = build_report(Period.monthly(2026, 11), ["city-hall"], days, config=CONFIG, today=TODAY,
                          generated_at=GENERATED)  # fmt: skip
    t = report.totals
    for field in ("issued", "served", "no_show", "cancelled", "unserved"):
        assert getattr(t, field) == sum(getattr(r, field) for r in report.by_service), field
        assert getattr(t, field) == sum(getattr(r, field) for r in report.days), field
    assert t.served + t.no_show + t.cancelled + t.unserved == t.issued and t.open == 0
    assert sum(msgspec.to_builtins(t.outcomes).values()) == t.served
    assert sum(msgspec.to_builtins(report.by_channel).values()) == t.issued
    assert sum(r.issued for r in report.by_hour) == t.issued
    assert sum(r.served for r in report.by_counter) == t.served
    assert t.wait_max_min is None or t.wait_max_min >= (t.wait_p90_min or 0) >= (t.wait_median_min or 0)


@pytest.mark.parametrize("kind", ["daily", "monthly", "annual"])
def test_a_report_encodes_to_json(kind: str) -> None:
    period = {"daily": Period.daily(dt.date(2026, 11, 24)), "monthly": Period.monthly(2026, 11),
              "annual": Period.annual(2026)}[kind]  # fmt: skip
    report = build_report(period, ["city-hall"], [day_data("2026-11-24", [ticket()])], config=CONFIG, today=TODAY,
                          generated_at=GENERATED)  # fmt: skip
    doc = msgspec.json.decode(msgspec.json.encode(report))
    assert doc["kind"] == kind and doc["totals"]["issued"] == 1


def test_new_years_eve_and_day_fall_in_their_own_months() -> None:
    days = [day_data("2026-12-31", [ticket("2026-12-31")]), day_data("2027-01-01", [ticket("2027-01-01")] * 2)]
    december = build_report(Period.monthly(2026, 12), ["city-hall"], days, config=CONFIG, today=TODAY,
                            generated_at=GENERATED)  # fmt: skip
    january = build_report(Period.monthly(2027, 1), ["city-hall"], days, config=CONFIG, today=TODAY,
                           generated_at=GENERATED)  # fmt: skip
    assert (december.totals.issued, january.totals.issued) == (1, 2)
    assert january.title == "令和9年1月分 月報" and january.days[0].date == "2027-01-01"
    assert january.days[0].openings == ["closed"]  # 年末年始: counted because something happened
    year = build_report(Period.annual(2026), ["city-hall"], days, config=CONFIG, today=TODAY, generated_at=GENERATED)
    months = {m.month: m.issued for m in year.months}
    assert (months["2026-12"], months["2027-01"]) == (1, 2)
