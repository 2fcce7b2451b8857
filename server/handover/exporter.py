"""``madoguchi export``: a period of one or more sites from the store into a handover archive.

Reads only through the store's readers: the archived days as day close stored them (``HandoverStore``), the
tallies and incident reports (``OfficeStore``), the audit log (``AuditLog``), staff names (``Accounts``) and,
only when asked for, the names and phone numbers of reservations (``ReservationStore``). A date that is not
archived is not final: its records stay out and the manifest says which dates and why; the reservations
still booked from today on are listed apart (``bookings``) for a successor to honour. The export itself is
audited at each site (who, which period, which file, with or without personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.auth.accounts import Accounts
from server.auth.audit import AuditLog
from server.handover import tables
from server.handover.package import FORMAT, VERSION, ArchiveWriter, Manifest, stem
from server.handover.readme import readme
from server.handover.store import HandoverStore
from server.office.store import OfficeStore
from server.queue import errors
from server.queue.store import Store
from server.reservations.store import ReservationStore

BATCH_DAYS = 31
"""Archived dates read per round trip: a month at a time keeps a year's tickets out of memory at once."""


@dataclass(frozen=True, slots=True)
class ExportRequest:
    sites: Sequence[str]
    first: dt.date
    last: dt.date
    output: Path
    personal_data: bool
    by: str
    """Who exports, for the manifest and the audit log (``cli:<os user>``)."""


def _dates(first: dt.date, last: dt.date) -> list[str]:
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


class Exporter:
    def __init__(self, store: Store, accounts: Accounts) -> None:
        self.store = store
        self.config = store.config
        self.tz = store.clock.tz
        self.handover = HandoverStore(store)
        self.office = OfficeStore(store)
        self.reservations = ReservationStore(store)
        self.audit = AuditLog(store.redis, [s.id for s in self.config.sites])
        self.accounts = accounts
        self.service_names = {s.id: s.name for s in self.config.services}
        self.topic_names = {t.id: t.name for t in self.config.office.tally_topics}

    async def export(self, req: ExportRequest) -> tuple[Manifest, str]:
        """Write the archive; returns its manifest and the SHA-256 of the zip."""
        for site in req.sites:
            self.store.site(site)
        if req.first > req.last:
            raise errors.ValidationFailed(f"--from {req.first} is after --to {req.last}")
        today = self.store.business_date()
        now = self.store.clock.now()
        logins: set[str] = set()
        sites: list[dict[str, Any]] = []
        skipped: list[dict[str, str]] = []
        with ArchiveWriter(req.output, self.tz) as writer:
            for site in req.sites:
                archived = await self.store.archived_days(site, req.first, req.last)
                skipped += await self._skipped(site, req, archived, today)
                days = await self._days(writer, site, archived, req.personal_data, logins)
                await self._bookings(writer, site, req, today, set(archived), logins)
                await self._incidents(writer, site, req, logins)
                await self._audit(writer, site, req, today, logins)
                sites.append({"id": site, "name": self.store.site(site).name, "days": days})
            staff = writer.table(tables.STAFF.name, tables.STAFF.columns)
            for account in await self.accounts.list_staff():
                if account["login"] in logins:
                    staff.add({c.name: str(account.get(c.name) or "") for c in tables.STAFF.columns})
            manifest = {
                "format": FORMAT, "format_version": VERSION, "created_at": now.isoformat(timespec="seconds"),
                "created_by": req.by, "installation": self.config.name, "timezone": self.config.timezone,
                "period": {"from": req.first.isoformat(), "to": req.last.isoformat()},
                "personal_data": req.personal_data, "sites": sites, "skipped": skipped,
            }  # fmt: skip
            text = readme({**manifest, "counts": writer.counts()}, self.config)
            final, sha = writer.finish(manifest, text)
        for site in req.sites:
            personal = "with personal data (names, phone numbers)" if req.personal_data else "no personal data"
            await self.audit.append({
                "at": self.store.clock.now().isoformat(timespec="seconds"), "login": req.by, "role": "",
                "action": "handover.export", "site": site, "address": "",
                "detail": f"{req.first}..{req.last} -> {req.output.name} (sha256 {sha}), {personal}",
            })  # fmt: skip
        return final, sha

    async def _skipped(
        self, site: str, req: ExportRequest, archived: list[str], today: dt.date
    ) -> list[dict[str, str]]:
        done = set(archived)
        pending = [d for d in _dates(req.first, req.last) if d not in done]
        out = []
        for day in await self.handover.days_with_records(site, pending):
            when = "today" if day == today.isoformat() else "a later date" if day > today.isoformat() else "a past date"
            out.append({"site": site, "date": day, "reason": "not_archived",
                        "detail": f"{when} not closed yet: its records are not final (export it after the day close)"})  # fmt: skip
        if req.first <= today <= req.last and today.isoformat() not in {s["date"] for s in out}:
            out.append({"site": site, "date": today.isoformat(), "reason": "today",
                        "detail": "today's audit log still grows: export it after the day"})  # fmt: skip
        return sorted(out, key=lambda s: s["date"])

    async def _days(
        self, writer: ArchiveWriter, site: str, archived: list[str], personal: bool, logins: set[str]
    ) -> list[str]:
        days = writer.table(stem(site, tables.DAYS), tables.DAYS.columns)
        tickets = writer.table(stem(site, tables.TICKETS), tables.TICKETS.columns)
        resv_columns = tables.RESERVATIONS.columns + (tables.PERSONAL if personal else ())
        reservations = writer.table(stem(site, tables.RESERVATIONS), resv_columns)
        tallies = writer.table(stem(site, tables.TALLIES), tables.TALLIES.columns)
        written: list[str] = []
        for start in range(0, len(archived), BATCH_DAYS):
            for day in await self.handover.stored_days(site, archived[start : start + BATCH_DAYS]):
                if not day.meta:  # deleted past retention between the two reads
                    continue
                written.append(day.date)
                days.add({"site": site, "date": day.date, "archived_at": day.meta.get("archived_at") or None,
                          "archived_by": day.meta.get("by", ""), "tickets": len(day.tickets),
                          "reservations": len(day.reservations)})  # fmt: skip
                for stored in day.tickets:
                    row = tables.ticket_row(site, stored, self.service_names, self.tz)
                    logins.add(row["operator"])
                    tickets.add(row)
                live = await self._personal(site, day.date) if personal else {}
                for stored in day.reservations:
                    code = str(stored.get("code", ""))
                    who = live.get(code, {"purged": "1"}) if personal else None
                    row = tables.reservation_row(site, stored, self.service_names, self.tz, who)
                    logins.add(row["created_by"])
                    reservations.add(row)
                for row in tables.tally_rows(
                    site, day.date, await self.office.tallies(site, day.date), self.topic_names
                ):
                    tallies.add(row)
        return written

    async def _bookings(
        self, writer: ArchiveWriter, site: str, req: ExportRequest, today: dt.date, archived: set[str], logins: set[str]
    ) -> None:
        """The reservations still booked on the period's dates from today on that no day close archived yet:
        a successor has to honour them (with names and phone numbers only when the export carries them)."""
        columns = tables.BOOKINGS.columns + (tables.PERSONAL if req.personal_data else ())
        bookings = writer.table(stem(site, tables.BOOKINGS), columns)
        first = max(req.first, today)
        for live in await self.reservations.of_days(site, first, req.last) if first <= req.last else []:
            if live.get("status") != "booked" or live.get("date") in archived:
                continue
            who = live if req.personal_data else None
            row = tables.reservation_row(site, live, self.service_names, self.tz, who)
            logins.add(row["created_by"])
            bookings.add(row)

    async def _personal(self, site: str, day: str) -> dict[str, dict[str, str]]:
        """The live reservations of a date by code: their names and phone numbers until purged."""
        return {r["code"]: r for r in await self.reservations.of_day(site, dt.date.fromisoformat(day))}

    async def _incidents(self, writer: ArchiveWriter, site: str, req: ExportRequest, logins: set[str]) -> None:
        incidents = writer.table(stem(site, tables.INCIDENTS), tables.INCIDENTS.columns)
        for record in await self.office.incidents(site, req.first, req.last):
            logins.update((record.created_by, record.updated_by, record.reported_by, record.closed_by))
            incidents.add(tables.incident_row(record))

    async def _audit(
        self, writer: ArchiveWriter, site: str, req: ExportRequest, today: dt.date, logins: set[str]
    ) -> None:
        audit = writer.table(stem(site, tables.AUDIT), tables.AUDIT.columns)
        last = min(req.last, today - dt.timedelta(days=1))
        for day in _dates(req.first, last) if req.first <= last else []:
            for entry in await self.audit.entries(day, (site,)):
                logins.add(str(entry.get("login", "")))
                audit.add(entry)
