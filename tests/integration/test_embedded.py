"""The embedded store of a data dir: some `serve` on it always supervises it, it wants its password, and its
files are readable by their owner only. Real `madoguchi serve` processes, real redis-server children."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.integration.serving import MADOGUCHI, WEEKDAY_MORNING, Served, cli_env, start_serve

WITHIN = 60.0


@pytest.fixture
def serves(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start `serve --demo` processes on ``tmp_path/var``; whatever still runs at the end is stopped."""
    started: list[Served] = []

    def make(*args: str) -> Served:
        served = start_serve(tmp_path, "--demo", "--data-dir", str(tmp_path / "var"), "--clock", WEEKDAY_MORNING, *args)
        started.append(served)
        return served

    yield make
    for served in started:
        if served.proc.poll() is None:
            served.proc.send_signal(signal.SIGTERM)
            served.proc.wait(timeout=30)
    state = _state(tmp_path / "var")
    if state and _alive(state["pid"]):  # a failed test must not leave a store behind
        os.kill(state["pid"], signal.SIGKILL)


def _state(data_dir: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads((data_dir / "redis.json").read_text())
    except FileNotFoundError:
        return None
    return state


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _until(condition: Callable[[], bool], what: str, within: float = WITHIN) -> None:
    """Wait for a condition of another process (a file it writes, a process ending), bounded."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not within {within:.0f} s: {what}"
        threading.Event().wait(0.02)


def _ready(http: httpx.Client) -> None:
    """Ask /readyz until it says ready: each request waits on the server's answer."""
    deadline = time.monotonic() + WITHIN
    while http.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "the server did not become ready again by itself"


def _back(http: httpx.Client, data: Path, changed: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
    """Wait until redis.json names a store for which ``changed`` holds and the server is ready on it again."""

    def moved() -> bool:
        now = _state(data)
        return now is not None and changed(now)

    _until(moved, what)
    _ready(http)
    now = _state(data)
    assert now is not None
    return now


def _stop_last(served: Served, data: Path, state: dict[str, Any]) -> None:
    """SIGTERM to the last serve on the data dir: it ends cleanly and stops its store."""
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=30) == 0
    assert not _alive(state["pid"]), "the store ends with the last serve"
    assert _state(data) is None


@contextmanager
def _guide(served: Served) -> Iterator[httpx.Client]:
    """A client logged in with the demo guide's password this serve printed."""
    password = re.search(r"demo-guide\s+(\S+)", "".join(served.output))
    assert password is not None, "".join(served.output)
    with httpx.Client(base_url=served.url, timeout=10) as http:
        login = http.post("/api/v1/auth/login", json={"login": "demo-guide", "password": password.group(1)})
        assert login.status_code == 200, login.text
        http.headers["x-csrf-token"] = login.json()["csrf"]
        yield http


def _issue(http: httpx.Client) -> str:
    r = http.post("/api/v1/sites/city-hall/tickets", json={"service": "pickup"})
    assert r.status_code == 201, r.text
    number: str = r.json()["number"]
    return number


def test_a_serve_after_a_crash_supervises_the_store_left_running(serves: Callable[..., Served], tmp_path: Path) -> None:
    data = tmp_path / "var"
    crashed = serves()
    with _guide(crashed) as http:
        assert _issue(http) == "P001"
    left = _state(data)
    assert left is not None and left["owner"] == crashed.proc.pid
    crashed.proc.kill()
    crashed.proc.wait(timeout=30)
    assert _alive(left["pid"]), "the store outlives a serve killed with -9"

    serve = serves()
    state = _state(data)
    assert state is not None and state["owner"] == serve.proc.pid, state
    assert not _alive(left["pid"]), "the store nobody supervised any more was shut down"
    with _guide(serve) as http:
        assert _issue(http) == "P002", "the ticket of the crashed serve is kept"

        os.kill(state["pid"], signal.SIGKILL)
        restarted = _back(http, data, lambda now: now["pid"] != state["pid"], "the serve starts its store again")
        assert _issue(http) == "P003"
    _stop_last(serve, data, restarted)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_a_second_serve_shares_the_store_and_takes_it_over(
    serves: Callable[..., Served], tmp_path: Path, sig: int
) -> None:
    data = tmp_path / "var"
    first = serves()
    second = serves()
    state = _state(data)
    assert state is not None and state["owner"] == first.proc.pid, "the second serve uses the first one's store"
    with _guide(second) as http:
        assert _issue(http) == "P001"

        first.proc.send_signal(sig)
        assert first.proc.wait(timeout=30) in (0, -signal.SIGKILL)
        taken = _back(http, data, lambda now: now["owner"] == second.proc.pid, "the second serve takes the store over")
        assert not _alive(state["pid"]), "the first serve's store was stopped, by it or by the second"
        assert _issue(http) == "P002"
    _stop_last(second, data, taken)


def _modes(root: Path) -> dict[str, str]:
    """Path below ``root`` → its permission bits, for every directory and file."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def test_the_store_wants_its_password_and_the_data_dir_is_private(
    serves: Callable[..., Served], tmp_path: Path
) -> None:
    data = tmp_path / "var"
    # a data dir from before: readable by everyone
    old_preview = data / "tickets" / "city-hall" / "old.png"
    old_preview.parent.mkdir(parents=True)
    old_preview.write_bytes(b"\x89PNG")
    for path in (data, data / "tickets", old_preview.parent):
        path.chmod(0o755)
    old_preview.chmod(0o644)

    serve = serves()
    with _guide(serve) as http:
        _issue(http)
    _until(lambda: len(list(old_preview.parent.iterdir())) > 1, "the ticket's preview is written")

    state = _state(data)
    assert state is not None
    url = state["url"]
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    with redis.Redis(port=port) as anonymous, pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    with redis.Redis(port=port, password="guessed") as guessing, pytest.raises(redis.AuthenticationError):
        guessing.ping()
    with redis.Redis.from_url(url) as client:
        assert client.ping()
    password = url.split("@", 1)[0].rsplit(":", 1)[1]
    assert password not in Path(f"/proc/{state['pid']}/cmdline").read_text(), "not shown by ps"

    modes = _modes(data)
    assert {"redis.json", "server.json", "redis/server.log", "tickets/city-hall/old.png"} <= modes.keys()
    assert any(name.startswith("redis/appendonlydir/") for name in modes), modes
    loose = {
        name: mode
        for name, mode in modes.items()
        if mode != ("0o700" if (data / name).is_dir() and not (data / name).is_symlink() else "0o600")
    }
    assert not loose, f"readable or writable by others: {loose}"

    # the other commands find the store, password included, through the data dir
    listed = subprocess.run(
        [*MADOGUCHI, "staff", "list", "--json", "--data-dir", str(data)],
        cwd=tmp_path, env=cli_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert "demo-guide" in {s["login"] for s in json.loads(listed.stdout)}


def test_every_page_the_demo_lists_opens_for_the_account_it_names(serves: Callable[..., Served]) -> None:
    """The IT staff trying `serve --demo` follow its list of staff pages: each opens as an HTML page (not a login
    refusal or a 404) for the first account named beside it, with the password that serve printed."""
    served = serves()
    output = "".join(served.output)
    passwords = dict(re.findall(r"^\s+(demo-[a-z]+)\s+(\S+)\s+\(", output, re.MULTILINE))
    listed = output.split("DEMO pages for staff", 1)[1]
    pages = re.findall(rf"^\s+.+?\s+{re.escape(served.url)}(/\S*)\s+\((demo-[a-z]+)", listed, re.MULTILINE)
    paths = {path for path, _ in pages}
    assert {"/", "/admin", "/admin/floor", "/reports", "/incidents", "/console", "/phone"} <= paths, pages
    for path, login in pages:
        with httpx.Client(base_url=served.url, timeout=10) as http:
            signed_in = http.post("/api/v1/auth/login", json={"login": login, "password": passwords[login]})
            assert signed_in.status_code == 200, (login, signed_in.text)
            opened = http.get(path, headers={"accept": "text/html"})
            assert opened.status_code == 200, (path, login, opened.status_code)
            assert opened.headers["content-type"].startswith("text/html"), path
