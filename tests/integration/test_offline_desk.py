"""The offline outreach desk (docs/OPERATIONS.md "The offline outreach desk"), end to end with real installations.

A laptop runs ``madoguchi serve --site outreach-mall`` on its own data dir on an event day of the config file: it
shows and serves that site only; its kiosk issues, a counter calls and completes, the day is closed there. Back on
the LAN, ``madoguchi sync`` sends the closed day to the central ``serve`` (another data dir, the next morning),
whose 日報 of that site and date then equals the laptop's; a second sync imports nothing; a second laptop that ran
the same site on the same day is refused and nothing is written. ``POST /api/v1/imports`` answers bad uploads (not
a zip, a changed file, too large, another site's admin) with a 4xx and writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as redis_sync

from server.api.imports import UPLOAD_MAX_BYTES
from server.handover.exporter import Exporter, ExportRequest
from server.handover.package import ArchiveInvalid, ArchiveReader
from tests.conftest import LiveServer
from tests.integration.serving import MADOGUCHI, Served, cli_env, end, start_serve
from tests.integration.test_export import _dump

SITE = "outreach-mall"
DAY = "2026-11-20"  # the first day of the config's event mall-2026-11 (10:00-17:00)
EVENT_MORNING = f"{DAY}T10:00"
NEXT_MORNING = "2026-11-21T09:00"
SERVICE = "outreach-application"
PASSWORD = "central-admin-pass-1"
DAILY = "/api/v1/reports/daily"


class Installation:
    """A ``madoguchi serve`` on a data dir of its own, and the commands run against that data dir."""

    def __init__(self, folder: Path, *serve_args: str) -> None:
        folder.mkdir()
        self.folder = folder
        self.data_dir = folder / "var"
        self.passwords: dict[str, str] = {}
        self.served: Served = start_serve(folder, "--data-dir", str(self.data_dir), *serve_args)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*MADOGUCHI, *args, "--data-dir", str(self.data_dir)],
            cwd=self.folder, env=cli_env(), input=stdin, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def staff(self, login: str, name: str, role: str, *sites: str, password: str | None = None) -> None:
        self.passwords[login] = password or secrets.token_urlsafe(16)
        site_args = [a for s in sites for a in ("--site", s)]
        done = self.cli("staff", "add", "--login", login, "--name", name, "--role", role, *site_args,
                        "--password-stdin", stdin=f"{self.passwords[login]}\n")  # fmt: skip
        assert done.returncode == 0, done.stderr

    def http(self, login: str | None = None) -> httpx.Client:
        client = httpx.Client(base_url=self.served.url, timeout=30)
        if login:
            r = client.post("/api/v1/auth/login", json={"login": login, "password": self.passwords[login]})
            assert r.status_code == 200, r.text
            client.headers["x-csrf-token"] = r.json()["csrf"]
        return client

    def kiosk(self, site: str) -> httpx.Client:
        added = self.cli("device", "add", "--site", site, "--kind", "kiosk", "--name", "出張会場 発券機", "--json")
        assert added.returncode == 0, added.stderr
        client = httpx.Client(base_url=self.served.url, timeout=30)
        client.headers["authorization"] = f"Bearer {json.loads(added.stdout)['token']}"
        return client

    def store_url(self) -> str:
        return str(json.loads((self.data_dir / "redis.json").read_text())["url"])

    def sync(self, central: Installation, *args: str) -> subprocess.CompletedProcess[str]:
        return self.cli("sync", "--to", central.served.url, "--site", SITE, "--login", "city-admin",
                        "--password-stdin", "--json", *args, stdin=f"{PASSWORD}\n")  # fmt: skip


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[Callable[..., Installation]]:
    made: list[Installation] = []

    def make(name: str, *serve_args: str) -> Installation:
        made.append(Installation(tmp_path / name, *serve_args))
        return made[-1]

    yield make
    for inst in made:
        end(inst.served.proc, within=30)


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _daily(client: httpx.Client) -> dict[str, Any]:
    report: dict[str, Any] = _ok(client.get(DAILY, params={"site": SITE, "date": DAY}))
    report.pop("generated_at")
    return report


def _site_keys(inst: Installation) -> dict[str, Any]:
    """Everything the central store holds of the outreach site (logins and sessions are not the site's), and the
    imports in its audit log."""
    url = inst.store_url()
    dump = {k: v for k, v in _dump(url).items() if f"{{{SITE}}}" in k}
    client = redis_sync.Redis.from_url(url, decode_responses=True)
    audit = [e for k in client.scan_iter("mdg:audit:*") for e in client.lrange(k, 0, -1) if "handover.import" in e]
    client.close()
    return {"keys": dump, "imports": audit}


def _run_the_desk_day(laptop: Installation) -> dict[str, Any]:
    """The laptop's event day: three visitors at the kiosk; desk 1 serves the first, the second never comes, the
    third is still waiting at closing. Returns the laptop's 日報 of the day after its close."""
    kiosk = laptop.kiosk(SITE)
    tickets = [_ok(kiosk.post(f"/api/v1/sites/{SITE}/tickets", json={"service": SERVICE}), 201) for _ in range(3)]
    assert [t["number"] for t in tickets] == ["S001", "S002", "S003"]
    desk = laptop.http("desk-1")
    _ok(desk.post("/api/v1/counters/mall-desk-1/open", json={"services": [SERVICE]}))
    first = _ok(desk.post("/api/v1/counters/mall-desk-1/call-next"))
    assert first["number"] == tickets[0]["number"]
    _ok(desk.post(f"/api/v1/tickets/{first['id']}/start"))
    _ok(desk.post(f"/api/v1/tickets/{first['id']}/complete", json={"outcome": "completed"}))
    second = _ok(desk.post("/api/v1/counters/mall-desk-1/call-next"))
    _ok(desk.post(f"/api/v1/tickets/{second['id']}/no-show"))
    admin = laptop.http("desk-admin")
    closed = _ok(admin.post(f"/api/v1/sites/{SITE}/day-close"))
    assert closed == {"site": SITE, "business_date": DAY, "was_open": True, "unserved": 1}
    report = _daily(admin)
    assert (report["totals"]["issued"], report["totals"]["served"], report["totals"]["no_show"]) == (3, 1, 1)
    return report


def test_a_desk_laptop_serves_its_site_offline_and_syncs_its_day_into_the_central_reports_once(
    installations: Callable[..., Installation],
) -> None:
    central = installations("central", "--clock", NEXT_MORNING)
    central.staff("city-admin", "市 管理者", "admin", password=PASSWORD)
    laptop = installations("laptop", "--site", SITE, "--clock", EVENT_MORNING)
    laptop.staff("desk-admin", "出張 管理", "admin")
    laptop.staff("desk-1", "出張 窓口一", "operator", SITE)

    # the laptop serves the outreach site only: the banner, the sites list, the index, another site's calendar
    banner = "".join(laptop.served.output)
    assert f"this server serves only: {SITE}" in banner and "outreach 10:00-17:00" in banner
    assert "city-hall" not in banner and "outreach-hospital" not in banner
    admin = laptop.http("desk-admin")
    assert [s["id"] for s in _ok(admin.get("/api/v1/sites"))] == [SITE]
    index = admin.get("/").text
    assert f"/board/{SITE}" in index and "/board/city-hall" not in index
    other = admin.get("/api/v1/calendar", params={"site": "city-hall", "from": DAY, "to": DAY})
    assert other.status_code == 404 and other.json()["code"] == "unknown_site"

    laptop_report = _run_the_desk_day(laptop)
    city = central.http("city-admin")
    assert _daily(city)["totals"]["issued"] == 0  # nothing of the day at the centre yet

    # a dry run says what would come and writes nothing
    before = _site_keys(central)
    dry = laptop.sync(central, "--since", DAY, "--until", DAY, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    [would] = json.loads(dry.stdout)["result"]["sites"]
    assert would["days_imported"] == [DAY]
    assert _site_keys(central) == before

    # the sync: the central 日報 of the site and date is the laptop's
    synced = laptop.sync(central, "--since", DAY, "--until", DAY)
    assert synced.returncode == 0, synced.stderr
    out = json.loads(synced.stdout)
    assert out["sent"]["days"] == {SITE: [DAY]}
    [done] = out["result"]["sites"]
    assert (done["site"], done["days_imported"], done["days_same"]) == (SITE, [DAY], [])
    assert done["audit_entries"] > 0  # the desk's actions of the day (counter opened, calls, the close)
    assert _daily(city) == laptop_report
    assert [o["name"] for o in laptop_report["by_operator"]] == ["出張 窓口一"]
    after_first = _site_keys(central)
    [imported] = after_first["imports"]
    assert '"login":"city-admin"' in imported.replace(" ", "") and "madoguchi sync" in imported

    # a second sync (the default period: from the first closed day to yesterday, by the command's own clock, which
    # is the real one and so past the training day) imports nothing
    again = laptop.sync(central)
    assert again.returncode == 0, again.stderr
    [same] = json.loads(again.stdout)["result"]["sites"]
    assert (same["days_imported"], same["days_same"], same["audit_entries"]) == ([], [DAY], 0)
    assert _site_keys(central)["keys"] == after_first["keys"]
    assert _daily(city) == laptop_report

    # a second laptop ran the same site on the same day: refused, nothing written at the centre
    spare = installations("spare", "--site", SITE, "--clock", EVENT_MORNING)
    spare.staff("desk-admin", "予備 管理", "admin")
    _ok(spare.kiosk(SITE).post(f"/api/v1/sites/{SITE}/tickets", json={"service": SERVICE}), 201)
    _ok(spare.http("desk-admin").post(f"/api/v1/sites/{SITE}/day-close"))
    before = _site_keys(central)
    refused = spare.sync(central, "--since", DAY, "--until", DAY)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    answer = json.loads(refused.stdout)["refused"]
    assert answer["code"] == "import_refused" and answer["status"] == 409
    assert f"{SITE} {DAY}: archived here already with other content" in answer["detail"]
    assert _site_keys(central) == before
    assert _daily(city) == laptop_report

    # the central server not reachable (the laptop still at the venue): exit 3, nothing sent
    central.served.stop()
    away = laptop.sync(central, "--since", DAY, "--until", DAY)
    assert away.returncode == 3 and "nothing was sent" in json.loads(away.stdout)["refused"]["detail"]


# ---- bad uploads: a 4xx with code and detail, nothing written --------------------------------------------------


async def _export(server: LiveServer, output: Path) -> bytes:
    day = date(2026, 11, 20)
    request = ExportRequest(sites=["city-hall"], first=day, last=day, output=output, personal_data=False,
                            by="cli:test")  # fmt: skip
    await server.call(Exporter(server.runtime.store, server.runtime.accounts).export(request))
    return await asyncio.to_thread(output.read_bytes)


def _tampered(good: bytes, folder: Path) -> bytes:
    source, target = folder / "good.zip", folder / "tampered.zip"
    source.write_bytes(good)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            zout.writestr(name, data.replace(b"madoguchi", b"MADOGUCHI") if name == "README.md" else data)
    return target.read_bytes()


async def test_bad_uploads_are_refused_with_a_code_and_change_nothing(
    server: LiveServer, redis_url: str, tmp_path: Path
) -> None:
    good = await _export(server, tmp_path / "city-hall.zip")
    admin = await server.login("admin")
    tsuyazaki_admin = await server.login("admin", ("tsuyazaki",))
    before = _dump(redis_url)
    cases: list[tuple[Any, bytes, int, str, str]] = [
        (admin, b"", 400, "archive_invalid", "not a zip archive"),
        (admin, b"PK\x03\x04 not really a zip", 400, "archive_invalid", "not a zip archive"),
        (admin, b'{"service": "pickup"}', 400, "archive_invalid", "not a madoguchi export"),
        (admin, _tampered(good, tmp_path), 400, "archive_invalid", "README.md does not match its SHA-256"),
        (tsuyazaki_admin, good, 403, "forbidden", "the archive holds site city-hall"),
    ]
    for client, body, status, code, says in cases:
        r = await client.post("/api/v1/imports", content=body)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
        assert says in r.json()["detail"] and "/tmp" not in r.json()["detail"], r.text
    too_large = await admin.post("/api/v1/imports", content=b"\0" * (UPLOAD_MAX_BYTES + 1))
    assert (too_large.status_code, too_large.json()["code"]) == (413, "too_large"), too_large.text
    assert _dump(redis_url) == before

    # the same file untouched goes in: the refusals were about the upload, not the file
    accepted = await admin.post("/api/v1/imports", content=good)
    assert accepted.status_code == 200, accepted.text
    assert [s["site"] for s in accepted.json()["sites"]] == ["city-hall"]


def test_an_archive_that_unpacks_too_large_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", b"{}")
        zf.writestr("city-hall/tickets.jsonl", b"\n" * 10_000)
    with pytest.raises(ArchiveInvalid, match="unpacks to 10002 bytes; at most 4096"):
        ArchiveReader(path, max_expanded=4096, name="upload.zip")
