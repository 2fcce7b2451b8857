"""Reads what a report needs through the store's readers (the only I/O of the reports): the records of every
date of the period (``Store.days_records``: the archive of a closed date, the live tickets of today), the
tallies and the incidents, a month of dates per round trip, and folds them into the report as they come.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from server.calendar import Overrides
from server.clock import Clock
from server.config import Config
from server.queue.archive import DayArchive
from server.reports import model
from server.reports.compute import DayData, Incident, ReportBuilder
from server.reports.periods import Period, check_period

BATCH_DAYS = 31
"""Dates read per round trip: a month at a time keeps a fiscal year's tickets out of memory at once."""


class DayRecords(Protocol):
    """``server.queue.store.Store``."""

    config: Config
    clock: Clock
    overrides: Overrides

    def business_date(self) -> dt.date: ...

    async def days_records(self, site_id: str, days: list[str]) -> list[DayArchive]: ...

    async def imported_staff_names(self) -> dict[str, str]: ...


class StaffNames(Protocol):
    """``server.auth.accounts.Accounts``: the display names of ``by_operator``."""

    async def list_staff(self) -> list[dict[str, Any]]: ...


class OfficeReaders(Protocol):
    """``server.office.store.OfficeStore``: tallies and incident reports."""

    async def tallies(self, site: str, day: str) -> Mapping[str, Mapping[str, int]]: ...

    async def tally_days(self, site: str, first: dt.date, last: dt.date) -> list[str]: ...

    async def incidents(self, site: str, first: dt.date, last: dt.date) -> Sequence[Incident]: ...


async def read_report(
    builder: ReportBuilder,
    store: DayRecords,
    office: OfficeReaders | None,
    *,
    names: Mapping[str, str],
    generated_at: dt.datetime,
) -> model.Report:
    """Fill ``builder`` from the store and return its report.

    The next batch of dates is asked for before the current one is folded in, so the store sends it while this
    process decodes and counts (at most two batches in memory)."""
    period: Period = builder.period
    dates = [d.isoformat() for d in period.dates(builder.until)] if period.first <= builder.until else []
    batches: list[tuple[str, list[str], set[str]]] = []
    for site in builder.sites:
        tallied = set(await office.tally_days(site, period.first, builder.until)) if office and dates else set()
        batches += [(site, dates[i : i + BATCH_DAYS], tallied) for i in range(0, len(dates), BATCH_DAYS)]
    ahead: asyncio.Future[list[DayData]] | None = None
    try:
        for n, batch in enumerate(batches):
            current = ahead or asyncio.ensure_future(_read_batch(store, office, *batch))
            if n + 1 < len(batches):
                ahead = asyncio.ensure_future(_read_batch(store, office, *batches[n + 1]))
            for day in await current:
                builder.add_day(day)
    finally:  # after a failure (the store, a day that cannot be read) the batch asked for ahead is not wanted
        if ahead is not None:
            ahead.cancel()
            await asyncio.gather(ahead, return_exceptions=True)
    incidents: list[Incident] = []
    for site in builder.sites:
        if office is not None:
            incidents.extend(await office.incidents(site, period.first, period.last))
    return builder.report(incidents, names, generated_at)


async def _read_batch(
    store: DayRecords, office: OfficeReaders | None, site: str, batch: list[str], tallied: set[str]
) -> list[DayData]:
    """The records and tallies of ``batch`` (dates of one site), both asked for at once."""
    counted = [day for day in batch if day in tallied]
    reads = [office.tallies(site, day) for day in counted] if office else []
    tallies, archives = await asyncio.gather(asyncio.gather(*reads), store.days_records(site, batch))
    found = dict(zip(counted, tallies, strict=True))
    return [DayData(archive, found.get(archive.business_date, {})) for archive in archives]


async def make_report(
    store: DayRecords,
    office: OfficeReaders | None,
    accounts: StaffNames | None,
    period: Period,
    sites: list[str],
) -> model.Report:
    """The report of ``period`` over ``sites`` as of the store's clock; 400 for a period not begun yet."""
    today = store.business_date()
    check_period(period, today)
    names = await store.imported_staff_names()  # operators of days imported from a handover archive
    names.update({a["login"]: a["name"] for a in await accounts.list_staff()} if accounts else {})
    builder = ReportBuilder(period, sites, store.config, today, store.overrides)
    return await read_report(builder, store, office, names=names, generated_at=store.clock.now())
