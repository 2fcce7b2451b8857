"""Background work of every server process: no-shows at release time, the daily purge of personal data.

Both are idempotent scripts, so several server processes running them at once do no harm: a reservation
becomes a no-show once and is purged once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from server.reservations.store import ReservationStore

log = logging.getLogger("madoguchi.reservations")

RELEASE_INTERVAL_S = 60.0


async def run_reservation_jobs(resv: ReservationStore, interval_s: float = RELEASE_INTERVAL_S) -> None:
    """Once a day (and at start) purge; each minute release the reservations that are due."""
    purged_on: dt.date | None = None
    while True:
        try:
            today = resv.today()
            if purged_on != today:
                n = await resv.purge_due()
                purged_on = today
                if n:
                    log.info("deleted the names and phone numbers of %d past reservations", n)
            released = await resv.release_due()
            if released:
                log.info("reservations not checked in by their release time, now no-shows: %s", ", ".join(released))
        except Exception as exc:  # the next round retries; the reason is logged once per round
            log.warning("reservation jobs failed: %s", exc)
        await asyncio.sleep(interval_s)
