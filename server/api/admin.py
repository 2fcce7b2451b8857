"""Administration: staff accounts, kiosk/board devices, and the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import MediaType, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api.common import audit, caller, runtime
from server.api.schemas import NewDevice, NewPassword, NewStaff
from server.auth.accounts import Forbidden
from server.auth.audit import to_csv
from server.auth.guards import ADMINS, MANAGERS, allow
from server.auth.principals import DeviceKind, Role, Staff

admins = allow(*ADMINS)
managers = allow(*MANAGERS)


async def _may_manage(request: Request[Any, Any, Any], login: str | None = None, role: str | None = None) -> None:
    """Managers look after operators, guides and phone staff; only admins touch admin and manager accounts."""
    who = caller(request)
    assert isinstance(who, Staff)
    if who.role is Role.ADMIN:
        return
    if role in (Role.ADMIN.value, Role.MANAGER.value):
        raise Forbidden("only an admin manages admin and manager accounts")
    if login is not None:
        record = await runtime(request).accounts.staff_record(login)
        if record and record["role"] in (Role.ADMIN.value, Role.MANAGER.value):
            raise Forbidden("only an admin manages admin and manager accounts")


@get("/staff", guards=[managers])
async def list_staff(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await runtime(request).accounts.list_staff()


@post("/staff", guards=[managers], status_code=201)
async def add_staff(request: Request[Any, Any, Any], data: JSONBody[NewStaff]) -> dict[str, Any]:
    await _may_manage(request, role=data.role)
    rt = runtime(request)
    for site in data.sites:
        rt.store.site(site)
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


@get("/devices", guards=[admins])
async def list_devices(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    return await runtime(request).accounts.list_devices()


@post("/devices", guards=[admins], status_code=201)
async def add_device(request: Request[Any, Any, Any], data: JSONBody[NewDevice]) -> dict[str, Any]:
    rt = runtime(request)
    rt.store.site(data.site)
    created = await rt.accounts.add_device(data.site, DeviceKind(data.kind), data.name)
    await audit(request, "device.add", site=data.site, detail=f"{created['id']} {created['name']}")
    return {**created, "pairing_url": f"{rt.settings.base_url}/pair/{created.pop('pairing_code')}"}


@post("/devices/{device_id:str}/pairing", guards=[admins], status_code=200)
async def new_pairing(request: Request[Any, Any, Any], device_id: FromPath[str]) -> dict[str, Any]:
    rt = runtime(request)
    code = await rt.accounts.new_pairing_code(device_id)
    await audit(request, "device.pairing", detail=device_id)
    return {"id": device_id, "pairing_url": f"{rt.settings.base_url}/pair/{code}"}


@post("/devices/{device_id:str}/revoke", guards=[admins], status_code=200)
async def revoke_device(request: Request[Any, Any, Any], device_id: FromPath[str]) -> dict[str, Any]:
    await runtime(request).accounts.revoke_device(device_id)
    await audit(request, "device.revoke", detail=device_id)
    return {"id": device_id, "revoked": True}


@get("/audit", guards=[managers], summary="Staff actions of one date (JSON, or CSV with format=csv)")
async def audit_log(
    request: Request[Any, Any, Any],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
    format: FromQuery[Literal["json", "csv"]] = "json",
) -> Response[Any]:
    rt = runtime(request)
    day_text = (day or rt.store.business_date()).isoformat()
    entries = await rt.audit.entries(day_text)
    if format == "csv":
        return Response(
            to_csv(entries),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="audit-{day_text}.csv"'},
        )
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
