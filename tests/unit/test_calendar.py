"""The calendar gives the days, hours, services and counters a Fukutsu clerk expects."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.calendar import (
    NO_OVERRIDES,
    OVERRIDE_KINDS,
    CalendarOverride,
    Opening,
    Overrides,
    active_counters,
    business_date,
    can_issue_at,
    check_override,
    fiscal_year,
    fiscal_year_bounds,
    holiday_name,
    is_open_at,
    next_opening,
    openings,
    place_name,
    resolve_opening,
)
from server.config import Closure, Config, OutreachEvent, SundayOpening, default_config_path, load_config

JST = ZoneInfo("Asia/Tokyo")
FY2026 = fiscal_year_bounds(2026)
CONFIG = load_config(default_config_path())  # reading the shipped file is the point of these tests


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def city_hall(day: str) -> Opening:
    return resolve_opening(CONFIG, "city-hall", d(day))


def fy2026(site: str, config: Config = CONFIG) -> list[Opening]:
    return openings(config, site, *FY2026)


# --- counters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "day", "count"),
    [
        ("city-hall", "2026-10-15", 3),
        ("city-hall", "2026-11-16", 6),
        ("city-hall", "2027-03-31", 6),
        ("city-hall", "2027-04-01", 3),
        ("tsuyazaki", "2026-10-15", 1),
        ("tsuyazaki", "2026-11-16", 2),
    ],
)
def test_active_counters_follow_the_season(site: str, day: str, count: int) -> None:
    opening = resolve_opening(CONFIG, site, d(day))
    assert opening.kind == "weekday"
    assert len(opening.counters) == count


def test_october_counters_are_the_booth() -> None:
    assert city_hall("2026-10-15").counters == ("ch-booth-1", "ch-booth-2", "ch-booth-3")
    assert city_hall("2026-11-16").counters[3:] == ("ch-meeting-4", "ch-meeting-5", "ch-meeting-6")


def test_active_counters_on_a_closed_day_still_say_what_is_set_up() -> None:
    site = CONFIG.site("tsuyazaki")
    assert site is not None
    assert active_counters(site, d("2026-12-31")) == ("tz-1", "tz-2")


# --- weekdays and closed days -------------------------------------------------------------------


def test_normal_weekday() -> None:
    opening = city_hall("2026-10-15")
    assert (opening.kind, opening.reason) == ("weekday", None)
    assert (opening.opens_at, opening.closes_at, opening.last_ticket_at) == (t("08:30"), t("17:00"), t("16:30"))
    assert "pickup" in opening.services and "abolition" in opening.services
    assert opening.is_open


def test_tsuyazaki_weekday_has_no_city_hall_only_services() -> None:
    opening = resolve_opening(CONFIG, "tsuyazaki", d("2026-10-15"))
    assert opening.kind == "weekday"
    assert not {"pickup", "abolition", "surface-update"} & set(opening.services)
    assert "application" in opening.services


@pytest.mark.parametrize(
    ("day", "reason", "note"),
    [
        ("2026-10-17", "weekend", None),  # Saturday
        ("2026-10-18", "weekend", None),  # Sunday without a Sunday opening
        ("2026-11-23", "holiday", "勤労感謝の日"),
        ("2027-01-11", "holiday", "成人の日"),
        ("2026-05-06", "holiday", "振替休日"),
        ("2026-09-22", "holiday", "国民の休日"),
        ("2026-12-29", "year_end", "年末年始"),  # a Tuesday
        ("2026-12-30", "year_end", "年末年始"),
        ("2027-01-01", "year_end", "年末年始"),  # also 元日: the year-end reason is the clearer one
        ("2027-01-02", "year_end", "年末年始"),  # a Saturday
        ("2027-01-03", "year_end", "年末年始"),
    ],
)
def test_closed_days(day: str, reason: str, note: str | None) -> None:
    for site in ("city-hall", "tsuyazaki"):
        opening = resolve_opening(CONFIG, site, d(day))
        assert (opening.kind, opening.reason, opening.note) == ("closed", reason, note)
        assert opening.services == () and opening.counters == ()
        assert opening.opens_at is None and not opening.is_open


def test_first_business_days_around_the_year_end() -> None:
    assert city_hall("2026-12-28").kind == "weekday"
    assert city_hall("2027-01-04").kind == "weekday"


def test_unknown_site_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        resolve_opening(CONFIG, "fukuoka", d("2026-10-15"))


def test_openings_are_inclusive_and_empty_when_reversed() -> None:
    week = openings(CONFIG, "city-hall", d("2026-11-16"), d("2026-11-22"))
    assert [o.date for o in week] == [d("2026-11-16") + dt.timedelta(days=i) for i in range(7)]
    assert [o.kind for o in week] == ["weekday"] * 5 + ["closed"] * 2
    assert openings(CONFIG, "city-hall", d("2026-11-22"), d("2026-11-16")) == []


# --- Sunday openings ----------------------------------------------------------------------------


def test_a_sunday_opening_is_open_with_restricted_services() -> None:
    opening = city_hall("2026-05-10")
    assert opening.kind == "sunday"
    assert (opening.opens_at, opening.closes_at, opening.last_ticket_at) == (t("09:00"), t("17:00"), t("16:30"))
    assert opening.services == ("pickup", "e-cert")
    assert opening.counters == ("ch-booth-1", "ch-booth-2", "ch-booth-3")  # staffed as a weekday (§8)


def test_april_first_sunday_has_surface_updates_and_short_hours() -> None:
    opening = city_hall("2026-04-05")
    assert opening.kind == "sunday"
    assert (opening.opens_at, opening.closes_at) == (t("09:00"), t("13:00"))
    assert set(opening.services) == {"pickup", "e-cert", "surface-update"}


def test_sunday_opening_in_winter_uses_the_meeting_room_too() -> None:
    assert len(city_hall("2026-11-08").counters) == 6


def test_tsuyazaki_stays_closed_on_city_hall_sunday_openings() -> None:
    for opening in fy2026("city-hall"):
        if opening.kind == "sunday":
            other = resolve_opening(CONFIG, "tsuyazaki", opening.date)
            assert (other.kind, other.reason) == ("closed", "weekend")


def test_fy2026_has_the_fourteen_sunday_openings_of_the_contract() -> None:
    sundays = [o for o in fy2026("city-hall") if o.kind == "sunday"]
    assert len(sundays) == 14
    assert all(o.date.weekday() == 6 for o in sundays)
    per_month = {month: len(list(group)) for month, group in itertools.groupby(sundays, lambda o: o.date.month)}
    assert per_month == {4: 2, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1, 11: 1, 12: 1, 1: 1, 2: 1, 3: 2}


def test_fy2026_sunday_hours_and_services_follow_section_8() -> None:
    sundays = [o for o in fy2026("city-hall") if o.kind == "sunday"]
    hours = [(o.opens_at, o.closes_at) for o in sundays]
    nine_to = [(t("09:00"), t(f"{end}:00")) for end in (13, 12, *[17] * 10, 12, 13)]
    assert hours == nine_to
    with_updates = [o.date for o in sundays if "surface-update" in o.services]
    assert with_updates == [sundays[0].date, sundays[-1].date]  # April's 1st and March's 2nd
    assert all({"pickup", "e-cert"} <= set(o.services) for o in sundays)
    assert all(not {"application", "pin-reset"} & set(o.services) for o in sundays)


def test_a_sunday_opening_wins_over_a_holiday_but_not_over_a_closure() -> None:
    holiday_sunday = d("2026-05-03")  # 憲法記念日
    assert city_hall("2026-05-03").reason == "holiday"
    extra = SundayOpening(
        site="city-hall", date=holiday_sunday, opens_at="09:00", closes_at="12:00", services=("pickup",)
    )
    config = msgspec.structs.replace(CONFIG, sunday_openings=(*CONFIG.sunday_openings, extra))
    opening = resolve_opening(config, "city-hall", holiday_sunday)
    assert opening.kind == "sunday"
    assert opening.last_ticket_at == t("11:30")  # not given: the weekday margin of 30 minutes
    typhoon = Closure(date=holiday_sunday, sites=("city-hall",), reason="台風接近")
    closed = resolve_opening(msgspec.structs.replace(config, closures=(typhoon,)), "city-hall", holiday_sunday)
    assert (closed.kind, closed.reason, closed.note) == ("closed", "closure", "台風接近")


def test_a_closure_closes_only_its_sites() -> None:
    closure = Closure(date=d("2026-10-15"), sites=("tsuyazaki",), reason="システム移行")
    config = msgspec.structs.replace(CONFIG, closures=(closure,))
    assert resolve_opening(config, "tsuyazaki", d("2026-10-15")).reason == "closure"
    assert resolve_opening(config, "city-hall", d("2026-10-15")).kind == "weekday"
    everywhere = msgspec.structs.replace(CONFIG, closures=(Closure(date=d("2026-10-15")),))
    assert resolve_opening(everywhere, "city-hall", d("2026-10-15")).reason == "closure"


# --- outreach -----------------------------------------------------------------------------------


def test_mall_events_are_three_consecutive_days_eighteen_a_year() -> None:
    days = [o for o in fy2026("outreach-mall") if o.is_open]
    assert len(days) == 18
    runs = [days[i : i + 3] for i in range(0, 18, 3)]
    for run in runs:
        assert [o.date - run[0].date for o in run] == [dt.timedelta(days=i) for i in range(3)]
    assert any(o.date.weekday() >= 5 for o in days)  # weekends are allowed at malls (§9)
    for opening in days:
        assert opening.kind == "outreach"
        assert (opening.opens_at, opening.closes_at) == (t("10:00"), t("17:00"))
        assert opening.services == ("outreach-application",)
        assert opening.counters == ("mall-desk-1", "mall-desk-2")


def test_mall_event_days() -> None:
    kinds = [resolve_opening(CONFIG, "outreach-mall", d(day)).kind for day in ("2026-05-21", "2026-05-22")]
    assert kinds == ["closed", "outreach"]
    assert resolve_opening(CONFIG, "outreach-mall", d("2026-05-24")).kind == "outreach"  # a Sunday
    after = resolve_opening(CONFIG, "outreach-mall", d("2026-05-25"))
    assert (after.kind, after.reason) == ("closed", "no_event")


def test_hospital_visits_are_four_hours_on_business_weekdays() -> None:
    visits = [o for o in fy2026("outreach-hospital") if o.is_open]
    assert len(visits) == 6
    for visit in visits:
        assert visit.opens_at is not None and visit.closes_at is not None
        length = dt.datetime.combine(visit.date, visit.closes_at) - dt.datetime.combine(visit.date, visit.opens_at)
        assert length == dt.timedelta(hours=4)
        assert t("09:00") <= visit.opens_at and visit.closes_at <= t("17:00")
        assert city_hall(visit.date.isoformat()).kind == "weekday"  # a 平日開庁日 (§10)


def test_outreach_venue_is_closed_on_a_weekday_without_event() -> None:
    opening = resolve_opening(CONFIG, "outreach-hospital", d("2026-06-11"))
    assert (opening.kind, opening.reason) == ("closed", "no_event")


# --- next opening -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "after", "day", "opens_at"),
    [
        ("city-hall", "2026-10-17T15:00", "2026-10-19", "08:30"),  # Saturday -> Monday
        ("city-hall", "2026-11-21T14:00", "2026-11-24", "08:30"),  # Monday 11-23 is a holiday
        ("city-hall", "2026-10-15T17:30", "2026-10-16", "08:30"),  # after closing -> next day
        ("city-hall", "2026-10-16T17:30", "2026-10-19", "08:30"),  # Friday evening -> Monday
        ("city-hall", "2026-10-15T16:45", "2026-10-15", "08:30"),  # still open today
        ("city-hall", "2026-10-15T07:00", "2026-10-15", "08:30"),  # before opening
        ("city-hall", "2027-01-09T12:00", "2027-01-10", "09:00"),  # the Sunday opening
        ("tsuyazaki", "2027-01-09T12:00", "2027-01-12", "08:30"),  # no Sunday opening; 成人の日
        ("city-hall", "2026-12-28T17:30", "2027-01-04", "08:30"),  # over the year end
        ("outreach-mall", "2026-05-25T09:00", "2026-07-17", "10:00"),  # the next event
    ],
)
def test_next_opening(site: str, after: str, day: str, opens_at: str) -> None:
    opening = next_opening(CONFIG, site, dt.datetime.fromisoformat(after))
    assert opening is not None
    assert (opening.date, opening.opens_at) == (d(day), t(opens_at))


def test_next_opening_reads_aware_times_in_tokyo() -> None:
    utc_evening = dt.datetime(2026, 10, 15, 9, 0, tzinfo=dt.UTC)  # 18:00 JST, after closing
    opening = next_opening(CONFIG, "city-hall", utc_evening)
    assert opening is not None and opening.date == d("2026-10-16")


def test_next_opening_gives_up_when_nothing_is_planned() -> None:
    assert next_opening(CONFIG, "outreach-hospital", dt.datetime(2027, 3, 11, 9, 0)) is None


# --- time of day --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "open_", "issue"),
    [
        ("08:00", False, False),
        ("08:29:59", False, False),
        ("08:30", True, True),
        ("12:00", True, True),
        ("16:30:59", True, True),  # 最終受付16:30: someone arriving at 16:30 is still served
        ("16:31", True, False),
        ("16:59:59", True, False),
        ("17:00", False, False),
    ],
)
def test_open_and_issuing_times(at: str, open_: bool, issue: bool) -> None:
    opening = city_hall("2026-10-15")
    assert is_open_at(opening, t(at)) is open_
    assert can_issue_at(opening, t(at)) is issue


def test_closed_day_is_never_open() -> None:
    opening = city_hall("2026-11-23")
    assert not is_open_at(opening, t("10:00"))
    assert not can_issue_at(opening, t("10:00"))


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (dt.datetime(2026, 11, 23, 14, 59, tzinfo=dt.UTC), "2026-11-23"),  # 23:59 JST
        (dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), "2026-11-24"),  # 00:00 JST
        (dt.datetime(2026, 11, 24, 0, 30, tzinfo=JST), "2026-11-24"),
        (dt.datetime(2026, 11, 24, 0, 30), "2026-11-24"),  # naive: already local
    ],
)
def test_business_date_is_tokyo_date(now: dt.datetime, day: str) -> None:
    assert business_date(now) == d(day)


@pytest.mark.parametrize(
    ("day", "year"),
    [("2026-04-01", 2026), ("2027-03-31", 2026), ("2026-03-31", 2025), ("2027-01-01", 2026), ("2026-12-31", 2026)],
)
def test_fiscal_year(day: str, year: int) -> None:
    assert fiscal_year(d(day)) == year


def test_fiscal_year_bounds() -> None:
    assert fiscal_year_bounds(2026) == (d("2026-04-01"), d("2027-03-31"))


def test_holiday_names_are_japanese() -> None:
    assert holiday_name(d("2026-11-23")) == "勤労感謝の日"
    assert holiday_name(d("2026-11-24")) is None


# --- properties over any date -------------------------------------------------------------------

office_sites = st.sampled_from(["city-hall", "tsuyazaki"])
any_day = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2030, 12, 31))


@given(site=office_sites, day=any_day)
def test_an_office_day_is_consistent(site: str, day: dt.date) -> None:
    opening = resolve_opening(CONFIG, site, day)
    if not opening.is_open:
        assert opening.reason is not None
        assert (opening.opens_at, opening.closes_at, opening.last_ticket_at) == (None, None, None)
        assert opening.services == () and opening.counters == ()
        return
    assert opening.opens_at is not None and opening.closes_at is not None and opening.last_ticket_at is not None
    assert opening.opens_at <= opening.last_ticket_at <= opening.closes_at
    assert opening.services and opening.counters
    if opening.kind == "weekday":
        assert day.weekday() < 5
        assert holiday_name(day) is None
        assert not (day.month == 12 and day.day >= 29) and not (day.month == 1 and day.day <= 3)
    else:
        assert opening.kind == "sunday" and site == "city-hall" and day.weekday() == 6


@given(site=office_sites, after=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)))
def test_next_opening_is_the_first_open_day_with_time_left(site: str, after: dt.datetime) -> None:
    opening = next_opening(CONFIG, site, after)
    assert opening is not None and opening.closes_at is not None
    assert dt.datetime.combine(opening.date, opening.closes_at) > after
    skipped = openings(CONFIG, site, after.date(), opening.date - dt.timedelta(days=1))
    for day in skipped:
        assert not day.is_open or (
            day.date == after.date() and day.closes_at is not None and day.closes_at <= after.time()
        )


# --- calendar overrides: an override of a site and date wins over the config file -----------------

TODAY = d("2026-11-24")
SITES = [site.id for site in CONFIG.sites]


def override(
    kind: str = "outreach", site: str = "outreach-hospital", day: str = "2026-12-01", **fields: object
) -> CalendarOverride:
    hours = {} if kind == "closure" else {"opens_at": "10:00", "closes_at": "15:00"}
    if kind in ("sunday", "extra"):
        hours["services"] = ("pickup",)  # type: ignore[assignment]
    if kind == "outreach":
        hours["venue"] = "福津中央病院"
    values = {"id": f"{site}.test", "kind": kind, "site": site, "date": d(day), **hours, **fields}
    return msgspec.convert(values, CalendarOverride)


def test_an_outreach_override_opens_a_venue_day_with_its_venue() -> None:
    assert resolve_opening(CONFIG, "outreach-hospital", d("2026-12-01")).reason == "no_event"
    event = override(address="福津市中央3丁目", last_ticket_at="14:30", note="1階ロビー")
    opening = resolve_opening(CONFIG, "outreach-hospital", d("2026-12-01"), Overrides([event]))
    assert (opening.kind, opening.opens_at, opening.closes_at, opening.last_ticket_at) == (
        "outreach", t("10:00"), t("15:00"), t("14:30"),
    )  # fmt: skip
    assert (opening.venue, opening.address, opening.note, opening.override) == (
        "福津中央病院", "福津市中央3丁目", "1階ロビー", "outreach-hospital.test",
    )  # fmt: skip
    assert opening.services == ("outreach-application",) and opening.counters == ("hospital-desk-1", "hospital-desk-2")
    site = CONFIG.site("outreach-hospital")
    assert site is not None and place_name(site, opening.venue) == "出張申請会場：福津中央病院"
    assert place_name(site, None) == site.name


def test_an_override_replaces_the_config_event_and_removing_it_brings_the_event_back() -> None:
    config_day = resolve_opening(CONFIG, "outreach-mall", d("2026-11-21"))  # mall-2026-11: 11-20..22, 10:00-17:00
    assert config_day.kind == "outreach" and config_day.venue is None and config_day.override is None
    shorter = override(site="outreach-mall", day="2026-11-21", closes_at="13:00", venue="イオンモール福津")
    with_it = openings(CONFIG, "outreach-mall", d("2026-11-20"), d("2026-11-22"), Overrides([shorter]))
    assert [(o.closes_at, o.venue) for o in with_it] == [
        (t("17:00"), None), (t("13:00"), "イオンモール福津"), (t("17:00"), None),
    ]  # fmt: skip
    assert resolve_opening(CONFIG, "outreach-mall", d("2026-11-21"), NO_OVERRIDES) == config_day


def test_a_closure_override_closes_even_a_sunday_opening_and_an_extra_opens_a_saturday() -> None:
    sunday = d("2026-12-13")
    assert city_hall("2026-12-13").kind == "sunday"
    closed = resolve_opening(
        CONFIG, "city-hall", sunday, Overrides([override("closure", "city-hall", "2026-12-13", note="台風")])
    )
    assert (closed.kind, closed.reason, closed.note, closed.services) == ("closed", "closure", "台風", ())
    saturday = resolve_opening(
        CONFIG, "city-hall", d("2026-11-28"), Overrides([override("extra", "city-hall", "2026-11-28")])
    )
    assert (saturday.kind, saturday.opens_at, saturday.last_ticket_at, saturday.services) == (
        "extra", t("10:00"), t("14:30"), ("pickup",),
    )  # fmt: skip
    assert saturday.counters == active_counters(CONFIG.sites[0], d("2026-11-28")), "the counters set up that day"
    assert (
        resolve_opening(
            CONFIG, "tsuyazaki", d("2026-11-28"), Overrides([override("extra", "city-hall", "2026-11-28")])
        ).kind
        == "closed"
    )


def test_next_opening_follows_the_overrides() -> None:
    monday_evening = dt.datetime(2026, 11, 23, 18, 0)  # 勤労感謝の日
    assert next_opening(CONFIG, "city-hall", monday_evening).date == d("2026-11-24")  # type: ignore[union-attr]
    typhoon = Overrides([override("closure", "city-hall", "2026-11-24")])
    assert next_opening(CONFIG, "city-hall", monday_evening, typhoon).date == d("2026-11-25")  # type: ignore[union-attr]
    event = Overrides([override(day="2026-12-01")])
    found = next_opening(CONFIG, "outreach-hospital", monday_evening, event)
    assert found is not None and found.date == d("2026-12-01") and found.venue == "福津中央病院"


def test_an_outreach_override_covers_its_days_only() -> None:
    event = override(day="2026-12-01", days=3)
    assert event.dates() == (d("2026-12-01"), d("2026-12-02"), d("2026-12-03"))
    found = Overrides([event])
    assert [found.on("outreach-hospital", day) is event for day in (d("2026-11-30"), *event.dates(), d("2026-12-04"))] == [
        False, True, True, True, False,
    ]  # fmt: skip
    assert found.on("outreach-mall", d("2026-12-01")) is None
    assert found.with_site("outreach-hospital", []).on("outreach-hospital", d("2026-12-01")) is None


overrides_of_any_kind = st.builds(
    lambda kind, site, offset: override(kind, site, (TODAY + dt.timedelta(days=offset)).isoformat()),
    st.sampled_from(OVERRIDE_KINDS),
    st.sampled_from(SITES),
    st.integers(0, 400),
)


@given(made=overrides_of_any_kind, offset=st.integers(-3, 3))
def test_an_override_wins_on_its_dates_and_nowhere_else(made: CalendarOverride, offset: int) -> None:
    """override > config: on the override's own (site, date) the day is the override's, whatever the config says
    there; any other site or date is exactly what the config alone makes of it."""
    with_it = Overrides([made])
    for site in SITES:
        day = made.date + dt.timedelta(days=offset)
        opening = resolve_opening(CONFIG, site, day, with_it)
        if site != made.site or day != made.date:
            assert opening == resolve_opening(CONFIG, site, day)
            continue
        assert opening.override == made.id
        if made.kind == "closure":
            assert (opening.kind, opening.reason) == ("closed", "closure")
        else:
            assert opening.kind == made.kind and opening.opens_at == t("10:00") and opening.closes_at == t("15:00")
            assert opening.venue == (made.venue or None)


@given(made=overrides_of_any_kind)
def test_what_check_override_accepts_resolves_to_what_it_says(made: CalendarOverride) -> None:
    problems = check_override(CONFIG, made, TODAY)
    site = CONFIG.site(made.site)
    assert site is not None
    fits = {
        "outreach": site.kind == "outreach",
        "closure": True,
        "extra": site.kind == "office" and "pickup" in site.services,
        "sunday": site.kind == "office" and made.date.weekday() == 6 and "pickup" in site.services,
    }[made.kind]
    assert (problems == []) == fits, problems


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"closes_at": "09:00"}, "closes_at: closes at 09:00 but opens at 10:00"),
        ({"opens_at": "25:00"}, "opens_at: '25:00' is not a time in HH:MM form"),
        ({"services": ("pickup",)}, "services[0]: 'pickup' is not offered at outreach-hospital"),
        ({"counters": ("ch-booth-1",)}, "counters[0]: unknown counter of this site 'ch-booth-1'"),
        ({"venue": ""}, "venue: an outreach event needs the venue's name"),
        ({"days": 32}, "days: must be between 1 and 31, got 32"),
        ({"date": d("2026-11-23")}, "date: 2026-11-23 is in the past (today is 2026-11-24)"),
        ({"site": "city-hall", "id": "city-hall.x"}, "site: site 'city-hall' is an office site, not an outreach site"),
        ({"note": "a\tb"}, "note: one line of text, without control characters"),
    ],
)
def test_check_override_names_each_problem(changes: dict[str, object], problem: str) -> None:
    made = msgspec.structs.replace(override(), **changes)
    assert problem in "; ".join(check_override(CONFIG, made, TODAY))


def test_an_outreach_event_in_the_config_file_may_name_its_venue() -> None:
    event = OutreachEvent(id="mall-x", site="outreach-mall", start=d("2026-12-05"), opens_at="10:00", closes_at="16:00",
                          venue="イオンモール福津", address="福津市内")  # fmt: skip
    config = msgspec.structs.replace(CONFIG, outreach_events=(*CONFIG.outreach_events, event))
    opening = resolve_opening(config, "outreach-mall", d("2026-12-05"))
    assert (opening.venue, opening.address, opening.override) == ("イオンモール福津", "福津市内", None)
