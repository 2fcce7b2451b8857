"""`madoguchi` run as a subprocess exactly as the README does, for the CLI and embedded-store tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from server.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]
MADOGUCHI = [sys.executable, "-m", "server.cli"]
WEEKDAY_MORNING = "2026-11-24T10:00"


def cli_env() -> dict[str, str]:
    """The caller's environment without MADOGUCHI_* settings: the commands find their store by data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Served:
    """A running `madoguchi serve`: its process, port and everything it printed so far."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.output: list[str] = []
        self.ready = threading.Event()
        self._printed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._printed:
                self.output.append(line)
                self._printed.notify_all()
            if "Uvicorn running on" in line or "Application startup complete" in line:
                self.ready.set()
        self.ready.set()

    def line_with(self, text: str, within: float = 10.0) -> str:
        """The first line printed that contains ``text``, waiting for it up to ``within`` seconds."""
        with self._printed:
            assert self._printed.wait_for(lambda: any(text in line for line in self.output), within), text
            return next(line for line in self.output if text in line)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """Pids of the worker processes of ``serve --workers N`` (its children that run a server)."""
        return children(self.proc.pid, "multiprocessing.spawn")

    def stop(self) -> None:
        end(self.proc, within=20)


def end(proc: subprocess.Popen[Any], within: float = 10) -> None:
    """End a process as an operator would (SIGTERM) and wait for it; SIGKILL when it has not ended ``within``."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(within)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def children(pid: int, command_contains: str) -> list[int]:
    """Pids of the live child processes of ``pid`` whose command line contains ``command_contains`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and command_contains in cmdline:
            found.append(int(stat.parent.name))
    return sorted(found)


def start_serve(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    """`madoguchi serve --port <free port> ARGS` in ``cwd``, with ``env`` added to ``cli_env()`` (e.g.
    MADOGUCHI_REDIS_URL); returns once uvicorn listens."""
    port = free_port()
    proc = subprocess.Popen(
        [*MADOGUCHI, "serve", "--port", str(port), *args],
        cwd=cwd, env={**cli_env(), **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    served = Served(proc, port)
    assert served.ready.wait(60), "".join(served.output)
    # with --workers the parent says where it will listen before a worker listens on the socket
    deadline = time.monotonic() + 60
    while proc.poll() is None and not _accepts(port):
        assert time.monotonic() < deadline, "".join(served.output)
        time.sleep(0.05)
    assert proc.poll() is None, "".join(served.output)
    return served


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True
