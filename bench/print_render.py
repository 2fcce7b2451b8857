"""Ticket render time: mean, p50, p99 over N renders per case (ticket -> ESC/POS bytes, in process).

    /tmp/venv/bin/python bench/print_render.py              # N=500, every case
    /tmp/venv/bin/python bench/print_render.py -n 2000 --case ja-80-raster

Each render is a different ticket (number, people ahead, wait, minute and status URL with a fresh token
all change), as at a kiosk, so the QR code is encoded every time and only what really repeats (site
and service names, labels, footer, glyphs) comes from the caches. The first render of a case (fonts
and cmaps loading) is reported apart as "cold". Target: <= 10 ms per ticket, raster with QR.
Also times decoding a ticket back to a PNG (the preview transport), which is not on the kiosk's path.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printers.preview import preview_png
from printers.profile import PrinterProfile
from printers.samples import ISSUED_AT, REFERENCE_LAYOUT, ticket_in
from printers.ticket import TicketData, render_ticket

CASES = {
    "ja-80-raster": ("ja", PrinterProfile(80, "raster")),
    "en-80-raster": ("en", PrinterProfile(80, "raster")),
    "vi-58-raster": ("vi", PrinterProfile(58, "raster")),
    "ja-58-raster": ("ja", PrinterProfile(58, "raster")),
    "ja-80-kanji": ("ja", PrinterProfile(80, "kanji")),
    "vi-58-kanji": ("vi", PrinterProfile(58, "kanji")),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    lo = int(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def tickets(lang: str, n: int) -> list[TicketData]:
    base = ticket_in(lang)
    return [
        replace(
            base,
            number=f"P{i % 1000:03d}",
            waiting_ahead=i % 40,
            estimated_wait_min=(i * 7) % 90,
            issued_at=ISSUED_AT + timedelta(minutes=i),
            status_url=f"https://madoguchi.example.jp/t/{secrets.token_urlsafe(16)}",
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="renders per case")
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="only these cases")
    args = parser.parse_args()
    print(f"{'case':<14} {'cold':>8} {'mean':>8} {'p50':>8} {'p99':>8} {'max':>8}   bytes/ticket (ms; n={args.n})")
    for name in args.case or CASES:
        lang, profile = CASES[name]
        batch = tickets(lang, args.n + 1)
        start = time.perf_counter()
        render_ticket(batch[0], REFERENCE_LAYOUT, profile)
        cold = (time.perf_counter() - start) * 1000
        times: list[float] = []
        size = 0
        for ticket in batch[1:]:
            start = time.perf_counter()
            data = render_ticket(ticket, REFERENCE_LAYOUT, profile)
            times.append((time.perf_counter() - start) * 1000)
            size += len(data)
        print(
            f"{name:<14} {cold:8.1f} {statistics.fmean(times):8.2f} {percentile(times, 50):8.2f} "
            f"{percentile(times, 99):8.2f} {max(times):8.2f}   {size // len(times)}"
        )
    data = render_ticket(tickets("ja", 1)[0], REFERENCE_LAYOUT, PrinterProfile(80, "raster"))
    times = []
    for _ in range(20):
        start = time.perf_counter()
        preview_png(data, 576)
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"preview PNG of a ja 80 mm ticket: mean {statistics.fmean(times):.1f} ms, p50 {percentile(times, 50):.1f} ms"
    )


if __name__ == "__main__":
    main()
