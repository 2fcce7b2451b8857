"""The office's configuration (``[office] tally_topics``) and its pure records: topics, counts, report numbers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from server.config import check_config, default_config_path, load_config
from server.office.models import counts_of, fiscal_year, incident_record, source_of
from tests.unit.test_config import BASE, write


def test_fukutsu_tallies_calls_and_directions_by_these_topics() -> None:
    topics = load_config(default_config_path()).office.tally_topics
    assert [(t.id, t.name) for t in topics] == [
        ("reservation", "予約"),
        ("documents", "必要書類"),
        ("hours-place", "受付時間・場所"),
        ("how-to-apply", "申請方法"),
        ("pickup", "交付・受取"),
        ("e-cert", "電子証明書"),
        ("other", "その他"),
    ]
    assert all(t.name_en for t in topics)


def test_a_config_without_an_office_table_still_has_a_button(tmp_path: Path) -> None:
    office = load_config(write(tmp_path, BASE)).office
    assert [t.id for t in office.tally_topics] == ["other"]
    assert office.topic("other") is not None and office.topic("documents") is None


def test_topic_mistakes_are_named_by_their_path(tmp_path: Path) -> None:
    text = (
        BASE
        + """
[office]
tally_topics = [
    { id = "documents", name = "必要書類", name_en = "Documents" },
    { id = "documents", name = "書類", name_en = "Papers" },
    { id = "Hours", name = " ", name_en = "Hours" },
    { id = "other", name = "その他" },
]
"""
    )
    assert set(check_config(write(tmp_path, text))) == {
        "office.tally_topics[1].id: 'documents' already used by office.tally_topics[0]",
        "office.tally_topics[2].id: 'Hours' is not an id (lowercase letters, digits and single '-')",
        "office.tally_topics[2].name: must not be empty",
        "office.tally_topics[3].name_en: missing required key",
    }


@pytest.mark.parametrize(("count", "error"), [(0, "at least one topic"), (17, "at most 16 topics")])
def test_the_buttons_must_fit(tmp_path: Path, count: int, error: str) -> None:
    topics = ", ".join(f'{{ id = "t{i}", name = "件{i}", name_en = "T{i}" }}' for i in range(count))
    errors = check_config(write(tmp_path, BASE + f"\n[office]\ntally_topics = [{topics}]\n"))
    assert len(errors) == 1 and errors[0].startswith("office.tally_topics: ") and error in errors[0]


def test_counts_list_every_topic_and_keep_one_the_config_dropped() -> None:
    counts = counts_of({"phone": {"documents": 2, "old-topic": 1}}, ["documents", "other"])
    assert counts == {"phone": {"documents": 2, "other": 0, "old-topic": 1}, "guide": {"documents": 0, "other": 0}}


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2026, 4, 1), 2026), (date(2027, 3, 31), 2026), (date(2026, 12, 31), 2026), (date(2028, 2, 29), 2027)],
)
def test_report_numbers_run_by_fiscal_year(day: date, year: int) -> None:
    assert fiscal_year(day) == year


def test_a_report_moves_one_step_and_never_back() -> None:
    assert source_of("reported") == "open"
    assert source_of("closed") == "reported"
    assert source_of("open") == ""


def test_a_stored_report_decodes_with_its_number() -> None:
    record = incident_record({
        "id": "city-hall.2026-0003", "site": "city-hall", "category": "trouble", "title": "紙詰まり",
        "occurred_at": "2026-11-24T09:40:00.000+09:00", "description": "発券機", "actions": "", "follow_up": "",
        "status": "reported", "created_at": "2026-11-24T10:02:00.000+09:00", "created_by": "guide-1",
        "reported_at": "2026-11-24T11:00:00.000+09:00", "reported_by": "manager-1",
    })  # fmt: skip
    assert record.number == "2026-0003"
    assert record.occurred_at.isoformat() == "2026-11-24T09:40:00+09:00"
    assert record.closed_at is None and record.closed_by == ""
