"""DLE EOT answers -> status. The byte values are those a TM-T88 sends (bits documented in printers/status.py)."""

from __future__ import annotations

import pytest

from printers.status import PrinterStatus, parse_status, status_bytes


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "state"),
    [
        (0x12, 0x12, 0x12, "ok"),  # online, no offline cause, paper present
        (0x16, 0x12, 0x12, "ok"),  # bit 2 is the drawer kick-out pin, not an error
        (0x12, 0x12, 0x1E, "paper_near_end"),  # bits 2+3 of DLE EOT 4: near end
        (0x1A, 0x32, 0x7E, "paper_out"),  # offline; stopped by paper end; bits 5+6: paper end
        (0x1A, 0x32, None, "paper_out"),  # paper end said by the offline cause alone
        (0x1A, 0x16, 0x12, "cover_open"),  # offline; bit 2 of DLE EOT 2: cover open
        (0x1A, 0x36, 0x7E, "cover_open"),  # cover open wins: close it first
        (0x1A, 0x52, 0x12, "offline"),  # offline because of an error (e.g. cutter jam)
        (0x1A, None, None, "offline"),  # offline, cause unknown
        (None, None, None, "unknown"),  # no answer at all: never "ok"
        (0x12, None, None, "unknown"),  # online, but paper and cover unknown
        (0x12, 0x12, None, "unknown"),
        (0xFF, 0x12, 0x12, "unknown"),  # 0xFF lacks the fixed bits: not an answer
        (0x00, 0x00, 0x00, "unknown"),
    ],
)
def test_states(printer: int | None, cause: int | None, paper: int | None, state: str) -> None:
    assert parse_status(printer, cause, paper).state == state


def test_fields_and_detail() -> None:
    status = parse_status(0x1A, 0x32, 0x7E)
    assert (status.online, status.cover_open, status.paper_out, status.paper_near_end) == (False, False, True, True)
    assert not status.ok and status.detail == ""
    silent = parse_status(None, None, None)
    assert silent.online is None and silent.paper_out is None
    assert silent.detail == "no answer to DLE EOT 1, 2, 4"
    assert parse_status(0x12, 0x12, 0x1E).ok  # near end still prints
    assert parse_status(0x12, 0x12, 0x12).as_dict()["state"] == "ok"


def test_unknown_is_never_ok() -> None:
    assert PrinterStatus().state == "unknown" and not PrinterStatus().ok
    assert PrinterStatus(online=True).state == "unknown"


@pytest.mark.parametrize(
    ("condition", "state"),
    [
        ({}, "ok"),
        ({"paper_near_end": True}, "paper_near_end"),
        ({"paper_out": True}, "paper_out"),
        ({"cover_open": True}, "cover_open"),
        ({"online": False}, "offline"),
    ],
)
def test_fake_answers_parse_back(condition: dict[str, bool], state: str) -> None:
    assert parse_status(*status_bytes(**condition)).state == state
