"""The handover archive as a file: a zip of JSON Lines and CSV files, a README.md and a manifest.json.

Why zip (not tar.gz): the people who receive it are city staff on Windows, whose Explorer opens a zip without
any other program; a zip's members are read one at a time without unpacking the rest, so the import verifies and
streams each file; and every member carries its own CRC besides the manifest's SHA-256.

Layout::

    README.md                 what every file and column means (Japanese, then English)
    manifest.json             format, version, who made it when, sites, period, skipped dates, every file's
                              row count and SHA-256
    staff.jsonl / staff.csv   names of the logins that appear in the files
    <site>/days.jsonl|csv     archived business days
    <site>/tickets.jsonl|csv  ... reservations, tallies, incidents, audit (server/handover/tables.py)

Writing streams rows into files in a private temporary folder (``ArchiveWriter``), then zips them with the
manifest into ``<output>.part`` and renames it, so a failed export leaves no half file under the name asked for.
Reading (``ArchiveReader``) refuses anything but this format and version, and checks every listed file against
its SHA-256 before a single row is read.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from zoneinfo import ZoneInfo

import msgspec

from server import tabular
from server.handover.tables import LATER_TABLES, SITE_TABLES, Column, Row, RowInvalid, Table, check_row, csv_cells
from server.queue.errors import DomainError

FORMAT = "madoguchi-export"
VERSION = 1
MANIFEST = "manifest.json"
README = "README.md"
MANIFEST_MAX_BYTES = 8 * 1024 * 1024
"""A manifest lists each site's files and archived days: a few kilobytes a site and year. A larger one is not an
export (and would be read into memory whole)."""


class ArchiveInvalid(DomainError):
    """The file is not a handover archive this version reads, or it was changed or damaged after the export."""

    code = "archive_invalid"
    status_code = 400


class FileEntry(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    rows: int
    """Data rows (JSON Lines: lines; CSV: rows under the header; README: 0)."""
    bytes: int
    sha256: str


class SiteEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    days: list[str]
    """The archived business days the files hold."""


class Skipped(msgspec.Struct, frozen=True, kw_only=True):
    site: str
    date: str
    reason: str
    """``not_archived``: the date has live records (today, a later date, or a past date the day close has not
    reached yet): they are not final, so no tickets, reservations or tallies of the date are in the files;
    ``today``: today's audit log still grows, so it is not in the files either."""
    detail: str


class Period(msgspec.Struct, frozen=True):
    first: str = msgspec.field(name="from")
    last: str = msgspec.field(name="to")


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    format: str
    format_version: int
    created_at: str
    created_by: str
    installation: str
    """The source's configuration ``name``."""
    timezone: str
    period: Period
    personal_data: bool
    """Reservations carry names and phone numbers (an export made with ``--with-personal-data``)."""
    sites: list[SiteEntry]
    skipped: list[Skipped]
    files: list[FileEntry]


def stem(site: str, table: Table) -> str:
    """A site's file of ``table`` without extension: ``<site>/<table>`` (``.jsonl`` and ``.csv``)."""
    return f"{site}/{table.name}"


class _TableFiles:
    """One table's JSON Lines and CSV files, written row by row."""

    def __init__(self, folder: Path, name: str, columns: tuple[Column, ...], tz: ZoneInfo) -> None:
        self.stem = name
        self.columns = columns
        self.tz = tz
        self.rows = 0
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        self._jsonl: IO[bytes] = open(folder / f"{name}.jsonl", "wb")  # noqa: SIM115 (closed in close())
        self._csv_file: IO[str] = open(folder / f"{name}.csv", "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._csv_file, lineterminator="\r\n")
        self._csv.writerow([tabular.safe_cell(c.header) for c in columns])

    def add(self, row: Row) -> None:
        self._jsonl.write(msgspec.json.encode(row) + b"\n")
        self._csv.writerow([tabular.safe_cell(cell) for cell in csv_cells(self.columns, row, self.tz)])
        self.rows += 1

    def close(self) -> None:
        self._jsonl.close()
        self._csv_file.close()


class ArchiveWriter:
    """Builds an archive: ``table()`` for each file's rows, then ``finish()`` with the manifest and README."""

    def __init__(self, output: Path, tz: ZoneInfo) -> None:
        self.output = output
        self.tz = tz
        self.folder = Path(tempfile.mkdtemp(prefix="madoguchi-export-"))  # 0700: it may hold personal data
        self._tables: list[_TableFiles] = []

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        for t in self._tables:
            t.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def table(self, name: str, columns: tuple[Column, ...]) -> _TableFiles:
        """The files ``<name>.jsonl`` and ``<name>.csv`` (``name``: ``stem(site, table)``, or ``staff``)."""
        files = _TableFiles(self.folder, name, columns, self.tz)
        self._tables.append(files)
        return files

    def counts(self) -> dict[str, int]:
        """Rows written so far per file path."""
        return {f"{t.stem}.{ext}": t.rows for t in self._tables for ext in ("jsonl", "csv")}

    def finish(self, manifest: dict[str, Any], readme: str) -> tuple[Manifest, str]:
        """Write README.md, checksum every file, write manifest.json (``manifest`` plus ``files``) and zip them
        into the output. Returns the manifest and the zip's own SHA-256."""
        for t in self._tables:
            t.close()
        (self.folder / README).write_text(readme, encoding="utf-8")
        counts = self.counts()
        paths = [README, *counts]
        files = [self._entry(path, counts.get(path, 0)) for path in paths]
        final = msgspec.convert({**manifest, "files": msgspec.to_builtins(files)}, Manifest)
        (self.folder / MANIFEST).write_bytes(msgspec.json.format(msgspec.json.encode(final), indent=2) + b"\n")
        part = self.output.with_name(self.output.name + ".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in (README, MANIFEST, *counts):
                    zf.write(self.folder / path, path)
            os.replace(part, self.output)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return final, _sha256(self.output)

    def _entry(self, path: str, rows: int) -> FileEntry:
        file = self.folder / path
        return FileEntry(path=path, rows=rows, bytes=file.stat().st_size, sha256=_sha256(file))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class ArchiveReader:
    """A handover archive opened for the import: format, version and every file's SHA-256 checked first.

    ``max_expanded``: refuse an archive whose files add up to more bytes than this unpacked (an upload over HTTP:
    a zip's members are read no further than the sizes it declares, so this bounds the work a small file that
    unpacks to a huge one could cause)."""

    def __init__(self, path: Path, *, max_expanded: int | None = None, name: str | None = None) -> None:
        self.path = path
        self.name = name or str(path)
        """What messages and the audit log call the file (``name``: an upload has no name of its own)."""
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise ArchiveInvalid(f"{self.name}: no such file") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise ArchiveInvalid(f"{self.name} is not a madoguchi export (not a zip archive: {exc})") from None
        try:
            expanded = sum(info.file_size for info in self.zip.infolist())
            if max_expanded is not None and expanded > max_expanded:
                raise ArchiveInvalid(
                    f"{self.name} unpacks to {expanded} bytes; at most {max_expanded} are taken this way "
                    "(import a larger archive with madoguchi import on the server)"
                )
            self.manifest = self._manifest()
            self._verify()
        except BaseException:
            self.zip.close()
            raise
        self.sha256 = _sha256(path)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _manifest(self) -> Manifest:
        try:
            if self.zip.getinfo(MANIFEST).file_size > MANIFEST_MAX_BYTES:
                raise ArchiveInvalid(f"{MANIFEST} is larger than {MANIFEST_MAX_BYTES} bytes: not an export's")
            raw = msgspec.json.decode(self.zip.read(MANIFEST))
        except KeyError:
            raise ArchiveInvalid(f"{self.name} is not a madoguchi export (it has no {MANIFEST})") from None
        except (msgspec.DecodeError, zipfile.BadZipFile, OSError) as exc:
            raise ArchiveInvalid(f"{MANIFEST} cannot be read: {exc}") from None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ArchiveInvalid(f"{self.name} is not a madoguchi export ({MANIFEST} does not say format {FORMAT!r})")
        if raw.get("format_version") != VERSION:
            raise ArchiveInvalid(
                f"{self.name} is format version {raw.get('format_version')!r}; this madoguchi reads version {VERSION}"
            )
        try:
            return msgspec.convert(raw, Manifest)
        except msgspec.ValidationError as exc:
            raise ArchiveInvalid(f"{MANIFEST}: {exc}") from None

    def _verify(self) -> None:
        for entry in self.manifest.files:
            try:
                digest = hashlib.sha256()
                with self.zip.open(entry.path) as f:
                    while chunk := f.read(1 << 20):
                        digest.update(chunk)
            except KeyError:
                raise ArchiveInvalid(f"{entry.path} is listed in {MANIFEST} but missing from the archive") from None
            except (zipfile.BadZipFile, OSError) as exc:  # a damaged member fails its CRC
                raise ArchiveInvalid(f"{entry.path} is damaged: {exc}") from None
            if digest.hexdigest() != entry.sha256:
                raise ArchiveInvalid(f"{entry.path} does not match its SHA-256 in {MANIFEST}: changed or damaged")
        listed = {e.path for e in self.manifest.files}
        for site in self.manifest.sites:
            for path in (f"{stem(site.id, t)}.jsonl" for t in SITE_TABLES if t not in LATER_TABLES):
                if path not in listed:
                    raise ArchiveInvalid(f"{path} is missing from {MANIFEST}")

    def has(self, path: str) -> bool:
        return any(e.path == path for e in self.manifest.files)

    def lines(self, path: str) -> Iterator[tuple[int, bytes]]:
        """(line number, text) of each line of a verified JSON Lines file (none when the file is not listed)."""
        if not self.has(path):
            return
        with self.zip.open(path) as f:
            for n, line in enumerate(f, 1):
                text = line.rstrip(b"\r\n")
                if text:
                    yield n, text

    def rows(self, path: str, table: Table) -> Iterator[tuple[int, bytes, Row]]:
        """(line number, text, row) of each row, each checked against its table (``ArchiveInvalid`` naming the
        file, line and column otherwise)."""
        for n, text in self.lines(path):
            try:
                row = check_row(table, msgspec.json.decode(text))
            except (msgspec.DecodeError, RowInvalid) as exc:
                raise ArchiveInvalid(f"{path} line {n}: {exc}") from None
            yield n, text, row
