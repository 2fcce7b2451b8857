"""The office's records: tallies of phone inquiries and directed visitors, and incident reports (DESIGN §10).

Pure: no redis, no litestar. The store (``server/office/store.py``) keeps them; the reports, the API and the
export read them through the types here.

- A **tally** counts, per site and business date, a phone inquiry (``phone``) or a visitor the general guide
  only directed (``guide``), by topic (``[office] tally_topics`` of the config).
- An **incident report** (トラブル報告書・苦情・業務改善報告書, contract §12(4), §16) moves
  ``open → reported → closed`` (reported to the city, then settled); its text may change until it is closed.
  It never holds a visitor's personal data: the form says so, and every field is bounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Literal, get_args

import msgspec

TallyKind = Literal["phone", "guide"]
TALLY_KINDS: tuple[TallyKind, ...] = get_args(TallyKind)

Counts = dict[str, dict[str, int]]
"""Tallies of a date: ``{"phone": {topic: n}, "guide": {topic: n}}``."""

IncidentCategory = Literal["trouble", "complaint", "improvement", "equipment", "other"]
INCIDENT_CATEGORIES: tuple[IncidentCategory, ...] = get_args(IncidentCategory)

IncidentStatus = Literal["open", "reported", "closed"]
INCIDENT_STATUSES: tuple[IncidentStatus, ...] = get_args(IncidentStatus)

NEXT_STATUS: dict[str, IncidentStatus] = {"open": "reported", "reported": "closed"}
"""The only moves of an incident report: open → reported (to the city) → closed. Nothing goes back."""

TEXT_EDITABLE: tuple[IncidentStatus, ...] = ("open", "reported")
"""Statuses in which a report's text may still change (a closed report is final)."""

TITLE_MAX = 100
TEXT_MAX = 2000
"""Longest title and longest free text (what happened, what was done, what follows): a report fits an A4 form."""

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=TITLE_MAX)]
Text = Annotated[str, msgspec.Meta(max_length=TEXT_MAX)]


def fiscal_year(day: date) -> int:
    """The fiscal year (年度, April–March) a date belongs to: 2027-03-31 is in 2026."""
    return day.year if day.month >= 4 else day.year - 1


def tally_field(kind: str, topic: str) -> str:
    """The stored name of a count: ``<kind>:<topic>``."""
    return f"{kind}:{topic}"


def counts_of(stored: Mapping[str, Mapping[str, int]], topics: Sequence[str]) -> Counts:
    """Every kind with every configured topic (0 when not counted), plus any topic counted under an id the
    config no longer lists (its counts stay in the reports)."""
    out: Counts = {kind: dict.fromkeys(topics, 0) for kind in TALLY_KINDS}
    for kind, by_topic in stored.items():
        if kind in out:
            out[kind].update((str(topic), int(n)) for topic, n in by_topic.items())
    return out


def source_of(target: str) -> str:
    """The status a report must be in to become ``target`` (the store script checks it atomically);
    '' when no move leads there (nothing becomes ``open`` again)."""
    return next((source for source, nxt in NEXT_STATUS.items() if nxt == target), "")


class IncidentRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An incident report as stored: what the reports list and the A4 form prints."""

    id: str
    """``<site>.<fiscal year>-<n>``, e.g. ``city-hall.2026-0003``; unique across sites."""
    site: str
    category: IncidentCategory
    title: str
    occurred_at: datetime
    description: str = ""
    actions: str = ""
    """What was done at the time (対応)."""
    follow_up: str = ""
    """What follows: prevention, improvement, what is still to do (今後の対応)."""
    status: IncidentStatus = "open"
    created_at: datetime
    created_by: str
    updated_at: datetime | None = None
    updated_by: str = ""
    reported_at: datetime | None = None
    reported_by: str = ""
    closed_at: datetime | None = None
    closed_by: str = ""

    @property
    def number(self) -> str:
        """The report number people write and say (報告番号): ``2026-0003``."""
        return self.id.partition(".")[2]


def incident_record(stored: Mapping[str, str]) -> IncidentRecord:
    """An incident hash as the store script returns it (every value a string; '' for not set)."""
    fields = {k: v for k, v in stored.items() if v != ""}
    return msgspec.convert(fields, IncidentRecord, strict=False)
