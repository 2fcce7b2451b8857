"""A server limited to some sites (``serve --site``, ``MADOGUCHI_SITES``): an outreach desk's laptop keeps the city's
configuration file and sees only its site; a mistyped site is refused at start, naming the setting."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from server.calendar import resolve_opening
from server.cli.serve import banner, demo_staff
from server.config import Config, load_config
from server.settings import Settings, SettingsError, limit_sites

CONFIG = Path(__file__).resolve().parents[2] / "config" / "fukutsu.toml"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(CONFIG)


def test_the_sites_are_read_from_the_environment() -> None:
    assert Settings.from_env({"MADOGUCHI_SITES": "outreach-mall, outreach-hospital,outreach-mall"}).sites == (
        "outreach-mall",
        "outreach-hospital",
    )
    assert Settings.from_env({}).sites == ()
    with pytest.raises(SettingsError, match="MADOGUCHI_SITES: 'Outreach Mall' is not a site id"):
        Settings.from_env({"MADOGUCHI_SITES": "Outreach Mall"})


def test_a_limited_configuration_holds_only_those_sites_and_keeps_their_calendar(config: Config) -> None:
    laptop = limit_sites(config, ("outreach-mall",))
    assert [s.id for s in laptop.sites] == ["outreach-mall"]
    assert laptop.site("city-hall") is None and laptop.counter("ch-booth-1") is None
    assert laptop.counter("mall-desk-1") is not None
    # the same services and the config file's events: the event day opens on the laptop as at the centre
    assert laptop.services == config.services
    event_day = date(2026, 11, 20)
    central = resolve_opening(config, "outreach-mall", event_day)
    assert resolve_opening(laptop, "outreach-mall", event_day) == central and central.kind == "outreach"
    assert limit_sites(config, ()) is config


def test_an_unknown_site_is_refused_naming_the_setting(config: Config) -> None:
    with pytest.raises(SettingsError, match=r"--site: the configuration has no site 'outreach-mal' \(it has city-hall"):
        limit_sites(config, ("outreach-mal",), "--site")


def test_the_banner_and_the_demo_show_the_served_site_only(config: Config) -> None:
    laptop = limit_sites(config, ("outreach-mall",))
    settings = Settings(sites=("outreach-mall",), clock_start=datetime(2026, 11, 20, 10))
    text = banner(settings, laptop)
    assert "this server serves only: outreach-mall" in text and "outreach 10:00-17:00" in text
    assert "city-hall" not in text and "tsuyazaki" not in text
    # with no office served, the demo's desk accounts work at the outreach site
    assert {sites for _, _, _, sites in demo_staff(laptop)} == {(), ("outreach-mall",)}
