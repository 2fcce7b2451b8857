"""Printer status from DLE EOT real-time answers. No answer means "unknown", never "ok".

A printer answers ``DLE EOT n`` (10 04 n) with one byte, even while offline, out of paper or with the
cover open. Every answer has bit 0 = 0, bit 1 = 1, bit 4 = 1 and bit 7 = 0 (``byte & 0x93 == 0x12``);
a byte without that pattern is not an answer (noise, an ASB packet) and is treated as no answer.

=====  ============================  ============================================================
n      query                         bits we read (1 = true)
=====  ============================  ============================================================
1      printer status                bit 3: offline
2      offline cause                 bit 2: cover open; bit 3: paper fed by the FEED button;
                                     bit 5: printing stopped by paper end; bit 6: an error occurred
4      roll paper sensor             bits 2+3: paper near end; bits 5+6: paper end (out of paper)
=====  ============================  ============================================================

Typical answers (TM-T88): 0x12/0x16 online (0x16: drawer pin high), 0x1A offline; offline cause 0x12
none, 0x16 cover open, 0x32 paper end, 0x52 error; paper sensor 0x12 paper present, 0x1E near end,
0x72 out, 0x7E near end and out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

State = Literal["ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown"]
STATES: tuple[State, ...] = ("ok", "paper_near_end", "paper_out", "cover_open", "offline", "unknown")

QUERIES = (1, 2, 4)
"""The DLE EOT queries ``PrinterStatus`` is built from, in the order they are asked."""


def is_status_byte(value: int | None) -> bool:
    """Whether ``value`` has the fixed bits of a DLE EOT answer."""
    return value is not None and 0 <= value <= 0xFF and value & 0x93 == 0x12


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the printer said about itself; None where it did not say (or was not asked)."""

    online: bool | None = None
    cover_open: bool | None = None
    paper_near_end: bool | None = None
    paper_out: bool | None = None
    error: bool | None = None
    detail: str = ""  # why a status is unknown ("connection refused", "no answer to DLE EOT 1"), or ""
    state: State = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", _state(self))

    @property
    def ok(self) -> bool:
        """Ready to print (``paper_near_end`` also prints: a roll still has a few metres left)."""
        return self.state in ("ok", "paper_near_end")

    def as_dict(self) -> dict[str, bool | str | None]:
        return {
            "state": self.state,
            "online": self.online,
            "cover_open": self.cover_open,
            "paper_near_end": self.paper_near_end,
            "paper_out": self.paper_out,
            "error": self.error,
            "detail": self.detail,
        }


def _state(s: PrinterStatus) -> State:
    """Worst known condition first; "ok" only when every query was answered and all is well."""
    if s.cover_open:
        return "cover_open"
    if s.paper_out:
        return "paper_out"
    if s.online is False:
        return "offline"
    if None in (s.online, s.cover_open, s.paper_out, s.paper_near_end):
        return "unknown"
    if s.paper_near_end:
        return "paper_near_end"
    return "ok"


def unknown(detail: str) -> PrinterStatus:
    """The status of a printer that did not answer."""
    return PrinterStatus(detail=detail)


def parse_status(printer: int | None, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """A status from the answers to DLE EOT 1, 2 and 4 (None: no answer or not a status byte)."""
    missing = [
        n for n, value in zip(QUERIES, (printer, offline_cause, paper), strict=True) if not is_status_byte(value)
    ]
    online = None if not is_status_byte(printer) else not (printer or 0) & 0x08
    cover_open = error = paper_stop = None
    if is_status_byte(offline_cause):
        cause = offline_cause or 0
        cover_open, paper_stop, error = bool(cause & 0x04), bool(cause & 0x20), bool(cause & 0x40)
    near_end = paper_out = None
    if is_status_byte(paper):
        sensor = paper or 0
        near_end, paper_out = sensor & 0x0C == 0x0C, sensor & 0x60 == 0x60
    if paper_stop and paper_out is None:
        paper_out = True
    detail = "no answer to DLE EOT " + ", ".join(map(str, missing)) if missing else ""
    return PrinterStatus(
        online=online, cover_open=cover_open, paper_near_end=near_end, paper_out=paper_out, error=error, detail=detail
    )


def status_bytes(
    *, online: bool = True, cover_open: bool = False, paper_near_end: bool = False, paper_out: bool = False
) -> tuple[int, int, int]:
    """The answers to DLE EOT 1, 2 and 4 a TM-T88 gives in this condition (for the fake printer)."""
    offline = not online or cover_open or paper_out
    printer = 0x12 | (0x08 if offline else 0)
    cause = 0x12 | (0x04 if cover_open else 0) | (0x20 if paper_out else 0)
    sensor = 0x12 | (0x0C if paper_near_end or paper_out else 0) | (0x60 if paper_out else 0)
    return printer, cause, sensor
