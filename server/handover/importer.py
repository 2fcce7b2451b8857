"""``madoguchi import``: a handover archive into this installation's day archive, without touching live state.

Two passes over the verified archive. The first only reads and decides, per site: each archived date (write it;
skip it, already archived here with the same content or past this installation's retention; or refuse it: today
or later here, archived here with other content, live records here), each incident report (write, same, or
refused: the same id with other content) and each date of audit entries (new entries, none, or refused: what was
imported before for that date is not the beginning of these). Any refusal refuses the whole import and nothing is
written; ``--dry-run`` stops after this pass. The second pass writes, each date, report and audit date with one
script that checks again (``HandoverStore``): archived dates land in the same keys and meta as day close writes,
so reports over them equal the source's; reservations only as archived records (never in the booking index);
names and phone numbers never. A re-run writes nothing. Every write is audited as the person running it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from server.auth.audit import AuditLog
from server.handover import tables
from server.handover.package import ArchiveInvalid, ArchiveReader, stem
from server.handover.store import HandoverStore, StoredDay
from server.handover.tables import Row
from server.office.models import IncidentRecord
from server.office.store import OfficeStore
from server.queue import errors
from server.queue.archive import retention_cutoff
from server.queue.store import Store

_INCIDENT_ID = re.compile(r"(?P<site>[a-z0-9-]+)\.(?P<fy>[0-9]{4})-(?P<n>[0-9]{1,9})")


class ImportRefused(errors.DomainError):
    """The archive conflicts with what this installation holds; nothing (or, after a race, nothing more) was
    written."""

    code = "import_refused"
    status_code = 409


@dataclass(slots=True)
class _Day:
    date: str
    meta: Row
    tickets: list[Row]
    reservations: list[Row]
    tallies: list[Row]

    def stored_tickets(self) -> list[dict[str, str]]:
        return [tables.stored_ticket(r) for r in self.tickets]

    def stored_reservations(self) -> list[dict[str, str]]:
        return [tables.stored_reservation(r) for r in self.reservations]

    def counts(self) -> dict[str, int]:
        return {f"{r['kind']}:{r['topic']}": int(r["count"]) for r in self.tallies if r["count"]}


@dataclass(slots=True)
class SiteResult:
    """What the import did (or, with ``--dry-run``, would do) at one site."""

    site: str
    days_imported: list[str] = field(default_factory=list)
    days_same: list[str] = field(default_factory=list)
    days_skipped: list[dict[str, str]] = field(default_factory=list)
    incidents_imported: list[str] = field(default_factory=list)
    incidents_same: list[str] = field(default_factory=list)
    incidents_skipped: list[dict[str, str]] = field(default_factory=list)
    audit_entries: int = 0
    """Audit entries appended (not imported before)."""


class _Groups:
    """Rows of a file that is in date order, taken one date at a time."""

    def __init__(self, rows: Iterator[tuple[int, bytes, Row]], path: str, key: Any) -> None:
        self.rows = rows
        self.path = path
        self.key = key
        self.last = ""
        self.peeked: tuple[int, bytes, Row] | None = next(rows, None)

    def take(self, day: str) -> list[tuple[bytes, Row]]:
        out: list[tuple[bytes, Row]] = []
        while self.peeked is not None:
            n, text, row = self.peeked
            found = self.key(row)
            if found < self.last:
                raise ArchiveInvalid(f"{self.path} line {n}: {found} comes after {self.last} (not in date order)")
            if found > day:
                break
            if found < day:
                raise ArchiveInvalid(f"{self.path} line {n}: {found} is not an archived day of days.jsonl")
            self.last = found
            out.append((text, row))
            self.peeked = next(self.rows, None)
        return out

    def rest(self) -> None:
        if self.peeked is not None:
            n, _, row = self.peeked
            raise ArchiveInvalid(f"{self.path} line {n}: {self.key(row)} is not an archived day of days.jsonl")


def _sha1(texts: list[str]) -> str:
    return hashlib.sha1("\n".join(texts).encode()).hexdigest()  # the mark lua/audit_import.lua keeps


class Importer:
    def __init__(self, store: Store, *, by: str, role: str = "", address: str = "") -> None:
        self.store = store
        self.config = store.config
        self.tz = store.clock.tz
        self.handover = HandoverStore(store)
        self.office = OfficeStore(store)
        self.audit = AuditLog(store.redis, [s.id for s in self.config.sites])
        self.by = by
        self.role = role
        self.address = address
        """Who imports: ``cli:<os user>`` from the command line; a staff login, role and address over HTTP."""
        self.service_names = {s.id: s.name for s in self.config.services}
        self.today = store.business_date()
        self.cutoff = retention_cutoff(self.today, self.config.retention.archive_fiscal_years)

    # ---- reading the archive ------------------------------------------------------------------

    def _rows(self, reader: ArchiveReader, site: str, table: tables.Table) -> Iterator[tuple[int, bytes, Row]]:
        path = f"{stem(site, table)}.jsonl"
        for n, text, row in reader.rows(path, table):
            if "site" in row and row["site"] != site:
                raise ArchiveInvalid(f"{path} line {n}: a row of site {row['site']!r} in the folder of {site!r}")
            yield n, text, row

    def _groups(self, reader: ArchiveReader, site: str, table: tables.Table, key: str) -> _Groups:
        return _Groups(self._rows(reader, site, table), f"{stem(site, table)}.jsonl", lambda r: r[key])

    def _days(self, reader: ArchiveReader, site: str) -> Iterator[_Day]:
        """The archived dates of a site with their records, one date at a time, in order."""
        path = f"{stem(site, tables.DAYS)}.jsonl"
        tickets = self._groups(reader, site, tables.TICKETS, "business_date")
        resv = self._groups(reader, site, tables.RESERVATIONS, "date")
        tallies = self._groups(reader, site, tables.TALLIES, "date")
        last = ""
        for n, _, meta in self._rows(reader, site, tables.DAYS):
            day = meta["date"]
            if day <= last:
                raise ArchiveInvalid(f"{path} line {n}: {day} comes after {last} (not in date order)")
            last = day
            found = _Day(day, meta, *([row for _, row in g.take(day)] for g in (tickets, resv, tallies)))
            if (len(found.tickets), len(found.reservations)) != (meta["tickets"], meta["reservations"]):
                raise ArchiveInvalid(
                    f"{path} line {n}: {day} says {meta['tickets']} tickets and {meta['reservations']} reservations; "
                    f"the files hold {len(found.tickets)} and {len(found.reservations)}"
                )
            yield found
        for g in (tickets, resv, tallies):
            g.rest()

    def _incidents(self, reader: ArchiveReader, site: str) -> Iterator[tuple[IncidentRecord, int, int]]:
        """Each report with its fiscal year and serial (2026, 3 for ``<site>.2026-0003``)."""
        path = f"{stem(site, tables.INCIDENTS)}.jsonl"
        for n, _, row in self._rows(reader, site, tables.INCIDENTS):
            m = _INCIDENT_ID.fullmatch(str(row["id"]))
            if m is None or m["site"] != site:
                raise ArchiveInvalid(f"{path} line {n}: {row['id']!r} is not a report id of {site}")
            try:
                yield tables.incident_of(row), int(m["fy"]), int(m["n"])
            except tables.RowInvalid as exc:
                raise ArchiveInvalid(f"{path} line {n}: {exc}") from None

    def _audit_days(self, reader: ArchiveReader, site: str) -> Iterator[tuple[str, list[str]]]:
        """(date, the entries of that date as their JSON texts) in order."""
        day = ""
        texts: list[str] = []
        path = f"{stem(site, tables.AUDIT)}.jsonl"
        for n, text, row in self._rows(reader, site, tables.AUDIT):
            at_day = str(row["at"])[:10]
            if at_day < day:
                raise ArchiveInvalid(f"{path} line {n}: {at_day} comes after {day} (not in date order)")
            if at_day != day and texts:
                yield day, texts
                texts = []
            day = at_day
            texts.append(text.decode())
        if texts:
            yield day, texts

    # ---- deciding -----------------------------------------------------------------------------

    async def _stored(self, site: str, day: str) -> StoredDay:
        (found,) = await self.handover.stored_days(site, [day])
        return found

    def _same_day(self, site: str, here: StoredDay, tallies: dict[str, dict[str, int]], day: _Day) -> bool:
        """The archive here holds the same tickets, reservations and tallies as the file (compared in their
        stored form, so a time zone or field order does not matter)."""
        ours = [tables.stored_ticket(tables.ticket_row(site, t, self.service_names, self.tz)) for t in here.tickets]
        resv = [
            tables.stored_reservation(tables.reservation_row(site, r, self.service_names, self.tz))
            for r in here.reservations
        ]
        counts = {f"{kind}:{topic}": n for kind, by in tallies.items() for topic, n in by.items() if n}
        return (ours, resv, counts) == (day.stored_tickets(), day.stored_reservations(), day.counts())

    async def _decide_day(self, site: str, day: _Day) -> tuple[str, str]:
        """('write' | 'same' | 'skip' | 'refuse', why)."""
        if day.date >= self.today.isoformat():
            return "refuse", f"{site} {day.date}: is today or later in this installation (today is {self.today})"
        if day.date < self.cutoff.isoformat():
            return "skip", f"past this installation's retention (kept from {self.cutoff}): it would be deleted at once"
        here = await self._stored(site, day.date)
        if here.meta:
            if self._same_day(site, here, await self.office.tallies(site, day.date), day):
                return "same", "archived here already with the same content"
            return "refuse", (
                f"{site} {day.date}: archived here already with other content ({len(here.tickets)} tickets, "
                f"{len(here.reservations)} reservations here; {len(day.tickets)} and {len(day.reservations)} in the file)"
            )
        if await self.handover.days_with_records(site, [day.date]):
            return "refuse", (
                f"{site} {day.date}: has tickets, reservations or tallies here that are not archived; close that day "
                "here first (madoguchi day close) or leave the date out of the export"
            )
        return "write", ""

    async def _decide_incident(self, record: IncidentRecord) -> tuple[str, str]:
        if record.occurred_at.date() < self.cutoff:
            return "skip", f"past this installation's retention (kept from {self.cutoff})"
        try:
            here = await self.office.incident(record.id)
        except errors.NotFound:
            return "write", ""
        if here == record:
            return "same", "recorded here already with the same content"
        return "refuse", f"incident report {record.id}: recorded here already with other content"

    def _audit_new(self, site: str, day: str, texts: list[str], marks: dict[str, str]) -> tuple[int, str]:
        """(entries not imported before, '' or why the date is refused)."""
        n, _, sha = marks.get(day, "0:").partition(":")
        done = int(n)
        if done > len(texts) or (done and _sha1(texts[:done]) != sha):
            return 0, (
                f"{site} {day}: the audit entries imported here before for this date are not the beginning of this "
                "archive's (an export of another installation?)"
            )
        return len(texts) - done, ""

    async def plan(self, reader: ArchiveReader) -> tuple[dict[str, SiteResult], list[str]]:
        """What the import would do at each site, and every refusal (empty: it may go ahead). Reads only."""
        for entry in reader.manifest.sites:
            if self.config.site(entry.id) is None:
                raise errors.UnknownSite(
                    f"the archive holds site {entry.id!r} ({entry.name}), which this installation's configuration does "
                    "not have: add the site with the same id to the configuration first"
                )
        results: dict[str, SiteResult] = {}
        refusals: list[str] = []
        for site_entry in reader.manifest.sites:
            site = site_entry.id
            result = results[site] = SiteResult(site)
            for day in self._days(reader, site):
                verdict, why = await self._decide_day(site, day)
                self._note_day(result, refusals, day.date, verdict, why)
            for record, _, _ in self._incidents(reader, site):
                verdict, why = await self._decide_incident(record)
                target = {"write": result.incidents_imported, "same": result.incidents_same}.get(verdict)
                if target is not None:
                    target.append(record.id)
                elif verdict == "skip":
                    result.incidents_skipped.append({"id": record.id, "reason": why})
                else:
                    refusals.append(why)
            marks = await self.handover.audit_marks(site)
            for day_text, texts in self._audit_days(reader, site):
                new, why = self._audit_new(site, day_text, texts, marks)
                result.audit_entries += new
                if why:
                    refusals.append(why)
        return results, refusals

    @staticmethod
    def _note_day(result: SiteResult, refusals: list[str], day: str, verdict: str, why: str) -> None:
        if verdict == "write":
            result.days_imported.append(day)
        elif verdict == "same":
            result.days_same.append(day)
        elif verdict == "skip":
            result.days_skipped.append({"date": day, "reason": why})
        else:
            refusals.append(why)

    # ---- writing ------------------------------------------------------------------------------

    def _entry(self, site: str, action: str, detail: str) -> dict[str, Any]:
        now = self.store.clock.now().isoformat(timespec="seconds")
        return {
            "at": now,
            "login": self.by,
            "role": self.role,
            "action": action,
            "site": site,
            "address": self.address,
            "detail": detail,
        }

    async def apply(self, reader: ArchiveReader, plan: dict[str, SiteResult]) -> None:
        """Write what ``plan`` decided. Each date, report and audit date is one script that checks again, so a
        change here since the plan (another import, a day close) refuses that one and stops (run it again)."""
        source = f"from {reader.manifest.installation} ({Path(reader.name).name}, made by {reader.manifest.created_by})"
        for site, result in plan.items():
            todo = set(result.days_imported)
            for day in self._days(reader, site):
                if day.date in todo:
                    await self._write_day(site, day, reader, source)
            todo = set(result.incidents_imported)
            for record, fy, serial in self._incidents(reader, site):
                if record.id in todo:
                    await self._write_incident(site, record, fy, serial, source)
            for day_text, texts in self._audit_days(reader, site):
                if await self.handover.import_audit(site, day_text, texts) < 0:
                    raise ImportRefused(f"{site} {day_text}: audit entries from elsewhere were imported meanwhile")
            await self.audit.append(self._entry(site, "handover.import", self._summary(result, reader)))
        staff = {row["login"]: row["name"] for _, _, row in reader.rows(f"{tables.STAFF.name}.jsonl", tables.STAFF)}
        await self.handover.remember_staff_names(staff)

    async def _write_day(self, site: str, day: _Day, reader: ArchiveReader, source: str) -> None:
        meta = {
            "archived_at": day.meta["archived_at"] or "", "tickets": str(len(day.tickets)),
            "reservations": str(len(day.reservations)), "by": day.meta["archived_by"],
            "imported_at": self.store.clock.now().isoformat(timespec="seconds"),
            "imported_from": reader.manifest.installation, "imported_by": self.by, "imported_sha256": reader.sha256,
        }  # fmt: skip
        entry = self._entry(site, "archive.import", source)
        done = await self.handover.import_day(
            site, day.date, meta, day.stored_tickets(), day.stored_reservations(), day.counts(), entry
        )
        if done == "imported":
            return
        here = await self._stored(site, day.date)
        if done == "archived" and self._same_day(site, here, await self.office.tallies(site, day.date), day):
            return
        raise ImportRefused(f"{site} {day.date}: changed here while the import ran ({done}); nothing of it was written")

    async def _write_incident(self, site: str, record: IncidentRecord, fy: int, serial: int, source: str) -> None:
        fields = tables.stored_incident(tables.incident_row(record))
        occurred_ms = tables.iso_to_ms(record.occurred_at.isoformat())
        entry = self._entry(site, "incident.import", source)
        written = await self.handover.import_incident(site, fields, occurred_ms, fy, serial, entry)
        if not written and await self.office.incident(record.id) != record:
            raise ImportRefused(f"incident report {record.id}: recorded here meanwhile with other content")

    @staticmethod
    def _summary(result: SiteResult, reader: ArchiveReader) -> str:
        return (
            f"{Path(reader.name).name} (sha256 {reader.sha256}) from {reader.manifest.installation}, made by "
            f"{reader.manifest.created_by}: "
            f"{len(result.days_imported)} days imported, {len(result.days_same)} already here, "
            f"{len(result.days_skipped)} skipped; {len(result.incidents_imported)} incident reports imported; "
            f"{result.audit_entries} audit entries"
        )


async def import_archive(store: Store, path: Path, *, by: str, dry_run: bool) -> dict[str, Any]:
    """Verify ``path``, plan, and (unless ``dry_run``) write. ``ImportRefused`` lists every conflict when the
    plan has any: then nothing is written."""
    with ArchiveReader(path) as reader:
        return {"file": str(path), **await import_reader(reader, Importer(store, by=by), dry_run=dry_run)}


async def import_reader(reader: ArchiveReader, importer: Importer, *, dry_run: bool) -> dict[str, Any]:
    """``import_archive`` of an archive already opened (and so verified): the HTTP import opens it first to check
    the caller may import every site it holds."""
    plan, refusals = await importer.plan(reader)
    if refusals:
        raise ImportRefused("nothing was imported:\n" + "\n".join(f"  {r}" for r in refusals))
    if not dry_run:
        await importer.apply(reader, plan)
    return {
        "sha256": reader.sha256,
        "source": reader.manifest.installation,
        "created_at": reader.manifest.created_at,
        "created_by": reader.manifest.created_by,
        "period": msgspec.to_builtins(reader.manifest.period),
        "dry_run": dry_run,
        "sites": [msgspec.to_builtins(r) for r in plan.values()],
    }
