"""Reservation routes (DESIGN §4): availability, booking, search, move, cancel, slips, CSV import and export.

Staff of the site with the roles phone, guide, manager or admin change reservations; operators may read
them. Routes by code find the reservation's site first and then check the caller may act there. Check-in
is ``POST /sites/{site}/checkins`` in ``public.py`` (kiosks and the guide).
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api.common import audit_entry, caller, operator, runtime
from server.auth.guards import ALL_ROLES, allow, check
from server.auth.principals import Device, Role
from server.reservations import csvio
from server.reservations.errors import Invalid
from server.reservations.slip import slip_data, slip_png
from server.reservations.store import ReservationStore
from server.tabular import csv_download

RESERVATION_ROLES = (Role.ADMIN, Role.MANAGER, Role.GUIDE, Role.PHONE)
CSV_MAX_BYTES = 2 * 1024 * 1024

readers_of_site = allow(*ALL_ROLES, site="site")
readers_of_query = allow(*ALL_ROLES, site="query")
readers = allow(*ALL_ROLES)
bookers = allow(*RESERVATION_ROLES)
bookers_of_query = allow(*RESERVATION_ROLES, site="query")


def store_of(request: Request[Any, Any, Any]) -> ReservationStore:
    resv: ReservationStore = request.app.state.reservations
    return resv


def _by(request: Request[Any, Any, Any]) -> str:
    who = caller(request)
    return f"device:{who.id}" if isinstance(who, Device) else operator(request)


def _may(request: Request[Any, Any, Any], site: str, roles: tuple[Role, ...] = RESERVATION_ROLES) -> None:
    """The caller may act on reservations of ``site`` (403 otherwise)."""
    check(caller(request), site, roles, ())


Hhmm = Annotated[str, msgspec.Meta(min_length=1, max_length=8)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]


class NewReservation(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    site: Id
    service: Id
    date: date
    start: Hhmm
    name: Annotated[str, msgspec.Meta(max_length=80)]
    phone: Annotated[str, msgspec.Meta(max_length=32)]
    idempotency_key: (
        Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")] | None
    ) = None


class MoveReservation(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    date: date | None = None
    start: Hhmm | None = None
    service: Id | None = None


class PrintSlip(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    printer: Id | None = None


@get("/sites/{site:str}/availability", guards=[readers_of_site], summary="Slots of a day with places left")
async def availability(
    request: Request[Any, Any, Any],
    site: FromPath[str],
    service: FromQuery[str],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
) -> list[dict[str, Any]]:
    resv = store_of(request)
    return await resv.availability(site, day or resv.today(), service)


@post("/reservations", guards=[bookers], status_code=201, summary="Book a reservation")
async def book(request: Request[Any, Any, Any], data: JSONBody[NewReservation]) -> Response[dict[str, Any]]:
    """201 with the new reservation; 200 with the first one when the same ``idempotency_key`` comes again."""
    runtime(request).store.site(data.site)
    _may(request, data.site)
    entry = audit_entry(request, "reservation.book", site=data.site)
    booked, created = await store_of(request).book(
        data.site, data.service, data.date, data.start, data.name, data.phone, by=_by(request), audit=entry,
        idempotency_key=data.idempotency_key,
    )  # fmt: skip
    return Response(booked, status_code=201 if created else 200)


@get("/reservations", guards=[readers_of_query], summary="Reservations of a site: a day, or a search")
async def search(
    request: Request[Any, Any, Any],
    site: FromQuery[str],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
    q: Annotated[str, QueryParameter(max_length=80)] = "",
) -> list[dict[str, Any]]:
    return await store_of(request).search(site, day, q)


@get("/reservations/export", guards=[bookers_of_query], summary="A day's reservations as CSV")
async def export(
    request: Request[Any, Any, Any],
    site: FromQuery[str],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
    encoding: FromQuery[Literal["utf-8", "shift_jis"]] = "utf-8",
) -> Response[bytes]:
    resv = store_of(request)
    day = day or resv.today()
    rows = await resv.export(site, day)
    return csv_download(csvio.format_rows(rows), f"reservations-{site}-{day.isoformat()}.csv", encoding)


@post("/reservations/import", guards=[bookers_of_query], status_code=200, summary="Import reservations (CSV)")
async def import_csv(request: Request[Any, Any, Any], site: FromQuery[str]) -> dict[str, Any]:
    runtime(request).store.site(site)
    data = await request.body()
    if len(data) > CSV_MAX_BYTES:
        raise Invalid(f"the file is larger than {CSV_MAX_BYTES // 1024 // 1024} MB")
    entry = audit_entry(request, "reservation.import", site=site)
    imported = await store_of(request).import_csv(site, data, by=_by(request), audit=entry)
    return {"imported": imported}


@get("/reservations/{code:str}", guards=[readers], summary="One reservation")
async def one(request: Request[Any, Any, Any], code: FromPath[str]) -> dict[str, Any]:
    r = await store_of(request).get(code)
    _may(request, r["site"], ALL_ROLES)
    return r


@patch(
    "/reservations/{code:str}", guards=[bookers], summary="Move a reservation"
)  # fmt: skip
async def move(request: Request[Any, Any, Any], code: FromPath[str], data: JSONBody[MoveReservation]) -> dict[str, Any]:
    resv = store_of(request)
    r = await resv.get(code)
    _may(request, r["site"])
    entry = audit_entry(request, "reservation.move", site=r["site"])
    return await resv.move(r["code"], day=data.date, start=data.start, service=data.service, audit=entry)


@delete(
    "/reservations/{code:str}", guards=[bookers], status_code=200,
    summary="Cancel a reservation",
)  # fmt: skip
async def cancel(request: Request[Any, Any, Any], code: FromPath[str]) -> dict[str, Any]:
    resv = store_of(request)
    r = await resv.get(code)
    _may(request, r["site"])
    return await resv.cancel(r["code"], audit_entry(request, "reservation.cancel", site=r["site"]))


@get("/reservations/{code:str}/slip", guards=[bookers], summary="The confirmation slip as a PNG")
async def slip(
    request: Request[Any, Any, Any], code: FromPath[str], format: FromQuery[Literal["png"]] = "png"
) -> Response[bytes]:
    r = await store_of(request).get(code)
    _may(request, r["site"])
    rt = runtime(request)
    png = await asyncio.to_thread(slip_png, rt.config, r, training=rt.clock.training)
    return Response(
        png,
        media_type="image/png",
        headers={"content-disposition": f'inline; filename="reservation-{r["code"]}.png"', "cache-control": "no-store"},
    )


@post("/reservations/{code:str}/slip", guards=[bookers], status_code=202, summary="Print the confirmation slip")
async def print_slip(
    request: Request[Any, Any, Any], code: FromPath[str], data: JSONBody[PrintSlip | None] = None
) -> dict[str, Any]:
    r = await store_of(request).get(code)
    site = r["site"]
    _may(request, site)
    rt = runtime(request)
    printer = data.printer if data else None
    if printer is not None and printer not in [p.id for p in rt.printing.printers[site]]:
        raise Invalid(f"no printer {printer!r} at {site}", field="printer")
    job = await rt.printing.enqueue(
        site, f"resv:{r['code']}", slip_data(rt.config, r, training=rt.clock.training), first=printer
    )
    return {"reservation": r["code"], "print_job": job}


ROUTES = [availability, book, search, export, import_csv, one, move, cancel, slip, print_slip]
