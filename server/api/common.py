"""Helpers every route module uses: the runtime, the caller, rate limits and audit entries."""

from __future__ import annotations

from typing import Any

from litestar import Request

from server.auth.client import client_address
from server.auth.principals import Device, Staff
from server.runtime import Runtime


def runtime(request: Request[Any, Any, Any]) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def caller(request: Request[Any, Any, Any]) -> Staff | Device | None:
    user = request.scope.get("user")
    return user if isinstance(user, Staff | Device) else None


def operator(request: Request[Any, Any, Any]) -> str:
    """Login of the staff member acting, recorded on tickets and in their events ("" for devices)."""
    who = caller(request)
    return who.login if isinstance(who, Staff) else ""


def address(request: Request[Any, Any, Any]) -> str:
    """The client's address; ``X-Forwarded-For`` counts only from a trusted proxy (server/auth/client.py)."""
    return client_address(request.scope, runtime(request).settings.trusted_proxies)


async def limit(request: Request[Any, Any, Any], bucket: str, per_minute: int) -> None:
    """Rate-limit a public endpoint per device, or per client address for anonymous callers."""
    who = caller(request)
    key = f"dev:{who.id}" if isinstance(who, Device) else f"addr:{address(request)}"
    await runtime(request).limiter.hit(bucket, key, per_minute, 60)


def audit_entry(request: Request[Any, Any, Any], action: str, **fields: Any) -> dict[str, Any] | None:
    """A staff action for the audit log (who, what, where, when, from where); None for devices.

    Queue changes hand it to the store script, which appends it in the same atomic step as the change.
    """
    who = caller(request)
    rt = runtime(request)
    if isinstance(who, Staff):
        actor = {"login": who.login, "role": who.role.value}
    elif isinstance(who, Device):
        return None
    else:
        actor = {"login": fields.pop("login", ""), "role": ""}
    entry = {"at": rt.clock.now().isoformat(timespec="seconds"), "action": action, **actor, "address": address(request)}
    entry.update({k: v for k, v in fields.items() if v not in (None, "")})
    return entry


async def audit(request: Request[Any, Any, Any], action: str, **fields: Any) -> None:
    """Record an action that changes no queue state (logins, accounts, devices, reprints)."""
    who = caller(request)
    if isinstance(who, Device):
        fields.setdefault("login", f"device:{who.id}")
        request.scope["user"] = None  # recorded under the device's name, without a role
    entry = audit_entry(request, action, **fields)
    request.scope["user"] = who
    if entry is not None:
        await runtime(request).audit.append(entry)
