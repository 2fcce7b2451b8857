"""Calendar overrides (DESIGN §10 "Calendar changes without a restart"): ``/api/v1/calendar/overrides``.

Admins add, change and remove Sunday openings, outreach events (with the venue's name and address), extra openings
(e.g. a Saturday) and closures of their sites. An override wins over the config file for its site and dates; each
change is checked as ``madoguchi config check`` checks the file (400 ``validation_error`` naming every problem,
nothing stored), audited, and in force in every server process at once (``server/calendar_store.py``).
``GET /api/v1/calendar`` shows the result, each day with the override it comes from.

An admin limited to sites sees and changes the overrides of those sites only (403 for another site's).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.api.common import audit_entry, caller, operator, runtime
from server.api.schemas import Body, ServiceId, SiteId
from server.auth.guards import ADMINS, allow, check
from server.auth.principals import Staff
from server.calendar import CalendarOverride, OverrideKind
from server.calendar_store import CalendarStore, record

admins = allow(*ADMINS)

Hhmm = Annotated[str, msgspec.Meta(max_length=5)]
"""A time as in the config file, "09:00" (its range and order are checked with the config file's checks)."""
CounterId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Services = Annotated[tuple[ServiceId, ...], msgspec.Meta(max_length=32)]
Counters = Annotated[tuple[CounterId, ...], msgspec.Meta(max_length=32)]
Days = Annotated[int, msgspec.Meta(ge=1, le=31)]
Venue = Annotated[str, msgspec.Meta(max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=400)]
"""Bounded here so a huge body is refused early; the calendar's checks give the real limits with their reason."""


class NewOverride(Body):
    """``POST /calendar/overrides``: what the day (or, for an outreach event, the days from ``date``) becomes."""

    kind: OverrideKind
    site: SiteId
    date: date
    days: Days = 1
    opens_at: Hhmm | None = None
    closes_at: Hhmm | None = None
    last_ticket_at: Hhmm | None = None
    services: Services = ()
    counters: Counters = ()
    venue: Venue = ""
    address: Text = ""
    note: Text = ""


class OverrideChange(Body):
    """``PATCH /calendar/overrides/{id}``: the fields to change (kind and site stay; remove and add instead).
    ``last_ticket_at: null`` goes back to "as long before closing as on weekdays"."""

    date: date | msgspec.UnsetType = msgspec.UNSET
    days: Days | msgspec.UnsetType = msgspec.UNSET
    opens_at: Hhmm | msgspec.UnsetType = msgspec.UNSET
    closes_at: Hhmm | msgspec.UnsetType = msgspec.UNSET
    last_ticket_at: Hhmm | msgspec.UnsetType | None = msgspec.UNSET
    services: Services | msgspec.UnsetType = msgspec.UNSET
    counters: Counters | msgspec.UnsetType = msgspec.UNSET
    venue: Venue | msgspec.UnsetType = msgspec.UNSET
    address: Text | msgspec.UnsetType = msgspec.UNSET
    note: Text | msgspec.UnsetType = msgspec.UNSET


def calendar_of(request: Request[Any, Any, Any]) -> CalendarStore:
    return runtime(request).calendar


def _may_change(request: Request[Any, Any, Any], site: str) -> None:
    """Only an admin who has the site (403 for an admin limited to other sites)."""
    check(caller(request), site, ADMINS, ())


@get("/calendar/overrides", guards=[admins], summary="Calendar overrides of the caller's sites")
async def list_overrides(
    request: Request[Any, Any, Any],
    site: FromQuery[str | None] = None,
    first: Annotated[date | None, QueryParameter(name="from")] = None,
    last: Annotated[date | None, QueryParameter(name="to")] = None,
) -> list[dict[str, Any]]:
    """Every override of ``site`` (else of every site the caller has) that covers a date from ``from`` to ``to``
    (both optional), by date."""
    rt = runtime(request)
    who = caller(request)
    if site is not None:
        rt.store.site(site)
        _may_change(request, site)
    sites = [site] if site else [s.id for s in rt.config.sites if isinstance(who, Staff) and who.may_use_site(s.id)]
    found = [o for s in sites for o in await calendar_of(request).read(s)]
    kept = [o for o in found if (first is None or o.dates()[-1] >= first) and (last is None or o.date <= last)]
    return [record(o) for o in sorted(kept, key=lambda o: (o.date, o.site, o.id))]


@post("/calendar/overrides", guards=[admins], status_code=201, summary="Add a calendar override")
async def add_override(request: Request[Any, Any, Any], data: JSONBody[NewOverride]) -> dict[str, Any]:
    runtime(request).store.site(data.site)
    _may_change(request, data.site)
    draft = msgspec.convert(msgspec.to_builtins(data) | {"id": ""}, CalendarOverride)
    entry = audit_entry(request, "calendar.add")
    return record(await calendar_of(request).add(draft, by=operator(request), audit=entry))


@patch("/calendar/overrides/{override_id:str}", guards=[admins], summary="Change a calendar override")
async def change_override(
    request: Request[Any, Any, Any], override_id: FromPath[str], data: JSONBody[OverrideChange]
) -> dict[str, Any]:
    calendar = calendar_of(request)
    _may_change(request, calendar.site_of(override_id))
    changes = {f: v for f in data.__struct_fields__ if (v := getattr(data, f)) is not msgspec.UNSET}
    entry = audit_entry(request, "calendar.change")
    return record(await calendar.change(override_id, changes, by=operator(request), audit=entry))


@delete("/calendar/overrides/{override_id:str}", guards=[admins], status_code=200, summary="Remove a calendar override")
async def remove_override(request: Request[Any, Any, Any], override_id: FromPath[str]) -> dict[str, Any]:
    """The config file's days are back for the override's dates; answers the override as it was."""
    calendar = calendar_of(request)
    _may_change(request, calendar.site_of(override_id))
    return record(await calendar.remove(override_id, audit=audit_entry(request, "calendar.remove")))


ROUTES = [list_overrides, add_override, change_override, remove_override]
