"""``POST /api/v1/imports``: a handover archive (the zip ``madoguchi export`` writes) sent over HTTP and loaded
into this installation's day archive with exactly the rules of ``madoguchi import`` (server/handover/importer.py).

It is how ``madoguchi sync`` brings an outreach desk's closed days from its laptop into the central installation:
each date once; a re-run imports nothing; a date held here with other content, a date that is today or later here,
a damaged or changed file refuse the whole upload and nothing is written.

The body is the zip itself (any content type). Admins only, and an admin limited to sites only for an archive of
their sites (403 naming the site otherwise). The upload is bounded (413 ``too_large``), and so is what it unpacks
to; it is kept in a private temporary folder for the import and deleted after. ``?dry_run=true`` checks and says
what would be imported, writing nothing.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

from litestar import Request, post
from litestar.params import FromQuery

from server.api.common import address, caller, runtime
from server.auth.accounts import Forbidden
from server.auth.guards import ADMINS, allow
from server.auth.principals import Staff
from server.handover.importer import Importer, import_reader
from server.handover.package import ArchiveReader

UPLOAD_MAX_BYTES = 64 * 1024 * 1024
"""An outreach desk's season is a few hundred kilobytes; a year of a busy office about ten megabytes zipped."""
EXPANDED_MAX_BYTES = 1024 * 1024 * 1024
"""What the upload may unpack to (its files' declared sizes together)."""
UPLOAD_NAME = "upload.zip"

admins = allow(*ADMINS)


async def _receive(request: Request[Any, Any, Any], path: Path) -> None:
    """The request body into ``path``, chunk by chunk (Litestar stops it at ``UPLOAD_MAX_BYTES`` with 413)."""
    with path.open("wb") as out:
        async for chunk in request.stream():
            out.write(chunk)


@post(
    "/imports", guards=[admins], status_code=200, request_max_body_size=UPLOAD_MAX_BYTES,
    summary="Import a handover archive (the zip of madoguchi export) into the day archive",
)  # fmt: skip
async def import_archive(request: Request[Any, Any, Any], dry_run: FromQuery[bool] = False) -> dict[str, Any]:
    who = caller(request)
    assert isinstance(who, Staff)  # the guard admits admins only
    rt = runtime(request)
    folder = Path(tempfile.mkdtemp(prefix="madoguchi-import-"))  # 0700: an archive may hold personal data
    try:
        path = folder / UPLOAD_NAME
        await _receive(request, path)
        reader = await asyncio.to_thread(ArchiveReader, path, max_expanded=EXPANDED_MAX_BYTES, name=UPLOAD_NAME)
        with reader:
            for site in reader.manifest.sites:
                if not who.may_use_site(site.id):
                    raise Forbidden(
                        f"the archive holds site {site.id}, which you are not assigned to: nothing imported"
                    )
            importer = Importer(rt.store, by=who.login, role=who.role.value, address=address(request))
            return await import_reader(reader, importer, dry_run=dry_run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


ROUTES = [import_archive]
