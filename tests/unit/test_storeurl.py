"""MADOGUCHI_REDIS_URL forms (DESIGN §1) and the one-slot rule of store scripts, without a store."""

from __future__ import annotations

import pytest

from server.queue.keys import SiteKeys, token_key
from server.settings import Settings, SettingsError
from server.storeclient import CrossSlotKeys, check_one_slot
from server.storeurl import StoreUrlError, parse_store_url


def test_single_server_urls_are_left_to_redis_py() -> None:
    for url in ("redis://h:6379/0", "rediss://:pw@h:6380/1", "unix:///run/redis.sock?db=2"):
        assert parse_store_url(url).kind == "single"


def test_sentinel_url_names_the_sentinels_the_master_and_the_database() -> None:
    t = parse_store_url("redis+sentinel://:s%40cret@10.0.0.1:26379,10.0.0.2/madoguchi/3")
    assert (t.kind, t.nodes, t.service, t.db, t.password) == (
        "sentinel", (("10.0.0.1", 26379), ("10.0.0.2", 26379)), "madoguchi", 3, "s@cret",
    )  # fmt: skip
    assert t.replicas == 1  # each change waits for one replica unless the URL says otherwise
    assert parse_store_url("redis+sentinel://h/m?replicas=0").replicas == 0
    assert parse_store_url("redis+sentinel://[::1]:26380/m?sentinel_password=x").nodes == (("::1", 26380),)
    assert "s@cret" not in repr(t) and "s@cret" not in t.described


def test_cluster_url_names_startup_nodes_and_database_zero_only() -> None:
    t = parse_store_url("redis+cluster://:pw@h1:7000,h2")
    assert (t.kind, t.nodes, t.password) == ("cluster", (("h1", 7000), ("h2", 6379)), "pw")
    with pytest.raises(StoreUrlError, match="database 0 only"):
        parse_store_url("redis+cluster://h1:7000/2")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis+sentinel://:s3cr3t@h1:26379", "name the Sentinel group's master"),
        ("redis+sentinel://:s3cr3t@h1:26379/m/x", "the database must be a number"),
        ("redis+sentinel://:s3cr3t@h1:port/m", "the port of h1 must be a number"),
        ("redis+sentinel://:s3cr3t@h1/m?replica=1", "unknown query parameters replica"),
        ("redis+cluster://:s3cr3t@", "at least one host:port"),
        ("memcached://:s3cr3t@h1", "unknown scheme memcached://"),
        ("h1:6379", "expected a URL"),
    ],
)
def test_a_bad_url_is_refused_at_start_naming_the_variable_and_not_the_password(url: str, says: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"MADOGUCHI_REDIS_URL": url})
    assert str(refused.value).startswith("MADOGUCHI_REDIS_URL: ")
    assert says in str(refused.value)
    assert "s3cr3t" not in str(refused.value)


def test_a_sentinel_url_is_accepted_at_start() -> None:
    url = "redis+sentinel://:pw@h1:26379,h2:26379/madoguchi"
    assert Settings.from_env({"MADOGUCHI_REDIS_URL": url}).redis_url == url


def test_workers_are_a_number_from_one() -> None:
    assert Settings.from_env({"MADOGUCHI_WORKERS": "4"}).workers == 4
    for bad in ("0", "two", "-1", "1000"):
        with pytest.raises(SettingsError, match="MADOGUCHI_WORKERS"):
            Settings.from_env({"MADOGUCHI_WORKERS": bad})


def test_script_keys_must_share_one_site_slot() -> None:
    city, tsuyazaki = SiteKeys("city-hall"), SiteKeys("tsuyazaki")
    check_one_slot("issue", [city.seq, city.events, city.ticket("city-hall.1"), city.audit("2026-11-24")])
    with pytest.raises(CrossSlotKeys, match="city-hall, tsuyazaki"):
        check_one_slot("emit", [city.seq, tsuyazaki.events])
    with pytest.raises(CrossSlotKeys):
        check_one_slot("issue", [city.seq, token_key("t0k3n")])  # the token key is global: set outside the script
