"""The shipped Fukutsu config says what the contract says, and broken files are explained."""

import datetime as dt
from pathlib import Path

import pytest

from server.config import (
    Config,
    ConfigError,
    Counter,
    Period,
    Printer,
    check_config,
    config_from_dict,
    default_config_path,
    load_config,
    parse_hhmm,
    parse_mmdd,
)

CITY_HALL_ONLY = {"pickup", "abolition", "surface-update"}  # §7 (4), (6), (7)
BOTH_OFFICES = {"inquiry", "application", "unsuspend", "e-cert", "pin-reset", "insurance-link"}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(default_config_path())


# --- the shipped file ---------------------------------------------------------------------------


def test_default_path_is_the_shipped_fukutsu_file() -> None:
    path = default_config_path()
    assert path.name == "fukutsu.toml"
    assert path.parent.name == "config"
    assert path.is_file()


def test_shipped_config_has_no_errors() -> None:
    assert check_config(default_config_path()) == []


def test_sites_and_addresses(config: Config) -> None:
    city_hall, tsuyazaki = config.site("city-hall"), config.site("tsuyazaki")
    assert city_hall is not None and tsuyazaki is not None
    assert (city_hall.name, city_hall.kind) == ("福津市役所", "office")
    assert city_hall.address == "福岡県福津市中央1丁目1番1号"
    assert (tsuyazaki.name, tsuyazaki.kind) == ("津屋崎行政センター", "office")
    assert tsuyazaki.address == "福岡県福津市津屋崎1丁目7番2号"
    outreach = [site for site in config.sites if site.kind == "outreach"]
    assert {site.id for site in outreach} == {"outreach-mall", "outreach-hospital"}
    assert config.site("nowhere") is None


def test_services_per_site_follow_the_contract_table(config: Config) -> None:
    city_hall, tsuyazaki = config.site("city-hall"), config.site("tsuyazaki")
    assert city_hall is not None and tsuyazaki is not None
    assert set(city_hall.services) == BOTH_OFFICES | CITY_HALL_ONLY
    assert set(tsuyazaki.services) == BOTH_OFFICES
    for site in config.sites:
        if site.kind == "outreach":
            assert site.services == ("outreach-application",)


def test_general_guide_is_a_staff_role_not_a_queue(config: Config) -> None:
    queued = {service.id for service in config.services if service.queue}
    assert queued == BOTH_OFFICES | CITY_HALL_ONLY | {"outreach-application"}
    assert all("総合案内" not in service.name for service in config.services if service.queue)


def test_services_have_distinct_letters_and_every_language(config: Config) -> None:
    prefixes = [service.prefix for service in config.services]
    assert len(set(prefixes)) == len(prefixes)
    assert all(len(prefix) == 1 and prefix.isupper() for prefix in prefixes)
    for service in config.services:
        assert set(service.names) == {"zh", "ko", "vi", "ja-easy"}, service.id
        assert service.minutes > 0


def test_service_names_and_fallbacks(config: Config) -> None:
    pickup = config.service("pickup")
    assert pickup is not None
    assert pickup.label("ja") == "カード交付"
    assert pickup.label("en") == "Card pickup"
    assert pickup.label("ja-easy") == "カードを うけとる"
    assert pickup.label("fr") == "Card pickup"  # unknown language: English
    assert config.service("guide") is None


def test_application_with_photo_takes_longer_than_pickup(config: Config) -> None:
    application, pickup = config.service("application"), config.service("pickup")
    assert application is not None and pickup is not None
    assert application.minutes > pickup.minutes


def test_city_hall_counters_booth_all_year_meeting_room_in_winter(config: Config) -> None:
    city_hall = config.site("city-hall")
    assert city_hall is not None
    booth = [c for c in city_hall.counters if c.area == "booth"]
    meeting = [c for c in city_hall.counters if c.area == "meeting-room"]
    assert [c.number for c in booth] == [1, 2, 3]
    assert [c.number for c in meeting] == [4, 5, 6]
    assert all(not c.periods for c in booth)
    assert all(c.periods == (Period(start="11-01", end="03-31"),) for c in meeting)
    assert [c.label for c in city_hall.counters] == [f"{n}番窓口" for n in range(1, 7)]


def test_counter_lookup_returns_site_and_counter(config: Config) -> None:
    found = config.counter("ch-meeting-5")
    assert found is not None
    site, counter = found
    assert (site.id, counter.number, counter.area) == ("city-hall", 5, "meeting-room")
    assert config.counter("tz-2") is not None
    assert config.counter("no-such-counter") is None


def test_counters_and_printers_have_english_names(config: Config) -> None:
    """English screens name a counter by its ``name_en`` or, without one, as the board says it ("Counter 5");
    a printer by its ``name_en``."""
    found = config.counter("ch-meeting-5")
    assert found is not None and found[1].label_en == "Counter 5"
    assert Counter(id="d1", label="相談窓口", number=7, area="desk", name_en="Advice desk").label_en == "Advice desk"
    printer = Printer(id="p1", name="1F 発券機プリンター", name_en="1F kiosk printer", uri="tcp://192.0.2.1:9100")
    assert printer.name_en == "1F kiosk printer"
    assert Printer(id="p2", name="2F", uri="tcp://192.0.2.2:9100").name_en == ""


def test_mall_has_two_desks(config: Config) -> None:
    mall = config.site("outreach-mall")
    assert mall is not None
    assert [(c.number, c.area) for c in mall.counters] == [(1, "desk"), (2, "desk")]


def test_weekday_hours_and_last_ticket(config: Config) -> None:
    assert (config.hours.opens_at, config.hours.closes_at) == ("08:30", "17:00")
    assert config.hours.last_ticket_at == "16:30"
    assert config.hours.last_ticket_margin() == dt.timedelta(minutes=30)
    assert (config.year_end.start, config.year_end.end) == ("12-29", "01-03")
    assert config.timezone == "Asia/Tokyo"


def test_queue_settings(config: Config) -> None:
    queue = config.queue
    assert queue.reservation_ratio == 2
    assert queue.reservation_early_min == 10
    assert queue.recent_calls == 10
    assert queue.number_digits == 3


def test_config_is_immutable(config: Config) -> None:
    with pytest.raises(AttributeError):
        config.name = "changed"  # type: ignore[misc]


# --- small parsers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (dt.date(2026, 10, 31), False),
        (dt.date(2026, 11, 1), True),
        (dt.date(2026, 12, 31), True),
        (dt.date(2027, 1, 1), True),
        (dt.date(2027, 3, 31), True),
        (dt.date(2027, 4, 1), False),
    ],
)
def test_period_wrapping_the_year_end(day: dt.date, inside: bool) -> None:
    assert Period(start="11-01", end="03-31").contains(day) is inside


def test_period_within_one_year() -> None:
    summer = Period(start="07-01", end="08-31")
    assert summer.contains(dt.date(2026, 7, 1))
    assert summer.contains(dt.date(2026, 8, 31))
    assert not summer.contains(dt.date(2026, 9, 1))


@pytest.mark.parametrize("bad", ["8:30", "24:00", "12:60", "0830", "", "08:30:00"])
def test_parse_hhmm_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_hhmm(bad)


@pytest.mark.parametrize("bad", ["02-30", "13-01", "11-31", "1-1", "11/01"])
def test_parse_mmdd_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_mmdd(bad)


def test_parse_mmdd_accepts_leap_day() -> None:
    assert parse_mmdd("02-29") == (2, 29)


# --- broken files -------------------------------------------------------------------------------

BASE = """
name = "テスト市"

[[services]]
id = "pickup"
name = "カード交付"
name_en = "Card pickup"
prefix = "P"
minutes = 10

[[services]]
id = "e-cert"
name = "電子証明書"
name_en = "E-certificate"
prefix = "E"
minutes = 10

[[sites]]
id = "office"
name = "市役所"
name_en = "City Hall"
address = "どこか1-1"
kind = "office"
services = ["pickup", "e-cert"]

[[sites.counters]]
id = "c-1"
label = "1番窓口"
number = 1
area = "booth"

[[sites]]
id = "mall"
name = "商業施設"
name_en = "Mall"
address = "どこか2-2"
kind = "outreach"
services = ["pickup"]

[[sites.counters]]
id = "m-1"
label = "1番窓口"
number = 1
area = "desk"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_config_takes_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE))
    assert config.hours.opens_at == "08:30"
    assert config.queue.number_digits == 3
    assert config.sunday_openings == ()
    assert config.languages == ("ja", "en", "zh", "ko", "vi", "ja-easy")


def test_many_mistakes_are_reported_at_once_with_their_paths(tmp_path: Path) -> None:
    text = (
        BASE.replace('services = ["pickup", "e-cert"]', 'services = ["pickup", "pikcup"]')
        .replace('prefix = "E"', 'prefix = "P"')
        .replace('name = "テスト市"', 'name = "テスト市"\ncolour = "blue"\n[hours]\nopens_at = "8:30"')
        .replace('number = 1\narea = "desk"', 'number = "one"\narea = "desk"')
    )
    text += """
[[sunday_openings]]
site = "office"
date = 2026-04-06
opens_at = "09:00"
closes_at = "12:00"
services = ["pickup"]
"""
    errors = check_config(write(tmp_path, text))
    paths = {error.split(": ", 1)[0] for error in errors}
    assert paths == {
        "colour",  # unknown key
        "hours.opens_at",  # bad time
        "services[1].prefix",  # duplicate prefix
        "sites[0].services[1]",  # unknown service
        "sites[1].counters[0].number",  # wrong type
        "sunday_openings[0].date",  # a Monday
    }
    by_path = {error.split(": ", 1)[0]: error for error in errors}
    assert "unknown key" in by_path["colour"]
    assert "'P' already used by services[0]" in by_path["services[1].prefix"]
    assert "pikcup" in by_path["sites[0].services[1]"]
    assert "expected int, got str" in by_path["sites[1].counters[0].number"]
    assert "Monday" in by_path["sunday_openings[0].date"]


def test_load_config_raises_with_every_error(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace('prefix = "E"', 'prefix = "e"').replace("minutes = 10", "minutes = 0"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.errors == check_config(path)
    assert set(caught.value.errors) == {
        "services[0].minutes: must be more than 0, got 0",
        "services[1].minutes: must be more than 0, got 0",
        "services[1].prefix: 'e' is not one uppercase letter A-Z",
    }
    assert "services[1].prefix" in str(caught.value)


def test_a_dropped_element_does_not_shift_the_paths_of_the_others(tmp_path: Path) -> None:
    text = BASE.replace('minutes = 10\n\n[[services]]\nid = "e-cert"', 'minutes = "ten"\n\n[[services]]\nid = "E cert"')
    errors = check_config(write(tmp_path, text))
    assert "services[0].minutes: expected int, got str" in errors
    assert any(error.startswith("services[1].id: 'E cert' is not an id") for error in errors)
    # the site still refers to "pickup", which exists although it failed its own type check
    assert not any("unknown service 'pickup'" in error for error in errors)


@pytest.mark.parametrize(
    ("hours", "path", "message"),
    [
        ('opens_at = "17:00"\ncloses_at = "08:30"', "hours.closes_at", "closes at 08:30 but opens at 17:00"),
        ('last_ticket_at = "17:30"', "hours.last_ticket_at", "17:30 is outside the hours 08:30-17:00"),
        ('last_ticket_at = "08:00"', "hours.last_ticket_at", "08:00 is outside the hours 08:30-17:00"),
        ('closes_at = "25:00"', "hours.closes_at", "not a time in HH:MM form"),
        ("opens_at = 08:30:00", "hours.opens_at", 'write times as quoted text, e.g. "08:30"'),
    ],
)
def test_bad_hours(tmp_path: Path, hours: str, path: str, message: str) -> None:
    text = BASE.replace('name = "テスト市"', f'name = "テスト市"\n[hours]\n{hours}')
    errors = check_config(write(tmp_path, text))
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}: ")
    assert message in errors[0]


def test_sunday_opening_mistakes(tmp_path: Path) -> None:
    text = (
        BASE
        + """
[[sunday_openings]]
site = "mall"
date = 2026-04-05
opens_at = "09:00"
closes_at = "13:00"
services = ["pickup"]

[[sunday_openings]]
site = "office"
date = 2026-04-05
opens_at = "09:00"
closes_at = "13:00"
last_ticket_at = "13:30"
services = ["pickup", "photo"]
counters = ["m-1"]

[[sunday_openings]]
site = "office"
date = 2026-04-05
opens_at = "09:00"
closes_at = "13:00"
services = []
"""
    )
    errors = check_config(write(tmp_path, text))
    assert errors == [
        "sunday_openings[0].site: site 'mall' is an outreach site, not an office site",
        "sunday_openings[1].last_ticket_at: 13:30 is outside the hours 09:00-13:00",
        "sunday_openings[1].services[1]: unknown service 'photo'",
        "sunday_openings[1].counters[0]: unknown counter of this site 'm-1'",
        "sunday_openings[2].services: a Sunday opening needs at least one service",
        "sunday_openings[2].date: 'office 2026-04-05' already used by sunday_openings[1]",
    ]


def test_outreach_event_mistakes(tmp_path: Path) -> None:
    text = (
        BASE
        + """
[[outreach_events]]
id = "at-office"
site = "office"
start = 2026-05-22
opens_at = "10:00"
closes_at = "17:00"

[[outreach_events]]
id = "mall-may"
site = "mall"
start = 2026-05-22
days = 3
opens_at = "10:00"
closes_at = "10:15"

[[outreach_events]]
id = "mall-may"
site = "mall"
start = 2026-05-24
opens_at = "10:00"
closes_at = "17:00"
services = ["e-cert"]

[[outreach_events]]
id = "ghost"
site = "nowhere"
start = "2026-02-30"
opens_at = "10:00"
closes_at = "17:00"
"""
    )
    errors = check_config(write(tmp_path, text))
    assert errors == [
        "outreach_events[3].start: not a valid date (write YYYY-MM-DD, e.g. 2026-04-05)",
        "outreach_events[0].site: site 'office' is an office site, not an outreach site",
        "outreach_events[1].last_ticket_at: missing, and the weekday margin would put it before opening",
        "outreach_events[2].id: 'mall-may' already used by outreach_events[1]",
        "outreach_events[2].start: overlaps outreach_events[1] on 2026-05-24",
    ]


def test_duplicate_ids_and_counter_numbers(tmp_path: Path) -> None:
    text = BASE.replace('id = "m-1"\nlabel = "1番窓口"', 'id = "c-1"\nlabel = "1番窓口"') + (
        '\n[[sites.counters]]\nid = "m-2"\nlabel = "2番窓口"\nnumber = 1\narea = "desk"\n'
    )
    text = text.replace('id = "mall"', 'id = "office"')
    errors = check_config(write(tmp_path, text))
    assert errors == [
        "sites[1].counters[1].number: 1 already used by sites[1].counters[0]",
        "sites[1].id: 'office' already used by sites[0]",
        "sites[1].counters[0].id: 'c-1' already used by sites[0].counters[0]",
    ]


def test_missing_keys_languages_and_areas(tmp_path: Path) -> None:
    text = (
        BASE.replace('name_en = "Card pickup"\n', 'name_en = "Card pickup"\nnames = { fr = "x", ko = "" }\n')
        .replace('address = "どこか2-2"\n', "")
        .replace('kind = "office"', 'kind = "office"\nareas = [{ id = "hall", name = "ホール", name_en = "Hall" }]')
    )
    errors = check_config(write(tmp_path, text))
    assert errors == [
        "sites[1].address: missing required key",
        "services[0].names.fr: language 'fr' is not in languages",
        "services[0].names.ko: must not be empty",
        "sites[0].counters[0].area: unknown area 'booth' (not in this site's areas)",
    ]


def test_unknown_keys_anywhere_are_errors(tmp_path: Path) -> None:
    text = BASE.replace('area = "booth"', 'area = "booth"\nperiods = [{ start = "11-01", end = "03-31", to = 1 }]')
    text = text.replace('[[sites]]\nid = "mall"', '[queue]\ncall_ratio = 3\n\n[[sites]]\nid = "mall"')
    assert check_config(write(tmp_path, text)) == [
        "queue.call_ratio: unknown key",
        "sites[0].counters[0].periods[0].to: unknown key",
    ]


def test_wrong_kind_and_timezone(tmp_path: Path) -> None:
    text = BASE.replace('kind = "outreach"', 'kind = "shop"').replace(
        'name = "テスト市"', 'name = "テスト市"\ntimezone = "Asia/Fukutsu"'
    )
    errors = check_config(write(tmp_path, text))
    assert errors == [
        "sites[1].kind: invalid enum value 'shop'",
        "timezone: unknown time zone 'Asia/Fukutsu'",
    ]


def test_closure_referring_to_unknown_site(tmp_path: Path) -> None:
    text = BASE + '\n[[closures]]\ndate = 2026-08-20\nsites = ["office", "annex"]\nreason = "台風"\n'
    assert check_config(write(tmp_path, text)) == ["closures[0].sites[1]: unknown site 'annex'"]


def test_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    assert check_config(missing)[0].startswith(f"{missing}: cannot read the file")
    broken = write(tmp_path, 'name = "unterminated')
    assert "not valid TOML" in check_config(broken)[0]
    with pytest.raises(ConfigError):
        load_config(broken)


def test_config_from_dict_checks_too() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"name": "x", "services": [], "sites": []})
    assert caught.value.errors == ["services: at least one service is needed", "sites: at least one site is needed"]


# --- reservations -------------------------------------------------------------------------------


def test_shipped_reservations(config: Config) -> None:
    r = config.reservations
    assert [(e.service, e.sites) for e in r.services] == [
        ("application", ("city-hall", "tsuyazaki")),
        ("pickup", ("city-hall",)),
    ]
    entry = r.entry("pickup", "city-hall")
    assert entry is not None and r.capacity(entry) == 1
    assert r.entry("pickup", "tsuyazaki") is None and r.entry("e-cert", "city-hall") is None
    assert r.checkin_early_min == 30 and r.checkin_late_min == 15 and r.release_after_min == 20
    assert r.horizon_days == 60
    assert config.queue.reservation_slot_min == 30 and config.queue.reservation_retention_days == 30


def test_without_a_reservations_table_nothing_is_reservable(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE))
    assert config.reservations.services == ()
    assert config.reservations.entry("pickup", "office") is None


def test_reservation_mistakes(tmp_path: Path) -> None:
    text = BASE
    text += """
[reservations]
horizon_days = 0
checkin_late_min = 30
release_after_min = 10
services = [
    { service = "pickup", sites = ["office", "nowhere"] },
    { service = "pickup" },
    { service = "nothing" },
    { service = "e-cert", sites = ["mall"], capacity_per_counter = 0 },
]
"""
    errors = check_config(write(tmp_path, text))
    assert set(errors) == {
        "reservations.horizon_days: must be at least 1, got 0",
        "reservations.release_after_min: 10 is before the end of check-in (30 minutes after the start)",
        "reservations.services[0].sites[1]: unknown site 'nowhere'",
        "reservations.services[1].service: 'pickup' already used by reservations.services[0]",
        "reservations.services[2].service: unknown service 'nothing'",
        "reservations.services[3].capacity_per_counter: must be at least 1, got 0",
        "reservations.services[3].sites[0]: 'mall' never offers 'e-cert'",
    }


def test_retention_of_the_archive(tmp_path: Path, config: Config) -> None:
    assert config.retention.archive_fiscal_years == 5
    assert load_config(write(tmp_path, BASE)).retention.archive_fiscal_years == 5
    kept = load_config(write(tmp_path, BASE + "\n[retention]\narchive_fiscal_years = 10\n"))
    assert kept.retention.archive_fiscal_years == 10
    errors = check_config(write(tmp_path, BASE + "\n[retention]\narchive_fiscal_years = 0\nyears = 3\n"))
    assert set(errors) == {
        "retention.archive_fiscal_years: must be at least 1, got 0",
        "retention.years: unknown key",
    }
    errors = check_config(write(tmp_path, BASE + '\n[retention]\narchive_fiscal_years = "five"\n'))
    assert errors == ["retention.archive_fiscal_years: expected int, got str"]
