"""Reservation booking: bookings/s and latency at concurrency C, and races for the last places of a slot.

    /tmp/venv/bin/python bench/reservation_booking.py                       # C = 1, 8, 32; races of 50
    /tmp/venv/bin/python bench/reservation_booking.py --concurrency 8 --bookings 600

A fresh server (own data dir and embedded store, clock on Tuesday 24 November 2026 10:00) and a phone-staff
account made with the CLI. Each booking is a real ``POST /api/v1/reservations`` over one keep-alive httpx
client per worker, spread over the places of City Hall's card pickup in the coming weeks (6 places per
30-minute slot in November: the six counters of the season). Then, for the race: ``--racers`` bookings sent
at once for one slot; exactly its capacity must get 201 and the rest 409 ``slot_full``.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from datetime import date, timedelta

import httpx
from _common import SITE, add_server_arguments, cli, machine_line, running_server, summary_ms, use_store

SERVICE = "pickup"
NAME, PHONE = "フクツ タロウ", "090-1234-5678"


async def login(base: str, login_id: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    r = await client.post("/api/v1/auth/login", json={"login": login_id, "password": password})
    r.raise_for_status()
    client.headers["x-csrf-token"] = r.json()["csrf"]
    return client


async def places(client: httpx.AsyncClient, first: date, wanted: int) -> list[tuple[str, str]]:
    """(date, start) pairs, one per free place, from ``first`` on, until ``wanted`` are found."""
    out: list[tuple[str, str]] = []
    day = first
    while len(out) < wanted:
        r = await client.get(f"/api/v1/sites/{SITE}/availability", params={"date": day.isoformat(), "service": SERVICE})
        r.raise_for_status()
        for slot in r.json():
            out += [(day.isoformat(), slot["start"])] * int(slot["available"])
        day += timedelta(days=1)
        if (day - first).days > 60:
            break
    return out[:wanted]


async def book(client: httpx.AsyncClient, day: str, start: str) -> tuple[int, float]:
    body = {"site": SITE, "service": SERVICE, "date": day, "start": start, "name": NAME, "phone": PHONE,
            "idempotency_key": secrets.token_hex(8)}  # fmt: skip
    t0 = time.perf_counter()
    r = await client.post("/api/v1/reservations", json=body)
    return r.status_code, time.perf_counter() - t0


async def throughput(clients: list[httpx.AsyncClient], todo: list[tuple[str, str]]) -> None:
    queue = list(todo)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            day, start = queue.pop()
            status, took = await book(client, day, start)
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(took)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - t0
    s = summary_ms(latencies)
    print(
        f"  C={len(clients):<3} {len(todo)} bookings in {elapsed:.2f} s = {len(todo) / elapsed:.0f}/s   "
        f"p50 {s['p50']:.1f} ms  p99 {s['p99']:.1f} ms  max {s['max']:.1f} ms   answers {dict(sorted(statuses.items()))}",
        flush=True,
    )


async def race(clients: list[httpx.AsyncClient], day: str, start: str, racers: int, capacity: int) -> None:
    answers = await asyncio.gather(*(book(clients[i % len(clients)], day, start) for i in range(racers)))
    won = sum(1 for status, _ in answers if status == 201)
    full = sum(1 for status, _ in answers if status == 409)
    verdict = "OK" if won == capacity and full == racers - capacity else "WRONG"
    print(f"  race: {racers} at once for {day} {start} ({capacity} places): {won} booked, {full} slot_full  {verdict}")


async def run(args: argparse.Namespace, base: str, login_id: str, password: str) -> None:
    first = date(2026, 11, 25)
    for c in args.concurrency:
        clients = [await login(base, login_id, password) for _ in range(c)]
        todo = await places(clients[0], first, args.bookings)
        await throughput(clients, todo)
        for client in clients:
            await client.aclose()
    clients = [await login(base, login_id, password) for _ in range(8)]
    free = await places(clients[0], first, 10_000)
    by_slot: dict[tuple[str, str], int] = {}
    for place in free:
        by_slot[place] = by_slot.get(place, 0) + 1
    slot, capacity = next((k, v) for k, v in by_slot.items() if v == 6)
    await race(clients, slot[0], slot[1], args.racers, capacity)
    for client in clients:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--bookings", type=int, default=400, help="bookings per concurrency level")
    parser.add_argument("--racers", type=int, default=50)
    add_server_arguments(parser)
    args = parser.parse_args()
    use_store(args.store)
    print(machine_line(), flush=True)
    with running_server(source=args.source) as server:
        password = secrets.token_urlsafe(18)
        cli(server, args.source, ["staff", "add", "--login", "bench-phone", "--name", "bench", "--role", "phone",
                                  "--site", SITE, "--password-stdin"], stdin=password + "\n")  # fmt: skip
        asyncio.run(run(args, server.url, "bench-phone", password))


if __name__ == "__main__":
    main()
