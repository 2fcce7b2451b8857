"""Route guards: who may reach each route (the route × principal table in the tests checks every route).

A guard names the staff roles and device kinds it admits and where the site of the request comes from
(path ``site``, the ``site`` query parameter, the counter's site or the ticket's site). Staff must be
allowed at that site; a device only ever at its own site.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from server.auth.accounts import Forbidden, Unauthorized
from server.auth.principals import Device, DeviceKind, Role, Staff
from server.queue.errors import StoreUnavailable

SiteFrom = Literal["site", "query", "counter", "ticket"] | None
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]
# Guards are coroutines: Litestar runs a plain function guard in a worker thread, on every request.

ALL_ROLES = tuple(Role)
COUNTER_ROLES = (Role.ADMIN, Role.MANAGER, Role.OPERATOR)
DESK_ROLES = (Role.ADMIN, Role.MANAGER, Role.OPERATOR, Role.GUIDE)
ISSUE_ROLES = (Role.ADMIN, Role.MANAGER, Role.GUIDE)
MANAGERS = (Role.ADMIN, Role.MANAGER)
ADMINS = (Role.ADMIN,)


def principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Staff | Device | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Staff | Device) else None


def site_of(connection: ASGIConnection[Any, Any, Any, Any], source: SiteFrom) -> str | None:
    """The site a request acts on, or None when the route itself will answer not found."""
    if source == "site":
        return str(connection.path_params.get("site", "")) or None
    if source == "query":
        return connection.query_params.get("site") or None
    rt = connection.app.state.runtime
    if source == "counter":
        found = rt.config.counter(str(connection.path_params.get("counter", "")))
        return found[0].id if found else None
    if source == "ticket":
        site, sep, _ = str(connection.path_params.get("ticket_id", "")).partition(".")
        return site if sep else None
    return None


def check(
    who: Staff | Device | None,
    site: str | None,
    roles: tuple[Role, ...],
    devices: tuple[DeviceKind, ...],
    *,
    unverified: bool = False,
) -> None:
    """Raise 401 without credentials, 403 with the wrong ones; return when ``who`` may act at ``site``.

    ``unverified``: credentials were sent but the store was down, so they could not be checked.
    """
    if who is None:
        if unverified:
            raise StoreUnavailable("the queue store cannot be reached; try again in a moment")
        raise Unauthorized("sign in, or use a paired kiosk or board")
    if isinstance(who, Device):
        if who.kind not in devices:
            raise Forbidden(f"a {who.kind.value} may not do this")
        if site is not None and who.site != site:
            raise Forbidden("this device belongs to another site")
        return
    if who.role not in roles:
        raise Forbidden(f"the {who.role.value} role may not do this")
    if site is not None and not who.may_use_site(site):
        raise Forbidden("you are not assigned to this site")


def allow(*roles: Role, devices: tuple[DeviceKind, ...] = (), site: SiteFrom = None) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        unverified = bool(connection.scope.get("auth_unavailable"))
        check(principal(connection), site_of(connection, site), roles, devices, unverified=unverified)

    guard.__name__ = f"allow_{'_'.join(r.value for r in roles) or 'none'}"
    return guard


async def public(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Anyone on the LAN: the route shows nothing beyond what a lobby board shows."""
