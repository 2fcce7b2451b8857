"""Reports over a fiscal year of data: the annual report in every format (target ≤ 2 s), the monthly (≤ 300 ms).

    .venv/bin/python bench/report_year.py                  # FY2026, City Hall and Tsuyazaki, 300 tickets a day
    .venv/bin/python bench/report_year.py --tickets 150 --repeat 5

Fast path, documented: instead of driving ~160,000 tickets through the issue/call/complete scripts (hours), the
bench writes every open date of the fiscal year (weekdays at both offices, City Hall's Sunday openings at half
the tickets, each outreach event day at 60) straight into the day archive in the form ``lua/day_close.lua``
writes: ``SiteKeys.archive_tickets(day)`` a list of ticket JSON objects (the ticket hash as the scripts keep
it, without its token), ``archive_reservations(day)``, the meta hash ``archive_meta(day)`` and the date in
``archived_days``; tallies go into ``SiteKeys.tallies(day)`` / ``tally_days`` as the tally script writes them.
Tickets get plausible times (issued 8:30-16:30, waits and service times drawn at random, a few no-shows,
cancellations, transfers and recalls), so every statistic has work to do.

Then, on a private store (its own Valkey/Redis process on a free loopback port, AOF as the product runs it),
the report code runs as the API runs it (``server.reports.source.make_report`` on the real ``Store``, then the
format's encoder): each report and format ``--repeat`` times, the median and the worst printed, and the peak RSS
of this process while the case ran (reset before each case: the reports read a month of dates at a time). The
``cpu`` column is this process's CPU time and ``store`` the store process's: the figures to read when other work
shares the machine and wall times wander; ``other`` is how many cores other work kept busy meanwhile (the run
first waits up to ``--quiet-wait`` s for the machine to be quiet, as the other benches do).

    .venv/bin/python bench/report_year.py --only annual/all    # one case (kind/site), every format
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import cpu_seconds, machine_busy_seconds, machine_line, peak_rss_mib, settle
from _common import rss_mib as rss_mib_of

from server.auth.accounts import Accounts
from server.calendar import fiscal_year_bounds, resolve_opening
from server.clock import Clock
from server.config import Config, load_config
from server.embedded import EmbeddedRedis
from server.office.store import OfficeStore
from server.queue.archive import day_score
from server.queue.keys import SiteKeys
from server.queue.store import Store
from server.reports.formats import encode_report
from server.reports.periods import Period
from server.reports.source import make_report
from server.runtime import redis_client

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("json", "csv", "xlsx", "html")
STATUSES = ["done"] * 90 + ["no_show"] * 4 + ["cancelled"] * 3 + ["unserved"] * 3
OUTCOMES = (
    ["completed"] * 80 + ["missing_documents"] * 8 + ["referred_to_city"] * 4 + ["guidance_only"] * 5 + ["other"] * 3
)
CHANNELS = ["walk_in"] * 6 + ["guide"] * 3 + ["reservation"] * 2
_json = msgspec.json.Encoder()


def _day_tickets(rnd: random.Random, config: Config, site: str, day: dt.date, n: int, tz: ZoneInfo) -> list[bytes]:
    opening = resolve_opening(config, site, day)
    services = opening.services
    counters = [c for c in opening.counters] or ["desk"]
    midnight = int(dt.datetime.combine(day, dt.time(), tz).timestamp() * 1000)
    opens = opening.opens_at.hour * 60 + opening.opens_at.minute if opening.opens_at else 510
    last = opening.last_ticket_at.hour * 60 + opening.last_ticket_at.minute if opening.last_ticket_at else 990
    out = []
    for i in range(n):
        issued = midnight + rnd.randint(opens, last) * 60_000 + rnd.randint(0, 59_999)
        status = rnd.choice(STATUSES)
        service = rnd.choice(services)
        counter = rnd.choice(counters)
        t: dict[str, str] = {
            "id": f"{site}.{day:%Y%m%d}{i:04d}", "number": f"X{i + 1:03d}", "service": service,
            "channel": rnd.choice(CHANNELS), "priority": "1" if rnd.random() < 0.04 else "0", "lang": "ja",
            "status": status, "issued_at": str(issued), "business_date": day.isoformat(), "klass": "walk",
            "order": str(i + 1), "slot_at": "", "recall_count": "1" if rnd.random() < 0.08 else "0",
            "transfers": "[]", "counter": "", "counter_label": "", "operator": "", "reservation": "",
        }  # fmt: skip
        if status != "cancelled" and status != "unserved":
            called = issued + int(rnd.expovariate(1 / 14) * 60_000)
            t.update(called_at=str(called), first_called_at=str(called), counter=counter,
                     operator=f"op-{counters.index(counter) + 1}")  # fmt: skip
            if status == "done":
                serving = called + 60_000
                t.update(serving_at=str(serving), finished_at=str(serving + int(rnd.gauss(11, 4) * 60_000) + 60_000),
                         outcome=rnd.choice(OUTCOMES))  # fmt: skip
                if rnd.random() < 0.02 and len(services) > 1:
                    t["transfers"] = _json.encode(
                        [{"from": services[0], "to": service, "at": day.isoformat()}]
                    ).decode()
        out.append(_json.encode(t))
    return out


async def generate(url: str, config: Config, year: int, per_day: int) -> dict[str, int]:
    """Write the fiscal year into the archive; returns {site: tickets written}."""
    redis = redis_client(url)
    rnd = random.Random(2026)
    tz = ZoneInfo(config.timezone)
    first, last = fiscal_year_bounds(year)
    written: dict[str, int] = {}
    day = first
    while day <= last:
        for site in config.sites:
            opening = resolve_opening(config, site.id, day)
            if not opening.is_open:
                continue
            n = {"weekday": per_day, "sunday": per_day // 2}.get(opening.kind, 60)
            keys = SiteKeys(site.id)
            tickets = _day_tickets(rnd, config, site.id, day, n, tz)
            resv = [_json.encode({"code": f"R{i:03d}", "site": site.id, "service": opening.services[0],
                                  "date": day.isoformat(), "start": "10:00", "end": "10:30",
                                  "status": rnd.choice(["checked_in"] * 8 + ["no_show", "cancelled"])})
                    for i in range(per_day // 15)]  # fmt: skip
            text = day.isoformat()
            pipe = redis.pipeline(transaction=False)
            pipe.rpush(keys.archive_tickets(text), *tickets)
            if resv:
                pipe.rpush(keys.archive_reservations(text), *resv)
            pipe.hset(keys.archive_meta(text), mapping={"archived_at": f"{text}T17:30:00+09:00",
                      "tickets": len(tickets), "reservations": len(resv), "by": "bench"})  # fmt: skip
            pipe.zadd(keys.archived_days, {text: day_score(day)})
            pipe.hset(keys.tallies(text), mapping={"phone:reservation": rnd.randint(0, 20), "phone:other": 3,
                                                   "guide:hours-place": rnd.randint(0, 9)})  # fmt: skip
            pipe.zadd(keys.tally_days, {text: day_score(day)})
            await pipe.execute()
            written[site.id] = written.get(site.id, 0) + len(tickets)
        day += dt.timedelta(days=1)
    await redis.aclose()
    return written


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Set this process's peak RSS (VmHWM) back to its current RSS (Linux ``clear_refs``), so the next reading is
    the peak of what ran since. Without it the peak says nothing about reports: it is set before the first one,
    by the argon2 hash ``Accounts`` makes when it starts (m = 64 MiB)."""
    Path("/proc/self/clear_refs").write_text("5")


class Row(NamedTuple):
    kind: str
    site: str
    fmt: str
    median: float
    worst: float
    cpu: float
    store_cpu: float
    other: float
    """Cores busy with other work on the machine while the case ran (not this process, not its store)."""
    peak: float
    """Peak RSS of this process while the case ran (MiB)."""
    size: int


async def time_reports(
    url: str, store_pid: int, config: Config, year: int, repeat: int, only: str | None
) -> tuple[float, list[Row]]:
    redis = redis_client(url)
    clock = Clock(config.timezone, dt.datetime(year + 1, 5, 1, 10, 0, tzinfo=ZoneInfo(config.timezone)))
    store = Store(redis, config, clock)
    office, accounts = OfficeStore(store), Accounts(redis)
    names = {s.id: s.name for s in config.sites}
    every = [s.id for s in config.sites]
    cases = [
        ("annual", "city-hall", Period.annual(year)),
        ("annual", "all", Period.annual(year)),
        ("monthly", "city-hall", Period.monthly(year, 11)),
        ("monthly", "all", Period.monthly(year, 11)),
    ]
    rows = []
    await make_report(store, office, accounts, Period.daily(dt.date(year, 4, 1)), every)  # connections, scripts
    baseline = rss_mib_of(os.getpid())
    for kind, site, period in cases:
        if only and only not in f"{kind}/{site}":
            continue
        sites = every if site == "all" else [site]
        for fmt in FORMATS:
            times, cpu, store_cpu, other = [], [], [], []
            size = 0
            reset_peak_rss()
            for _ in range(repeat):
                start, start_cpu, start_store = time.perf_counter(), time.process_time(), cpu_seconds(store_pid)
                start_machine = machine_busy_seconds()
                report = await make_report(store, office, accounts, period, sites)
                size = len(encode_report(report, fmt, names))
                wall = time.perf_counter() - start
                times.append(wall)
                cpu.append(time.process_time() - start_cpu)
                store_cpu.append(cpu_seconds(store_pid) - start_store)
                busy = machine_busy_seconds() - start_machine
                other.append(max(busy - cpu[-1] - store_cpu[-1], 0.0) / wall)
            rows.append(
                Row(kind, site, fmt, statistics.median(times), max(times), statistics.median(cpu),
                    statistics.median(store_cpu), statistics.median(other), peak_rss_mib(os.getpid()), size)
            )  # fmt: skip
    await redis.aclose()
    return baseline, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fiscal-year", type=int, default=2026)
    parser.add_argument("--tickets", type=int, default=300, help="tickets per weekday at each office")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="only the cases whose 'kind/site' contains this, e.g. annual/all")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="before timing, wait up to this many seconds for other work on the machine to stop (0: do not)",
    )
    args = parser.parse_args()
    config = load_config(ROOT / "config" / "fukutsu.toml")
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedRedis(Path(tmp))
        store.start()
        try:
            assert store.proc is not None
            started = time.perf_counter()
            written = asyncio.run(generate(store.url, config, args.fiscal_year, args.tickets))
            print(machine_line())
            print(f"generated FY{args.fiscal_year}: {written} tickets in {time.perf_counter() - started:.1f} s "
                  f"(fast path); peak RSS so far {rss_mib():.0f} MiB")  # fmt: skip
            settle(args.quiet_wait)
            print(f"timing at load average {Path('/proc/loadavg').read_text().split()[0]}", flush=True)
            baseline, rows = asyncio.run(
                time_reports(store.url, store.proc.pid, config, args.fiscal_year, args.repeat, args.only)
            )
        finally:
            store.stop()
    print(f"{'report':8} {'site':10} {'format':6} {'median':>9} {'worst':>9} {'cpu':>9} {'store':>8} "
          f"{'other':>6} {'peak':>8} {'bytes':>8}")  # fmt: skip
    for r in rows:
        print(f"{r.kind:8} {r.site:10} {r.fmt:6} {r.median * 1000:7.0f}ms {r.worst * 1000:7.0f}ms "
              f"{r.cpu * 1000:7.0f}ms {r.store_cpu * 1000:6.0f}ms {r.other:6.2f} {r.peak:4.0f} MiB {r.size:8d}")  # fmt: skip
    print("cpu: this process's CPU time; store: the store process's; other: cores busy with other work meanwhile;")
    print(f"peak: this process's peak RSS while the case ran (RSS before the first case: {baseline:.0f} MiB)")


if __name__ == "__main__":
    main()
