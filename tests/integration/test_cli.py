"""The command line as a new user meets it: `madoguchi serve` on its embedded store, config check, day close."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.cli.serve import public_url_warning
from server.embedded import free_port
from server.settings import Settings
from tests.integration.serving import MADOGUCHI, ROOT, WEEKDAY_MORNING, Served, start_serve
from tests.integration.serving import cli_env as _env


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Served]:
    served = start_serve(tmp_path, "--demo", "--data-dir", str(tmp_path / "var"), "--clock", WEEKDAY_MORNING)
    yield served
    served.proc.send_signal(signal.SIGINT)
    served.proc.wait(timeout=30)


def test_serve_runs_on_its_embedded_store(serve: Served, tmp_path: Path) -> None:
    assert serve.proc.poll() is None, "".join(serve.output)
    out = "".join(serve.output)
    assert f"{serve.url}/api/v1/sites" in out and "TRAINING MODE" in out and "DEMO accounts" in out
    # --demo: a friendly note, not an alarm, that phones cannot open the tickets' QR codes
    assert serve.line_with("MADOGUCHI_PUBLIC_URL").startswith(
        f"note: MADOGUCHI_PUBLIC_URL is not set: the QR codes on tickets point to {serve.url}/t/"
    )
    for page in ("/guide/city-hall", "/console", "/phone"):
        assert f"{serve.url}{page}" in out, f"--demo says how to open {page}"
    with httpx.Client(base_url=serve.url, timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").status_code == 200
        assert {s["id"] for s in http.get("/api/v1/sites").json()} >= {"city-hall", "tsuyazaki"}
        # nothing without credentials; the demo's printed credentials work
        assert http.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"}).status_code == 401
        password = re.search(r"demo-guide\s+(\S+)", out)
        assert password is not None
        login = http.post("/api/v1/auth/login", json={"login": "demo-guide", "password": password.group(1)})
        assert login.status_code == 200 and login.json()["role"] == "guide"
        r = http.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"},
                      headers={"x-csrf-token": login.json()["csrf"]})  # fmt: skip
        assert r.status_code == 201 and r.json()["number"] == "P001"
    # a kiosk PC pairs with its printed link and issues with its device cookie
    link = re.search(r"kiosk\s+city-hall\s+(http\S+)", out)
    assert link is not None
    with httpx.Client(timeout=10) as kiosk:
        paired = kiosk.get(link.group(1))
        assert paired.status_code == 200 and paired.json()["page"] == "/kiosk/city-hall"
        assert kiosk.get(link.group(1)).status_code == 404  # a pairing link works once
        csrf = kiosk.cookies["madoguchi_csrf"]
        no_csrf = kiosk.post(f"{serve.url}/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
        assert no_csrf.status_code == 403
        r = kiosk.post(f"{serve.url}/api/v1/sites/city-hall/tickets", json={"service": "pickup"},
                       headers={"x-csrf-token": csrf})  # fmt: skip
        assert r.status_code == 201 and r.json()["number"] == "P002" and r.json()["channel"] == "walk_in"
    with httpx.Client(base_url=serve.url, timeout=10) as http:
        assert "madoguchi_ready 1" in http.get("/metrics").text
        assert http.get("/schema/openapi.json").json()["info"]["title"] == "madoguchi"
        assert "/api/v1/sites/{site}/tickets" in http.get("/schema").json()["paths"]
        # uvicorn takes no forwarded header for the client's address: the app decides whom to trust
        assert http.get("/healthz?via=proxy", headers={"x-forwarded-for": "203.0.113.9"}).status_code == 200
    assert "127.0.0.1:" in serve.line_with("/healthz?via=proxy")
    state = json.loads((tmp_path / "var" / "redis.json").read_text())
    assert re.fullmatch(r"redis://:[0-9a-f]{48}@127\.0\.0\.1:\d+/0", state["url"]), "with its password"
    assert (tmp_path / "var" / "redis" / "appendonlydir").is_dir()

    # another command finds the running embedded store through the data dir
    closed = subprocess.run(
        [*MADOGUCHI, "day", "close", "--site", "city-hall", "--date", "2026-11-24", "--json",
         "--data-dir", str(tmp_path / "var")],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert closed.returncode == 0, closed.stderr
    assert json.loads(closed.stdout) == [
        {"site": "city-hall", "business_date": "2026-11-24", "was_open": True, "unserved": 2}
    ]


def test_serve_stops_its_store_on_exit(tmp_path: Path) -> None:
    proc = start_serve(tmp_path, "--data-dir", str(tmp_path / "var")).proc
    pid = json.loads((tmp_path / "var" / "redis.json").read_text())["pid"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert not (tmp_path / "var" / "redis.json").exists()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_config_check_reports_every_error_with_its_path(tmp_path: Path) -> None:
    good = subprocess.run([*MADOGUCHI, "config", "check", str(ROOT / "config" / "fukutsu.toml")],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert good.returncode == 0 and "OK" in good.stdout
    text = (ROOT / "config" / "fukutsu.toml").read_text(encoding="utf-8")
    broken = text.replace('prefix = "P"', 'prefix = "A"', 1).replace('opens_at = "08:30"', 'opens_at = "8h30"', 1)
    broken += '\n[[closures]]\ndate = "2026-13-40"\n'
    bad = tmp_path / "bad.toml"
    bad.write_text(broken, encoding="utf-8")
    result = subprocess.run([*MADOGUCHI, "config", "check", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    err = result.stderr
    assert "prefix" in err and "hours.opens_at" in err and "closures" in err, err
    assert err.count("\n  ") >= 3


def test_serve_refuses_a_broken_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nservices = 3\n', encoding="utf-8")
    r = subprocess.run([*MADOGUCHI, "serve", "--config", str(bad), "--data-dir", str(tmp_path / "var")],
                       capture_output=True, text=True, timeout=60, env=_env())  # fmt: skip
    assert r.returncode == 2 and "services" in r.stderr


@pytest.fixture
def plain_serve(tmp_path: Path) -> Iterator[Served]:
    """`madoguchi serve` as the README's first command starts it: no --demo, the default data dir (./var)."""
    served = start_serve(tmp_path)
    yield served
    served.proc.send_signal(signal.SIGINT)
    served.proc.wait(timeout=30)


def _cli(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MADOGUCHI, *args, "--data-dir", str(tmp_path / "var")],
        cwd=tmp_path, env=_env(), input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_first_start_explains_the_first_admin_and_has_no_default_login(plain_serve: Served, tmp_path: Path) -> None:
    out = "".join(plain_serve.output)
    assert "No admin account exists yet" in out and "madoguchi staff add" in out and "/api/v1/setup" in out
    warning = [line for line in plain_serve.output if "MADOGUCHI_PUBLIC_URL" in line]
    assert len(warning) == 1 and warning[0].startswith("WARNING: MADOGUCHI_PUBLIC_URL is not set"), warning
    assert f"{plain_serve.url}/t/" in warning[0] and "no visitor's phone can open" in warning[0]
    with httpx.Client(base_url=plain_serve.url, timeout=10) as http:
        for login, password in [("admin", "admin"), ("admin", "password"), ("root", "root"), ("demo-admin", "demo")]:
            assert http.post("/api/v1/auth/login", json={"login": login, "password": password}).status_code in (
                401,
                429,
            )
        assert http.get("/api/v1/sites/city-hall/state").status_code == 401

    made = _cli(tmp_path, "staff", "add", "--login", "sato", "--name", "佐藤", "--role", "admin", "--password-stdin",
                "--json", stdin="a-long-admin-secret\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout) == {"login": "sato", "name": "佐藤", "role": "admin", "sites": [], "disabled": False}
    weak = _cli(tmp_path, "staff", "add", "--login", "ito", "--name", "伊藤", "--role", "guide", "--password-stdin",
                stdin="short\n")  # fmt: skip
    assert weak.returncode == 1 and "validation_error" in weak.stderr
    listed = json.loads(_cli(tmp_path, "staff", "list", "--json").stdout)
    assert [s["login"] for s in listed] == ["sato"]

    device = _cli(tmp_path, "device", "add", "--site", "city-hall", "--kind", "board", "--name", "ロビー", "--json")
    created = json.loads(device.stdout)
    assert set(created) >= {"id", "token", "pairing_url", "site", "kind"}
    # the link names the port this serve listens on (found through the data dir), not the default 8000
    assert created["pairing_url"].startswith(f"{plain_serve.url}/pair/"), created["pairing_url"]
    with httpx.Client(base_url=plain_serve.url, timeout=10) as http:
        board = {"authorization": f"Bearer {created['token']}"}
        assert http.get("/api/v1/sites/city-hall/state", headers=board).status_code == 200
        assert _cli(tmp_path, "device", "revoke", created["id"]).returncode == 0
        assert http.get("/api/v1/sites/city-hall/state", headers=board).status_code == 401
        login = http.post("/api/v1/auth/login", json={"login": "sato", "password": "a-long-admin-secret"})
        assert login.status_code == 200 and login.json()["role"] == "admin"
    assert _cli(tmp_path, "staff", "disable", "--login", "sato").returncode == 0
    assert json.loads(_cli(tmp_path, "staff", "list", "--json").stdout)[0]["disabled"] is True


def test_print_test_writes_a_test_page_and_reports_trouble(tmp_path: Path) -> None:
    folder = tmp_path / "preview"
    ok = subprocess.run([*MADOGUCHI, "print-test", "--printer", f"preview://{folder}?width=58"],
                        capture_output=True, text=True, timeout=60)  # fmt: skip
    assert ok.returncode == 0 and "status ok" in ok.stdout
    assert [p.suffix for p in folder.iterdir()] == [".png"]
    bad = subprocess.run(
        [*MADOGUCHI, "print-test", "--printer", "ftp://printer"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "bad printer URI" in bad.stderr
    down = subprocess.run(
        [*MADOGUCHI, "print-test", "--printer", f"tcp://127.0.0.1:{free_port()}?timeout=0.5"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert down.returncode == 1 and "not printed" in down.stderr


def test_print_agent_needs_the_kiosk_token(tmp_path: Path) -> None:
    r = subprocess.run([*MADOGUCHI, "print-agent", "--server", "http://127.0.0.1:9", "--printer", "usb://04b8:0202"],
                       capture_output=True, text=True, timeout=60, env=_env())  # fmt: skip
    assert r.returncode == 2 and "device token" in r.stderr


def test_public_url_warning_names_what_the_qr_codes_hold() -> None:
    settings = Settings()
    assert public_url_warning(settings.with_(public_url="https://madoguchi.example.jp")) is None
    lan = public_url_warning(settings.with_(host="192.168.10.5", port=8000))
    assert lan is not None and "http://192.168.10.5:8000/t/" in lan and "only devices on this network" in lan
    assert "\n" not in lan
