"""Export and import (DESIGN §10, contract §12(6), §12(8)) between two installations, each on its own Redis.

Installation 1 drives a day through the API (walk-ins, guide tickets, a reservation checked in, a transfer, a
recall, a no-show, a cancellation, every outcome, tallies, an incident), closes it and exports it; installation 2
imports it: its 日報 of that day equals installation 1's, a re-run changes nothing, a changed or foreign file and
a date archived with other content are refused without writing anything, and the files open in a spreadsheet
(CSV with BOM) without a visitor token or personal data unless asked for.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import subprocess
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import redis as redis_sync

from server.config import Config
from server.embedded import EmbeddedRedis
from server.handover.exporter import Exporter, ExportRequest
from server.handover.importer import ImportRefused, import_archive
from server.handover.package import ArchiveInvalid
from server.queue.errors import UnknownSite
from server.queue.keys import SiteKeys, resv_code_key
from server.queue.store import Store
from tests.conftest import WEEKDAY_MORNING, LiveServer
from tests.integration.serving import MADOGUCHI, ROOT, cli_env
from tests.integration.test_reports import _issue, _ok, _simulated_day

SITE = "city-hall"
DAY = "2026-11-24"
NEXT_MORNING = datetime.fromisoformat("2026-11-25T09:00:00+09:00")
DAILY = "/api/v1/reports/daily"
NAME, PHONE = "フクツ タロウ", "090-1234-5678"  # the reservation _simulated_day books


async def _closed_day(server: LiveServer) -> dict[str, Any]:
    """The simulated day of the report tests at City Hall, closed (archived); the clock then on the next day."""
    day = await _simulated_day(server)
    await _ok(await day["admin"].post(f"/api/v1/sites/{SITE}/day-close"))
    server.clock.advance(timedelta(days=1))
    day["admin"] = await server.login("admin")  # sessions end with the day
    return day


async def _daily(client: httpx.AsyncClient) -> dict[str, Any]:
    report: dict[str, Any] = await _ok(await client.get(DAILY, params={"site": SITE, "date": DAY}))
    report.pop("generated_at")
    return report


async def _export(
    server: LiveServer, output: Path, *, personal: bool = False, first: str = DAY, last: str = DAY
) -> Path:
    request = ExportRequest(
        sites=[SITE], first=date.fromisoformat(first), last=date.fromisoformat(last), output=output,
        personal_data=personal, by="cli:test",
    )  # fmt: skip
    await server.call(Exporter(server.runtime.store, server.runtime.accounts).export(request))
    return output


async def _import(server: LiveServer, path: Path, *, dry_run: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = await server.call(
        import_archive(server.runtime.store, path, by="cli:test", dry_run=dry_run)
    )
    return result


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**cli_env(), "MADOGUCHI_REDIS_URL": url}
    return subprocess.run([*MADOGUCHI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _dump(url: str) -> dict[str, Any]:
    """Every key of a store with its value (streams by length): to see that nothing was written. Without the
    automatic day close's marks: it sets them by itself, at start and every minute."""
    client = redis_sync.Redis.from_url(url, decode_responses=True)
    out: dict[str, Any] = {}
    for key in sorted(k for k in client.scan_iter() if not k.endswith(":closer-mark")):
        kind = client.type(key)
        out[key] = {
            "string": lambda k: client.get(k),
            "hash": lambda k: client.hgetall(k),
            "list": lambda k: client.lrange(k, 0, -1),
            "set": lambda k: sorted(client.smembers(k)),
            "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
            "stream": lambda k: client.xlen(k),
        }[kind](key)
    client.close()
    return out


@pytest.fixture
def installation(
    create_server: Callable[..., LiveServer], create_redis: Callable[[], EmbeddedRedis]
) -> Callable[..., tuple[LiveServer, str]]:
    """Another installation: a server on a Redis of its own (and that Redis's URL)."""

    def make(at: datetime = NEXT_MORNING) -> tuple[LiveServer, str]:
        url = create_redis().url
        return create_server(url=url, at=at), url

    return make


async def test_a_closed_day_moves_to_another_installation_and_reports_the_same(
    server: LiveServer, installation: Callable[..., tuple[LiveServer, str]], redis_url: str, tmp_path: Path
) -> None:
    day = await _closed_day(server)
    source_report = await _daily(day["admin"])
    source_history = await _ok(await day["admin"].get(f"/api/v1/sites/{SITE}/tickets", params={"date": DAY}))
    second, target_url = installation()
    output = tmp_path / "handover.zip"

    exported = _cli(redis_url, "export", "--site", SITE, "--from", "2026-11-01", "--to", "2026-11-30",
                    "--output", str(output), "--json")  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    summary = json.loads(exported.stdout)
    assert summary["days"] == {SITE: [DAY]} and summary["personal_data"] is False
    assert summary["rows"][f"{SITE}/tickets.jsonl"] == 8 and summary["rows"][f"{SITE}/reservations.jsonl"] == 1
    assert summary["rows"][f"{SITE}/incidents.jsonl"] == 1 and summary["rows"][f"{SITE}/tallies.jsonl"] == 2

    admin2 = await second.login("admin")
    seq_before = (await _ok(await admin2.get(f"/api/v1/sites/{SITE}/state")))["seq"]
    dry = _cli(target_url, "import", str(output), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["sites"][0]["days_imported"] == [DAY]
    assert (await admin2.get(DAILY, params={"site": SITE, "date": DAY})).json()["totals"]["issued"] == 0

    imported = _cli(target_url, "import", str(output), "--json")
    assert imported.returncode == 0, imported.stderr
    [result] = json.loads(imported.stdout)["sites"]
    assert result["days_imported"] == [DAY] and len(result["incidents_imported"]) == 1
    assert result["audit_entries"] > 0

    assert await _daily(admin2) == source_report
    history = await _ok(await admin2.get(f"/api/v1/sites/{SITE}/tickets", params={"date": DAY}))
    assert history == source_history
    # live state untouched: no event, and the imported reservation is no booking here
    state = await _ok(await admin2.get(f"/api/v1/sites/{SITE}/state"))
    assert state["seq"] == seq_before and state["business_date"] == "2026-11-25"
    target = redis_sync.Redis.from_url(target_url, decode_responses=True)
    [code] = [r["reservation"] for r in source_history if r["reservation"]]
    assert target.exists(resv_code_key(code), SiteKeys(SITE).resv(code)) == 0
    audit_day = SiteKeys(SITE).audit(DAY)
    entries = target.llen(audit_day)

    again = _cli(target_url, "import", str(output), "--json")
    assert again.returncode == 0, again.stderr
    [rerun] = json.loads(again.stdout)["sites"]
    assert (rerun["days_imported"], rerun["days_same"], rerun["incidents_imported"]) == ([], [DAY], [])
    assert rerun["audit_entries"] == 0 and target.llen(audit_day) == entries
    assert await _daily(admin2) == source_report

    # every import was audited as the person who ran it
    logged = [json.loads(e) for key in target.keys("mdg:*audit:*") for e in target.lrange(key, 0, -1)]
    imports = [e for e in logged if e["action"] == "handover.import"]
    assert len(imports) == 2 and {e["login"] for e in imports} == {f"cli:{getpass.getuser()}"}
    written = next(e for e in logged if e["action"] == "archive.import")
    assert written["detail"].startswith(f"{DAY}: imported (8 tickets")
    target.close()


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel in Japan"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def test_the_files_open_in_a_spreadsheet_without_token_or_personal_data(
    server: LiveServer, tmp_path: Path
) -> None:
    day = await _closed_day(server)
    token = day["waiting"]["token"]
    await _issue(day["admin"], "pickup")  # today's live ticket: not final, so not exported
    files = _members(await _export(server, tmp_path / "plain.zip", last="2026-11-25"))
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "madoguchi-export" and manifest["personal_data"] is False
    assert {f["path"] for f in manifest["files"]} == set(files) - {"manifest.json"}
    assert manifest["sites"] == [{"id": SITE, "name": "福津市役所", "days": [DAY]}]
    assert [(s["date"], s["reason"]) for s in manifest["skipped"]] == [("2026-11-25", "not_archived")]

    tickets = _csv(files[f"{SITE}/tickets.csv"])
    assert len(tickets) == 8 and list(tickets[0])[:4] == ["拠点", "営業日", "番号札ID", "番号"]
    assert {t["状態"] for t in tickets} == {"done", "no_show", "cancelled", "unserved"}
    referred = next(t for t in tickets if t["結果"] == "referred_to_city")
    assert referred["発券日時"].startswith("2026-11-24 10:00:")  # the clock runs on: seconds vary
    assert float(referred["待ち時間（分）"]) == pytest.approx(20, abs=0.2)
    [resv] = _csv(files[f"{SITE}/reservations.csv"])
    assert resv["状態"] == "checked_in" and "氏名（カナ）" not in resv
    tallies = {(t["種別"], t["内容ID"]): t["件数"] for t in _csv(files[f"{SITE}/tallies.csv"])}
    assert tallies == {("phone", "reservation"): "2", ("guide", "hours-place"): "1"}
    assert [i["件名"] for i in _csv(files[f"{SITE}/incidents.csv"])] == ["発券機の紙詰まり"]
    audit = _csv(files[f"{SITE}/audit.csv"])
    assert {a["操作"] for a in audit} >= {"ticket.complete", "day.close", "tally.add", "reservation.book"}
    staff = {s["ログインID"]: s["氏名"] for s in _csv(files["staff.csv"])}
    assert staff[day["operator"]] == f"operator {day['operator']}"
    readme = files["README.md"].decode()
    assert readme.startswith("# madoguchi データ引き継ぎファイル") and "## Columns of each file" in readme
    assert "待ち時間（分）" in readme and "含みません" in readme
    for name, data in files.items():
        for secret in (token, NAME, PHONE, '"token"'):
            assert secret.encode() not in data, f"{secret} in {name}"

    personal = await _export(server, tmp_path / "personal.zip", personal=True)
    with_personal = _members(personal)
    [resv] = _csv(with_personal[f"{SITE}/reservations.csv"])
    assert (resv["氏名（カナ）"], resv["電話番号"], resv["個人情報削除済み"]) == (NAME, PHONE, "0")
    assert json.loads(with_personal["manifest.json"])["personal_data"] is True
    assert "**含みます**" in with_personal["README.md"].decode()
    assert all(token.encode() not in data for data in with_personal.values())
    # names and phone numbers are never loaded: the day compares equal to the source's own archive of it
    [back] = (await _import(server, personal))["sites"]
    assert (back["days_imported"], back["days_same"]) == ([], [DAY])


async def test_reservations_booked_ahead_are_listed_for_a_successor_and_not_imported(
    server: LiveServer, tmp_path: Path, installation: Callable[..., tuple[LiveServer, str]]
) -> None:
    """At contract end the next operator must honour the bookings already made: the archive lists the
    reservations still booked from today on (cancelled ones left out), with names and phones only when asked for,
    and an import leaves the other installation's bookings as they were."""
    day = await _closed_day(server)  # now 2026-11-25
    admin = day["admin"]
    ahead = {"site": SITE, "service": "pickup", "date": "2026-11-27", "start": "10:30", "name": "ツヤザキ ハナコ",
             "phone": "080-2222-3333"}  # fmt: skip
    kept = (await _ok(await admin.post("/api/v1/reservations", json=ahead), 201))["code"]
    dropped = (await _ok(await admin.post("/api/v1/reservations", json={**ahead, "start": "11:00"}), 201))["code"]
    await _ok(await admin.delete(f"/api/v1/reservations/{dropped}"))

    plain = _members(await _export(server, tmp_path / "plain.zip", last="2026-11-30"))
    [booked] = _csv(plain[f"{SITE}/bookings.csv"])
    seen = (booked["予約番号"], booked["予約日"], booked["開始"], booked["状態"])
    assert seen == (kept, "2026-11-27", "10:30", "booked")
    assert booked["業務名"] == "カード交付" and "氏名（カナ）" not in booked
    assert b"080-2222-3333" not in plain[f"{SITE}/bookings.jsonl"]
    assert "今後の予約" in plain["README.md"].decode()
    in_period = _members(await _export(server, tmp_path / "past.zip"))  # a period that ended before today
    assert _csv(in_period[f"{SITE}/bookings.csv"]) == []

    personal = await _export(server, tmp_path / "personal.zip", personal=True, last="2026-11-30")
    [booked] = _csv(_members(personal)[f"{SITE}/bookings.csv"])
    assert (booked["氏名（カナ）"], booked["電話番号"]) == ("ツヤザキ ハナコ", "080-2222-3333")

    mine = await admin.get("/api/v1/reservations", params={"site": SITE, "date": "2026-11-27"})
    assert kept in {r["code"] for r in mine.json()}
    other, _ = installation()
    result = await _import(other, personal)
    assert [s["days_imported"] for s in result["sites"]] == [[DAY]]
    listed = await (await other.login("admin")).get("/api/v1/reservations", params={"site": SITE, "date": "2026-11-27"})
    assert listed.status_code == 200 and listed.json() == [], "no booking made in the other installation"


def _rewrite(source: Path, target: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, change(name, zin.read(name)))
    return target


async def test_a_changed_damaged_or_foreign_file_is_refused(
    server: LiveServer, installation: Callable[..., tuple[LiveServer, str]], tmp_path: Path
) -> None:
    await _closed_day(server)
    good = await _export(server, tmp_path / "good.zip")
    second, target_url = installation()
    before = _dump(target_url)

    def served_by_someone_else(name: str, data: bytes) -> bytes:
        return data.replace(b'"operator":"', b'"operator":"x', 1) if name.endswith("tickets.jsonl") else data

    tampered = _rewrite(good, tmp_path / "tampered.zip", served_by_someone_else)
    refused = _cli(target_url, "import", str(tampered))
    assert refused.returncode == 1 and "archive_invalid" in refused.stderr
    assert f"{SITE}/tickets.jsonl does not match its SHA-256" in refused.stderr

    def newer(name: str, data: bytes) -> bytes:
        return data.replace(b'"format_version": 1', b'"format_version": 2') if name == "manifest.json" else data

    for path, says in [
        (_rewrite(good, tmp_path / "v2.zip", newer), "format version 2"),
        (_rewrite(good, tmp_path / "nomanifest.zip", lambda n, d: d if n != "manifest.json" else b"{}"), "not a madoguchi export"),
        (tmp_path / "plain.csv", "not a zip archive"),
        (tmp_path / "missing.zip", "no such file"),
    ]:  # fmt: skip
        if path.suffix == ".csv":
            path.write_text("番号,状態\nA001,done\n", encoding="utf-8")
        with pytest.raises(ArchiveInvalid, match=says):
            await _import(second, path)
    assert _dump(target_url) == before


async def test_a_date_archived_with_other_content_is_refused_and_nothing_is_written(
    server: LiveServer, installation: Callable[..., tuple[LiveServer, str]], tmp_path: Path
) -> None:
    await _closed_day(server)
    archive = await _export(server, tmp_path / "handover.zip", first="2026-11-01")
    # installation 2 ran City Hall on the same day itself: one ticket, closed
    second, target_url = installation(WEEKDAY_MORNING)
    admin2 = await second.login("admin")
    await _issue(admin2, "pickup")
    await _ok(await admin2.post(f"/api/v1/sites/{SITE}/day-close"))
    second.clock.advance(timedelta(days=1))
    admin2 = await second.login("admin")
    own = await _daily(admin2)
    before = _dump(target_url)

    with pytest.raises(ImportRefused, match=f"{SITE} {DAY}: archived here already with other content") as refused:
        await _import(second, archive)
    assert refused.value.detail.startswith("nothing was imported")
    assert _dump(target_url) == before
    assert await _daily(admin2) == own

    # the date is still today for an installation whose clock is behind: never closed by an import
    behind, _ = installation(WEEKDAY_MORNING)
    with pytest.raises(ImportRefused, match=f"{SITE} {DAY}: is today or later in this installation"):
        await _import(behind, archive)


async def test_an_incident_changed_since_the_last_import_is_refused(
    server: LiveServer, installation: Callable[..., tuple[LiveServer, str]], tmp_path: Path
) -> None:
    day = await _closed_day(server)
    second, _ = installation()
    await _import(second, await _export(server, tmp_path / "first.zip"))
    [incident] = await _ok(await day["admin"].get("/api/v1/incidents", params={"site": SITE}))
    await _ok(await day["admin"].patch(f"/api/v1/incidents/{incident['id']}", json={"status": "reported"}))
    later = await _export(server, tmp_path / "later.zip")
    with pytest.raises(ImportRefused, match=f"incident report {incident['id']}: recorded here already with other"):
        await _import(second, later)
    # a report recorded in installation 2 afterwards gets the next number, never the imported one
    admin2 = await second.login("admin")
    body = {"site": SITE, "category": "other", "title": "別件", "occurred_at": "2026-11-25T08:30:00+09:00",
            "description": "表示が消えた。", "actions": "", "follow_up": ""}  # fmt: skip
    mine = await _ok(await admin2.post("/api/v1/incidents", json=body), 201)
    assert mine["id"] != incident["id"] and mine["id"].startswith(f"{SITE}.2026-")


async def test_a_site_this_installation_does_not_have_is_refused(
    server: LiveServer, config: Config, tmp_path: Path
) -> None:
    await _closed_day(server)
    archive = await _export(server, tmp_path / "handover.zip")
    without = msgspec.structs.replace(config, sites=tuple(s for s in config.sites if s.id != SITE))
    store = Store(server.runtime.store.redis, without, server.clock)
    with pytest.raises(UnknownSite, match="city-hall"):
        await server.call(import_archive(store, archive, by="cli:test", dry_run=False))
