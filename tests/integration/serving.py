"""`madoguchi` run as a subprocess exactly as the README does, for the CLI and embedded-store tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

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


def start_serve(cwd: Path, *args: str) -> Served:
    """`madoguchi serve --port <free port> ARGS` in ``cwd``; returns once uvicorn listens."""
    port = free_port()
    proc = subprocess.Popen(
        [*MADOGUCHI, "serve", "--port", str(port), *args],
        cwd=cwd, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    served = Served(proc, port)
    assert served.ready.wait(60), "".join(served.output)
    assert proc.poll() is None, "".join(served.output)
    return served
