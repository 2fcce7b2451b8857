"""The view contract: every store script that appends an event or returns a ticket, a counter or a snapshot is run
against the real Redis, and its answer and every event it appended are decoded with the structs of
``server/views.py``, strictly (``forbid_unknown_fields``).

A field a script writes and the structs do not know fails the decode; a field the structs name and no script
writes fails the coverage check at the end (each stored struct's fields must all have been seen in some answer or
event). So Lua and Python cannot drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import msgspec
import redis.asyncio as aredis

from printers.status import PrinterStatus
from server.queue.keys import SiteKeys
from server.reservations import codes
from server.views import (
    EVENT_TYPES,
    RawCounterEvent,
    RawIssued,
    RawLine,
    RawSnapshot,
    RawTicketEvent,
    RawTicketStatus,
    StaffNotice,
    StoredCounter,
    StoredTicket,
    decode_event,
)
from tests.conftest import LiveServer, issue, open_counter

SITE = "city-hall"
HOSPITAL = "outreach-hospital"
OUTREACH = {
    "kind": "outreach", "site": HOSPITAL, "date": "2026-12-01", "opens_at": "10:00", "closes_at": "15:00",
    "last_ticket_at": "14:30", "venue": "福津中央病院", "address": "福津市中央3丁目1番1号", "note": "1階ロビー",
}  # fmt: skip

ANSWERS: dict[str, Any] = {
    "issue": RawIssued,
    "resv_checkin": RawIssued,
    "call": StoredTicket,
    "action": StoredTicket,
    "counter": StoredCounter,
    "snapshot": RawSnapshot,
    "ticket_status": RawTicketStatus,
    "notice": list[StaffNotice],
}
"""The scripts whose answer is a view's raw material, and the struct it must decode as."""


class Recorder:
    """Wraps the store's registered scripts and keeps every answer of the scripts in ``ANSWERS``."""

    def __init__(self, server: LiveServer) -> None:
        self.answers: list[tuple[str, Any]] = []
        scripts = server.runtime.store._scripts
        for name in ANSWERS:
            scripts[name] = self._wrap(name, scripts[name])  # type: ignore[assignment]

    def _wrap(self, name: str, script: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(keys: Any = None, args: Any = None, client: Any = None, ahead: Any = ()) -> Any:
            if client is not None:
                return await script(keys=keys, args=args, client=client)
            found = await script(keys=keys, args=args, ahead=ahead)
            self.answers.append((name, found))
            return found

        return run


def _objects(doc: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every JSON object in ``doc`` with the keys that lead to it (list positions left out)."""
    if isinstance(doc, dict):
        yield path, doc
        for key, value in doc.items():
            yield from _objects(value, (*path, key))
    elif isinstance(doc, list):
        for item in doc:
            yield from _objects(item, path)


TICKET_PLACES = {("ticket",), ("counter", "ticket"), ("counters", "ticket"), ("tickets",)}
LINE_PLACES = {("lines",), ("line",)}


def _fields_seen(docs: list[Any]) -> dict[str, set[str]]:
    """Keys seen in the raw JSON by the struct they decode as (for the coverage check)."""
    seen: dict[str, set[str]] = {}
    for doc in docs:
        for path, obj in _objects(doc):
            if path in TICKET_PLACES:
                seen.setdefault("StoredTicket", set()).update(obj)
            elif path in LINE_PLACES:
                seen.setdefault("RawLine", set()).update(obj)
            elif path in {("counter",), ("counters",)} and "services" in obj:
                seen.setdefault("StoredCounter", set()).update(obj)
            elif path == () and "lines" in obj and "counters" in obj:
                seen.setdefault("RawSnapshot", set()).update(obj)
            elif path == () and str(obj.get("type", "")).startswith("ticket."):
                seen.setdefault("RawTicketEvent", set()).update(obj)
            elif path == () and obj.get("type") == "counter.changed":
                seen.setdefault("RawCounterEvent", set()).update(obj)
    return seen


async def _drive(server: LiveServer) -> None:
    """Make every script run at least once, through the API as the pages do."""
    admin = await server.login("admin")
    guide = await server.login("guide", (SITE,))
    kiosk = await server.device("kiosk", SITE)
    op = await server.login("operator", (SITE,))

    await open_counter(op, "ch-booth-1", "pickup", "e-cert")  # counter.lua: open
    assert (await op.post("/api/v1/counters/ch-booth-1/pause", json={"reason": "休憩"})).status_code == 200
    await open_counter(op, "ch-booth-1", "pickup", "e-cert")
    first = await issue(kiosk, "pickup", print=True)  # issue.lua (its print job is noted on the ticket)
    await issue(kiosk, "pickup", idempotency_key="contract-0001")
    await issue(kiosk, "pickup", idempotency_key="contract-0001")  # the same ticket again: no event
    await issue(guide, "pickup", priority=True)
    await issue(kiosk, "e-cert")

    # a reservation of today, checked in (resv_book.lua, resv_checkin.lua), one moved, one cancelled
    body = {"site": SITE, "service": "pickup", "date": "2026-11-24", "start": "10:30", "name": "フクツ タロウ",
            "phone": "090-1234-5678"}  # fmt: skip
    booked = (await admin.post("/api/v1/reservations", json=body)).json()
    r = await kiosk.post(f"/api/v1/sites/{SITE}/checkins", json={"code": booked["code"]})
    assert r.status_code == 201, r.text
    other = (await admin.post("/api/v1/reservations", json={**body, "start": "14:00"})).json()
    assert (await admin.patch(f"/api/v1/reservations/{other['code']}", json={"start": "14:30"})).status_code == 200
    assert (await admin.delete(f"/api/v1/reservations/{other['code']}")).status_code == 200
    # an import (resv_import.lua): tomorrow's list exported, with another code
    tomorrow = (await admin.post("/api/v1/reservations", json={**body, "date": "2026-11-25"})).json()
    exported = await admin.get("/api/v1/reservations/export", params={"site": SITE, "date": "2026-11-25"})
    csv = exported.content.decode("utf-8-sig").replace(tomorrow["code"], codes.new_code())
    r = await admin.post("/api/v1/reservations/import", params={"site": SITE}, content=csv.encode(),
                         headers={"content-type": "text/csv"})  # fmt: skip
    assert r.status_code == 200, r.text

    # every action of the transition table (call.lua, action.lua)
    called = (await op.post("/api/v1/counters/ch-booth-1/call-next")).json()
    ticket = called["id"]
    for action in ("recall", "start"):
        assert (await op.post(f"/api/v1/tickets/{ticket}/{action}")).status_code == 200
    r = await op.post(f"/api/v1/tickets/{ticket}/transfer", json={"service": "e-cert", "note": "続き"})
    assert r.status_code == 200, r.text
    called = (await op.post("/api/v1/counters/ch-booth-1/call", json={"number": called["number"]})).json()
    for action in ("start",):
        assert (await op.post(f"/api/v1/tickets/{ticket}/{action}")).status_code == 200
    r = await op.post(f"/api/v1/tickets/{ticket}/complete", json={"outcome": "completed"})
    assert r.status_code == 200, r.text
    nxt = (await op.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert (await op.post(f"/api/v1/tickets/{nxt['id']}/return")).status_code == 200
    nxt = (await op.post("/api/v1/counters/ch-booth-1/call-next")).json()
    assert (await op.post(f"/api/v1/tickets/{nxt['id']}/no-show")).status_code == 200
    assert (await guide.post(f"/api/v1/tickets/{nxt['id']}/reinstate")).status_code == 200
    assert (await guide.post(f"/api/v1/tickets/{first['id']}/cancel")).status_code == 200

    # a service paused and resumed, a waiting ticket moved off it (service_pause.lua, action.lua: move)
    moving = await issue(kiosk, "e-cert")
    r = await guide.post(f"/api/v1/sites/{SITE}/services/e-cert/pause", json={"reason_ja": "J-LIS停止"})
    assert r.status_code == 200, r.text
    assert (await guide.post(f"/api/v1/tickets/{moving['id']}/move", json={"service": "pickup"})).status_code == 200
    assert (await guide.post(f"/api/v1/sites/{SITE}/services/e-cert/resume")).status_code == 200

    # notices (notice.lua): one posted; the snapshots (snapshot.lua), public and staff, read while a counter holds
    # a ticket, and a visitor's status (ticket_status.lua); then no notice left
    notice = (await admin.post(f"/api/v1/sites/{SITE}/notices", json={"text": "本日は混雑しています"})).json()
    assert (await op.post("/api/v1/counters/ch-booth-1/call-next")).status_code == 200
    board = await server.device("board", SITE)
    assert (await board.get(f"/api/v1/sites/{SITE}/state")).status_code == 200
    assert (await admin.get(f"/api/v1/sites/{SITE}/state")).status_code == 200
    assert (await server.http().get(f"/api/v1/tickets/by-token/{first['token']}")).status_code == 200
    assert (await op.post("/api/v1/counters/ch-booth-1/pause", json={"reason": "離席"})).status_code == 200
    assert (await admin.delete(f"/api/v1/sites/{SITE}/notices/{notice['id']}")).status_code == 200

    # a tally (tally.lua), a calendar override added, changed, removed (calendar_override.lua)
    assert (
        await guide.post(f"/api/v1/sites/{SITE}/tallies", json={"kind": "guide", "topic": "other"})
    ).status_code == 200
    added = (await admin.post("/api/v1/calendar/overrides", json=OUTREACH)).json()
    assert (await admin.patch(f"/api/v1/calendar/overrides/{added['id']}", json={"note": "2階"})).status_code == 200
    assert (await admin.delete(f"/api/v1/calendar/overrides/{added['id']}")).status_code == 200

    # a printer's state and a job's progress (printer.changed through emit.lua)
    printing = server.runtime.printing
    printer = printing.printers[SITE][0].id
    await server.call(printing.publish(SITE, printer, PrinterStatus(online=True), None))
    job = {"id": "job-1", "number": "P001", "state": "printed", "printer": printer, "detail": None}
    await server.call(printing.publish(SITE, printer, None, job))

    # a booking not checked in is released (resv_release.lua), then the day closes (day_close.lua)
    assert (await admin.post("/api/v1/reservations", json={**body, "start": "11:00"})).status_code == 201
    server.clock.set(server.clock.now().replace(hour=11, minute=21))
    await server.call(server._server.config.app.state.reservations.release_due())
    assert (await admin.post(f"/api/v1/sites/{SITE}/day-close", json={"date": "2026-11-24"})).status_code == 200


async def test_every_script_answer_and_event_decodes_with_the_view_structs(server: LiveServer, redis_url: str) -> None:
    recorder = Recorder(server)
    await _drive(server)

    raw_docs: list[Any] = []
    for name, found in recorder.answers:
        if not found:
            continue  # a refusal, or a ticket that is not there
        raw_docs.append(msgspec.json.decode(found))
        msgspec.json.decode(found, type=ANSWERS[name], strict=True)
    answered = {name for name, found in recorder.answers if found}
    assert answered == set(ANSWERS), f"scripts that never answered: {set(ANSWERS) - answered}"

    store = aredis.Redis.from_url(redis_url, decode_responses=True)
    seen_types: set[str] = set()
    try:
        for site in (SITE, HOSPITAL):
            for _id, fields in await store.xrange(SiteKeys(site).events):
                event = decode_event(fields["e"])  # strict: ValidationError on any unknown or missing field
                raw_docs.append(msgspec.json.decode(fields["e"]))
                seen_types.add(event.type)
                if isinstance(event, RawTicketEvent):
                    assert event.lines, f"{event.type} carries the line of the ticket's service"
                    assert event.ticket.token == "", "no event carries the visitor's token"
    finally:
        await store.aclose()
    assert seen_types == set(EVENT_TYPES), f"event types never appended: {set(EVENT_TYPES) - seen_types}"

    # the other way round: every field the stored structs name was written by some script
    seen = _fields_seen(raw_docs)
    for struct in (StoredTicket, RawLine, StoredCounter, RawSnapshot, RawTicketEvent, RawCounterEvent):
        fields = {f.encode_name for f in msgspec.structs.fields(struct)}
        missing = fields - seen.get(struct.__name__, set())
        assert not missing, f"{struct.__name__}: no script writes {sorted(missing)}"


async def test_a_field_the_structs_do_not_know_fails_the_decode() -> None:
    """What the contract test relies on: the decode is strict both ways."""
    line = {"service": "pickup", "serving": 1}
    msgspec.json.decode(msgspec.json.encode(line), type=RawLine)
    added = msgspec.json.encode({**line, "queued_at": 1})
    try:
        msgspec.json.decode(added, type=RawLine)
    except msgspec.ValidationError as exc:
        assert "queued_at" in str(exc)
    else:
        raise AssertionError("an unknown field was accepted")
    try:
        msgspec.json.decode(msgspec.json.encode({"service": "pickup"}), type=RawLine)
    except msgspec.ValidationError as exc:
        assert "serving" in str(exc)
    else:
        raise AssertionError("a missing field was accepted")
