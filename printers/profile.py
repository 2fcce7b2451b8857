"""What a printer can do: paper width, how it prints text, how it cuts. No heavy imports (URIs use it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PAPER_DOTS = {58: 384, 80: 576}
"""Printable dots across the paper at 203 dpi (8 dots per mm)."""

Mode = Literal["raster", "kanji"]


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    """What the printer can do: paper width, text mode, cut."""

    width_mm: Literal[58, 80] = 80
    mode: Mode = "raster"
    cut: Literal["partial", "full"] = "partial"
    print_dots: int | None = None  # printable width when not the usual (e.g. 512 on a 180 dpi 80 mm model)
    name: str = ""

    def __post_init__(self) -> None:
        if self.width_mm not in PAPER_DOTS:
            raise ValueError(f"width_mm must be 58 or 80, got {self.width_mm!r}")
        if self.mode not in ("raster", "kanji"):
            raise ValueError(f"mode must be raster or kanji, got {self.mode!r}")
        if self.cut not in ("partial", "full"):
            raise ValueError(f"cut must be partial or full, got {self.cut!r}")
        if self.print_dots is not None and (self.print_dots % 8 or not 128 <= self.print_dots <= 832):
            raise ValueError(f"print_dots must be a multiple of 8 between 128 and 832, got {self.print_dots}")

    @property
    def dots(self) -> int:
        """Printable width in dots: 384 on 58 mm paper, 576 on 80 mm (203 dpi)."""
        return self.print_dots or PAPER_DOTS[self.width_mm]
