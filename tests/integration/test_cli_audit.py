"""Every change made from the command line is in the audit log as ``cli:<os user>`` (DESIGN §10), read through
``GET /api/v1/audit`` like a change made in a browser: staff add, passwd, disable and enable, device add and revoke,
day close, reservations purge and print-test. Reading (``report``, the lists) is not audited, as reading a report
in the browser is not; a refused command writes nothing.

The commands run as subprocesses exactly as the README shows them, against the store of a live server
(``MADOGUCHI_REDIS_URL``). They keep the real time, the server here an earlier date (so a reservation of that date
is past its retention for ``reservations purge``): their entries are on today's real date.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.conftest import LiveServer
from tests.integration.serving import MADOGUCHI, cli_env

ACTOR = f"cli:{getpass.getuser()}"
TOKYO = ZoneInfo("Asia/Tokyo")


def _today() -> str:
    return datetime.now(TOKYO).date().isoformat()


async def _cli(redis_url: str | None, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = cli_env() | ({"MADOGUCHI_REDIS_URL": redis_url} if redis_url else {})
    return await asyncio.to_thread(
        subprocess.run, [*MADOGUCHI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


async def _ok(redis_url: str, *args: str, stdin: str | None = None) -> str:
    done = await _cli(redis_url, *args, stdin=stdin)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout


def _row(entry: dict[str, Any]) -> tuple[str, str | None, tuple[str, ...]]:
    return entry["action"], entry.get("site"), tuple(entry.get("sites") or ())


async def test_every_change_from_the_command_line_is_audited_as_its_os_user(
    create_server: Callable[..., LiveServer], redis_url: str, tmp_path: Path
) -> None:
    server = create_server(at=datetime.fromisoformat("2025-06-02T09:00:00+09:00"))
    admin = await server.login("admin")
    booking = {"site": "city-hall", "service": "pickup", "date": "2025-06-03", "start": "10:00",
               "name": "フクツ タロウ", "phone": "090-1234-5678"}  # fmt: skip
    assert (await admin.post("/api/v1/reservations", json=booking)).status_code == 201
    first_day = _today()

    add = ("staff", "add", "--login", "tz-op", "--name", "津屋崎 太郎", "--role", "operator", "--site", "tsuyazaki")
    refused = await _cli(redis_url, *add, "--password-stdin", stdin="short\n")
    assert refused.returncode == 1 and "validation_error" in refused.stderr
    await _ok(redis_url, *add, "--password-stdin", stdin="a-long-first-secret\n")
    await _ok(redis_url, "staff", "add", "--login", "everywhere", "--name", "全拠点", "--role", "guide",
              "--password-stdin", stdin="a-long-first-secret\n")  # fmt: skip
    await _ok(redis_url, "staff", "passwd", "--login", "tz-op", "--password-stdin", stdin="a-long-second-secret\n")
    await _ok(redis_url, "staff", "disable", "--login", "tz-op")
    await _ok(redis_url, "staff", "enable", "--login", "tz-op")
    device = json.loads(await _ok(redis_url, "device", "add", "--site", "tsuyazaki", "--kind", "kiosk",
                                  "--name", "1F 発券機", "--json"))  # fmt: skip
    await _ok(redis_url, "device", "revoke", device["id"])
    closed = json.loads(await _ok(redis_url, "day", "close", "--site", "city-hall", "--json"))
    assert closed[0]["site"] == "city-hall"
    assert json.loads(await _ok(redis_url, "reservations", "purge", "--json")) == {"purged": 1}
    printer = f"preview://{tmp_path / 'preview'}"
    assert "status ok" in await _ok(redis_url, "print-test", "--printer", printer)
    report = await _cli(redis_url, "report", "daily", "--site", "city-hall", "--date", _today(), "--format", "csv")
    assert report.returncode == 0, report.stderr

    period = {"from": first_day, "to": _today()}
    r = await admin.get("/api/v1/audit", params={**period, "actor": ACTOR})
    assert r.status_code == 200, r.text
    mine = r.json()
    assert {e["login"] for e in mine} == {ACTOR} and {e["role"] for e in mine} == {""}
    assert sorted(map(_row, mine)) == sorted([
        ("staff.add", None, ("tsuyazaki",)),
        ("staff.add", None, ()),
        ("staff.password", None, ("tsuyazaki",)),
        ("staff.disable", None, ("tsuyazaki",)),
        ("staff.enable", None, ("tsuyazaki",)),
        ("device.add", "tsuyazaki", ()),
        ("device.revoke", "tsuyazaki", ()),
        ("day.close", "city-hall", ()),
        ("reservation.purge", "city-hall", ()),
        ("printer.test", None, ()),
    ])  # fmt: skip
    details = {e["action"]: e["detail"] for e in mine if e["action"] != "staff.add"}
    assert details["device.add"] == f"{device['id']} 1F 発券機" and details["device.revoke"] == device["id"]
    assert details["printer.test"] == f"{printer}: ok" and details["staff.password"] == "tz-op"
    assert details["day.close"].startswith(f"{closed[0]['business_date']}: ")
    assert "reservation.purge" in {e["action"] for e in (await admin.get("/api/v1/audit", params=period)).json()}

    # a manager of Tsuyazaki reads the changes to Tsuyazaki's accounts and devices made from the command line
    local = await server.login("manager", ("tsuyazaki",))
    r = await local.get("/api/v1/audit", params={**period, "actor": ACTOR})
    assert [e["action"] for e in r.json()] == [
        "staff.add", "staff.password", "staff.disable", "staff.enable", "device.add", "device.revoke",
    ]  # fmt: skip


async def test_print_test_without_a_store_prints_and_says_it_is_not_audited(tmp_path: Path) -> None:
    """A kiosk PC trying its own printer may have no store at hand: the test page still comes out."""
    folder = tmp_path / "preview"
    done = await _cli(None, "print-test", "--printer", f"preview://{folder}", "--data-dir", str(tmp_path / "var"))
    assert done.returncode == 0 and "status ok" in done.stdout, done.stderr
    assert "not in the audit log" in done.stderr
    assert [p.suffix for p in folder.iterdir()] == [".png"]
