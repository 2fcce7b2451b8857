"""Administration: staff accounts, kiosk/board devices, and the audit log.

Nobody reaches or grants more than they have (docs/SECURITY.md): ``_may_manage`` decides for every change of an
account (create, change, password, disable), ``_device_of_my_site`` for every change of a device, and the lists
show only what lies within the caller's sites. Every change of an account is audited with the sites of the account
(``sites``, before and after a change of them), so the managers of those sites read it in the audit log.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import MediaType, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api.common import audit, caller, runtime
from server.api.schemas import Body, DisplayName, NewDevice, NewPassword, NewStaff, SiteId
from server.auth.accounts import Forbidden
from server.auth.audit import concerning, csv_response
from server.auth.guards import ADMINS, MANAGERS, allow
from server.auth.principals import DeviceKind, Role, Staff
from server.queue import errors
from server.web.qr import qr_svg

admins = allow(*ADMINS)
managers = allow(*MANAGERS)

AUDIT_MAX_DAYS = 31
"""The longest period one audit query reads (a month of every counter action of every site)."""
AUDIT_MAX_LIMIT = 5000


class StaffChange(Body):
    """``PATCH /staff/{login}``: any of the display name, the role and the sites (empty: every site)."""

    name: DisplayName | None = None
    role: Literal["admin", "manager", "operator", "guide", "phone"] | None = None
    sites: Annotated[list[SiteId], msgspec.Meta(max_length=32)] | None = None


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
    await audit(
        request, "staff.add", sites=concerning(created["sites"]), detail=f"{created['login']} ({created['role']})"
    )
    return created


@patch("/staff/{login:str}", guards=[managers], summary="Change an account's name, role or sites")
async def change_staff(
    request: Request[Any, Any, Any], login: FromPath[str], data: JSONBody[StaffChange]
) -> dict[str, Any]:
    """The same rules as creating one: the caller must be allowed to manage the account as it is and as it will be
    (a manager never makes an admin or a manager; nobody gives sites they do not have). Nobody changes their own
    role or sites: an admin cannot lock the office out by mistake, a manager cannot widen their own reach."""
    rt = runtime(request)
    if data.name is None and data.role is None and data.sites is None:
        raise errors.ValidationFailed("give the name, the role or the sites to change")
    sites = None if data.sites is None else tuple(dict.fromkeys(data.sites))
    for site in sites or ():
        rt.store.site(site)
    await _may_manage(request, login=login, role=data.role, sites=sites)
    if login == _staff_caller(request).login and (data.role is not None or data.sites is not None):
        raise Forbidden("you cannot change your own role or sites; ask another admin")
    role = None if data.role is None else Role(data.role)
    before, after = await rt.accounts.update_staff(login, name=data.name, role=role, sites=sites)
    changed = [
        f"{k}: {_shown(before[k])} → {_shown(after[k])}" for k in ("name", "role", "sites") if before[k] != after[k]
    ]
    detail = f"{login} " + ("; ".join(changed) or "(no change)")
    await audit(request, "staff.update", sites=concerning(before["sites"], after["sites"]), detail=detail)
    return after


async def _account_sites(request: Request[Any, Any, Any], login: str) -> list[str] | None:
    """The ``sites`` of an audit entry about the account ``login`` (server/auth/audit.py ``concerning``)."""
    record = await runtime(request).accounts.staff_record(login)
    return concerning(_sites_of(record)) if record else None


def _shown(value: Any) -> str:
    """A field of an account as the audit log writes it: sites as ``city-hall,tsuyazaki`` (``*``: every site)."""
    if isinstance(value, list):
        return ",".join(value) or "*"
    return str(value)


@post("/staff/{login:str}/password", guards=[managers], status_code=200)
async def set_password(
    request: Request[Any, Any, Any], login: FromPath[str], data: JSONBody[NewPassword]
) -> dict[str, Any]:
    await _may_manage(request, login=login)
    await runtime(request).accounts.set_password(login, data.password)
    await audit(request, "staff.password", sites=await _account_sites(request, login), detail=login)
    return {"login": login, "password_changed": True}


@post("/staff/{login:str}/{change:str}", guards=[managers], status_code=200)
async def set_state(
    request: Request[Any, Any, Any], login: FromPath[str], change: FromPath[Literal["disable", "enable"]]
) -> dict[str, Any]:
    await _may_manage(request, login=login)
    await runtime(request).accounts.set_disabled(login, change == "disable")
    await audit(request, f"staff.{change}", sites=await _account_sites(request, login), detail=login)
    return {"login": login, "disabled": change == "disable"}


async def _device_of_my_site(request: Request[Any, Any, Any], device_id: str) -> str | None:
    """The device's site; 403 for a device of a site the admin is not assigned to (None: the route answers 404)."""
    record = await runtime(request).accounts.device_record(device_id)
    if record is not None and not _staff_caller(request).may_use_site(record["site"]):
        raise Forbidden("this device belongs to a site you are not assigned to")
    return record["site"] if record else None


def _pairing(request: Request[Any, Any, Any], code: str) -> dict[str, str]:
    """The pairing link, and its QR code (SVG) for the admin page: the link is shown once, never stored."""
    url = f"{runtime(request).settings.base_url}/pair/{code}"
    return {"pairing_url": url, "pairing_qr_svg": qr_svg(url)}


@get("/devices", guards=[admins], summary="Kiosk and board PCs, with when each last made a request")
async def list_devices(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """``last_seen``: the device's last request (HTTP, websocket connect or ping) to the minute; None if never."""
    rt = runtime(request)
    who = _staff_caller(request)
    out = []
    for device in await rt.accounts.list_devices():
        if who.may_use_site(device["site"]):
            seen = device.pop("seen")
            device["last_seen"] = (
                None if seen is None else datetime.fromtimestamp(seen, rt.clock.tz).isoformat(timespec="seconds")
            )
            out.append(device)
    return out


@post("/devices", guards=[admins], status_code=201)
async def add_device(request: Request[Any, Any, Any], data: JSONBody[NewDevice]) -> dict[str, Any]:
    rt = runtime(request)
    rt.store.site(data.site)
    if not _staff_caller(request).may_use_site(data.site):
        raise Forbidden("you are not assigned to this site")
    created = await rt.accounts.add_device(data.site, DeviceKind(data.kind), data.name)
    await audit(request, "device.add", site=data.site, detail=f"{created['id']} {created['name']}")
    created.pop("seen")
    return {**created, **_pairing(request, created.pop("pairing_code"))}


@post("/devices/{device_id:str}/pairing", guards=[admins], status_code=200)
async def new_pairing(request: Request[Any, Any, Any], device_id: FromPath[str]) -> dict[str, Any]:
    rt = runtime(request)
    site = await _device_of_my_site(request, device_id)
    code = await rt.accounts.new_pairing_code(device_id)
    await audit(request, "device.pairing", site=site, detail=device_id)
    return {"id": device_id, **_pairing(request, code)}


@post("/devices/{device_id:str}/revoke", guards=[admins], status_code=200)
async def revoke_device(request: Request[Any, Any, Any], device_id: FromPath[str]) -> dict[str, Any]:
    site = await _device_of_my_site(request, device_id)
    await runtime(request).accounts.revoke_device(device_id)
    await audit(request, "device.revoke", site=site, detail=device_id)
    return {"id": device_id, "revoked": True}


@get(
    "/audit", guards=[managers], summary="Staff actions of a date or a period, filtered (JSON, or CSV with format=csv)"
)
async def audit_log(
    request: Request[Any, Any, Any],
    day: Annotated[date | None, QueryParameter(name="date")] = None,
    start: Annotated[date | None, QueryParameter(name="from")] = None,
    end: Annotated[date | None, QueryParameter(name="to")] = None,
    format: FromQuery[Literal["json", "csv"]] = "json",
    site: FromQuery[str | None] = None,
    actor: Annotated[str | None, QueryParameter(max_length=80)] = None,
    action: Annotated[str | None, QueryParameter(max_length=80)] = None,
    limit: Annotated[int | None, QueryParameter(ge=1, le=AUDIT_MAX_LIMIT)] = None,
) -> Response[Any]:
    """``date``, or ``from``/``to`` (at most 31 days; today when none is given). ``actor``: a login id (or
    ``device:<id>``); ``action``: an action (``staff.add``) or a family of them (``staff``: every ``staff.*``).
    A person limited to sites reads only the entries of those sites (``site`` narrows to one of them).
    ``limit`` (JSON only) keeps the newest entries; ``X-Total-Count`` says how many matched."""
    rt = runtime(request)
    who = _staff_caller(request)
    if site is not None:
        rt.store.site(site)
        if not who.may_use_site(site):
            raise Forbidden("you are not assigned to this site")
    first, last = _audit_period(day, start, end, rt.store.business_date())
    sites = (site,) if site else who.sites or None
    entries: list[dict[str, Any]] = []
    for n in range((last - first).days + 1):
        entries += await rt.audit.entries((first + timedelta(days=n)).isoformat(), sites=sites)
    entries = [e for e in entries if _matches(e, actor, action)]
    label = first.isoformat() if first == last else f"{first.isoformat()}_{last.isoformat()}"
    if format == "csv":
        return csv_response(entries, label)
    total = len(entries)
    if limit is not None:
        entries = entries[-limit:]
    return Response(entries, media_type=MediaType.JSON, headers={"x-total-count": str(total)})


def _audit_period(day: date | None, start: date | None, end: date | None, today: date) -> tuple[date, date]:
    if day is not None and (start is not None or end is not None):
        raise errors.ValidationFailed("give either date, or from and to")
    if day is not None:
        return day, day
    first, last = start or end or today, end or start or today
    if last < first:
        raise errors.ValidationFailed("to is before from")
    if (last - first).days >= AUDIT_MAX_DAYS:
        raise errors.ValidationFailed(f"the period may have at most {AUDIT_MAX_DAYS} days")
    return first, last


def _matches(entry: dict[str, Any], actor: str | None, action: str | None) -> bool:
    if actor and str(entry.get("login", "")).lower() != actor.strip().lower():
        return False
    done = str(entry.get("action", ""))
    return not action or done == action or done.startswith(f"{action}.")


ROUTES = [
    list_staff,
    add_staff,
    change_staff,
    set_password,
    set_state,
    list_devices,
    add_device,
    new_pairing,
    revoke_device,
    audit_log,
]
