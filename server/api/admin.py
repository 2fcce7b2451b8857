"""Administration: staff accounts, kiosk/board devices, and the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import MediaType, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api.common import audit, caller, runtime
from server.api.schemas import NewDevice, NewPassword, NewStaff
from server.auth.accounts import Forbidden
from server.auth.audit import csv_response
from server.auth.guards import ADMINS, MANAGERS, allow
from server.auth.principals import DeviceKind, Role, Staff

admins = allow(*ADMINS)
managers = allow(*MANAGERS)


def _staff_caller(request: Request[Any, Any, Any]) -> Staff:
    who = caller(request)
    assert isinstance(who, Staff)  # the guards admit staff only
    return who


def _sites_of(record: dict[str, Any]) -> tuple[str, ...]:
    sites = record.get("sites") or []
    return tuple(msgspec.json.decode(sites) if isinstance(sites, str) else sites)


async def _may_manage(
    request: Request[Any, Any, Any],
    *,
    login: str | None = None,
    role: str | None = None,
    sites: tuple[str, ...] | None = None,
) -> None:
    """Managers look after operators, guides and phone staff; only admins touch admin and manager accounts.
    Nobody gives or touches more sites than they have: a person limited to Tsuyazaki creates and changes only
    accounts of Tsuyazaki, never one of every site (``sites`` empty)."""
    who = _staff_caller(request)
    chiefs = (Role.ADMIN.value, Role.MANAGER.value)
    if who.role is not Role.ADMIN and role in chiefs:
        raise Forbidden("only an admin manages admin and manager accounts")
    if sites is not None and not who.covers(sites):
        raise Forbidden(f"you may give access only to your own sites ({', '.join(who.sites)})")
    if login is not None:
        record = await runtime(request).accounts.staff_record(login)
        if record is None:
            return  # the route answers 404
        if who.role is not Role.ADMIN and record["role"] in chiefs:
            raise Forbidden("only an admin manages admin and manager accounts")
        if not who.covers(_sites_of(record)):
            raise Forbidden("this account works at sites you are not assigned to")


@get("/staff", guards=[managers], summary="Staff accounts (a person limited to sites sees those sites' accounts)")
async def list_staff(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    who = _staff_caller(request)
    accounts = await runtime(request).accounts.list_staff()
    if not who.sites:
        return accounts
    return [a for a in accounts if set(a["sites"]) & set(who.sites)]


@post("/staff", guards=[managers], status_code=201)
async def add_staff(request: Request[Any, Any, Any], data: JSONBody[NewStaff]) -> dict[str, Any]:
    rt = runtime(request)
    for site in data.sites:
        rt.store.site(site)
    await _may_manage(request, role=data.role, sites=tuple(data.sites))
    created = await rt.accounts.add_staff(data.login, data.name, Role(data.role), tuple(data.sites), data.password)
    await audit(request, "staff.add", detail=f"{created['login']} ({created['role']})")
    return created


@post("/staff/{login:str}/password", guards=[managers], status_code=200)
async def set_password(
    request: Request[Any, Any, Any], login: FromPath[str], data: JSONBody[NewPassword]
) -> dict[str, Any]:
    await _may_manage(request, login=login)
    await runtime(request).accounts.set_password(login, data.password)
    await audit(request, "staff.password", detail=login)
    return {"login": login, "password_changed": True}


@post("/staff/{login:str}/{change:str}", guards=[managers], status_code=200)
async def set_state(
    request: Request[Any, Any, Any], login: FromPath[str], change: FromPath[Literal["disable", "enable"]]
) -> dict[str, Any]:
    await _may_manage(request, login=login)
    await runtime(request).accounts.set_disabled(login, change == "disable")
    await audit(request, f"staff.{change}", detail=login)
    return {"login": login, "disabled": change == "disable"}


async def _device_of_my_site(request: Request[Any, Any, Any], device_id: str) -> None:
    """403 for a device of a site the admin is not assigned to (404 stays the route's answer)."""
    record = await runtime(request).accounts.device_record(device_id)
    if record is not None and not _staff_caller(request).may_use_site(record["site"]):
        raise Forbidden("this device belongs to a site you are not assigned to")


@get("/devices", guards=[admins])
async def list_devices(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    who = _staff_caller(request)
    return [d for d in await runtime(request).accounts.list_devices() if who.may_use_site(d["site"])]


@post("/devices", guards=[admins], status_code=201)
async def add_device(request: Request[Any, Any, Any], data: JSONBody[NewDevice]) -> dict[str, Any]:
    rt = runtime(request)
    rt.store.site(data.site)
    if not _staff_caller(request).may_use_site(data.site):
        raise Forbidden("you are not assigned to this site")
    created = await rt.accounts.add_device(data.site, DeviceKind(data.kind), data.name)
    await audit(request, "device.add", site=data.site, detail=f"{created['id']} {created['name']}")
    return {**created, "pairing_url": f"{rt.settings.base_url}/pair/{created.pop('pairing_code')}"}


@post("/devices/{device_id:str}/pairing", guards=[admins], status_code=200)
async def new_pairing(request: Request[Any, Any, Any], device_id: FromPath[str]) -> dict[str, Any]:
    rt = runtime(request)
    await _device_of_my_site(request, device_id)
    code = await rt.accounts.new_pairing_code(device_id)
    await audit(request, "device.pairing", detail=device_id)
    return {"id": device_id, "pairing_url": f"{rt.settings.base_url}/pair/{code}"}


@post("/devices/{device_id:str}/revoke", guards=[admins], status_code=200)
async def revoke_device(request: Request[Any, Any, Any], device_id: FromPath[str]) -> dict[str, Any]:
    await _device_of_my_site(request, device_id)
    await runtime(request).accounts.revoke_device(device_id)
    await audit(request, "device.revoke", detail=device_id)
    return {"id": device_id, "revoked": True}


@get("/audit", guards=[managers], summary="Staff actions of one date (JSON, or CSV with format=csv)")
async def audit_log(
    request: Request[Any, Any, Any],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
    format: FromQuery[Literal["json", "csv"]] = "json",
    site: FromQuery[str | None] = None,
) -> Response[Any]:
    """A person limited to sites reads only the entries of those sites (``site`` narrows to one of them)."""
    rt = runtime(request)
    who = _staff_caller(request)
    if site is not None:
        rt.store.site(site)
        if not who.may_use_site(site):
            raise Forbidden("you are not assigned to this site")
    sites = (site,) if site else who.sites or None
    day_text = (day or rt.store.business_date()).isoformat()
    entries = await rt.audit.entries(day_text, sites=sites)
    if format == "csv":
        return csv_response(entries, day_text)
    return Response(entries, media_type=MediaType.JSON)


ROUTES = [
    list_staff,
    add_staff,
    set_password,
    set_state,
    list_devices,
    add_device,
    new_pairing,
    revoke_device,
    audit_log,
]
