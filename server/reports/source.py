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
    """Fill ``builder`` from the store and return its report."""
    period: Period = builder.period
    dates = [d.isoformat() for d in period.dates(builder.until)] if period.first <= builder.until else []
    incidents: list[Incident] = []
    for site in builder.sites:
        tallied = set(await office.tally_days(site, period.first, builder.until)) if office and dates else set()
        for start in range(0, len(dates), BATCH_DAYS):
            batch = dates[start : start + BATCH_DAYS]
            counted = [day for day in batch if day in tallied]
            found = await asyncio.gather(*(office.tallies(site, day) for day in counted)) if office else []
            tallies = dict(zip(counted, found, strict=True))
            for archive in await store.days_records(site, batch):
                builder.add_day(DayData(archive, tallies.get(archive.business_date, {})))
        if office is not None:
            incidents.extend(await office.incidents(site, period.first, period.last))
    return builder.report(incidents, names, generated_at)


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
