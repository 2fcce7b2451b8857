"""Service pause for upstream outages (DESIGN §10): pause and resume a service of a site, and what the guide does
for the visitors already waiting for it: move a ticket to another service, or cancel it with a printed "please come
back" slip (a reservation for them is booked through ``POST /api/v1/reservations``, then the ticket cancelled).

Pause and resume: the guide, managers and admins of the site. A pause is one store script with its
``service.changed`` event and its audit entry (``lua/service_pause.lua``). Pausing a paused service changes its
reasons; resuming a service that runs is a no-op answered 200 with ``changed: false`` (two consoles, one outage:
both may press "resume", neither gets an error). While a service is paused, issuing it answers 409
``service_paused`` with the reasons (the issuing script checks it, atomically with the pause), and nothing is
moved to it; a reservation's check-in still issues its ticket (docs/PAGES.md, "Service pause").
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.params import FromPath, JSONBody

from server.api.common import audit_entry, operator, runtime
from server.api.schemas import Body, Transfer
from server.auth.guards import ISSUE_ROLES, allow
from server.projection import pause_view
from server.queue import errors
from server.queue.models import Action
from server.service_slip import paused_slip_data

site_issuers = allow(*ISSUE_ROLES, site="site")
ticket_issuers = allow(*ISSUE_ROLES, site="ticket")

REASON_MAX = 200
Reason = Annotated[str, msgspec.Meta(max_length=REASON_MAX)]
PrinterId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class PauseService(Body):
    reason_ja: Reason
    reason_en: Reason = ""


class PausedSlip(Body):
    printer: PrinterId | None = None
    """A printer of the site to try first (the one at the reception desk); the site's usual order otherwise."""


def one_line(text: str, field: str) -> str:
    """A reason as kiosks, boards and the slip show it: one line, trimmed."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise errors.ValidationFailed(f"{field}: one line of text, without line breaks or control characters")
    return text.strip()


def _answer(site: str, service: str, changed: bool, pause: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "site": site,
        "service": service,
        "paused": pause is not None,
        "pause": pause_view(pause, staff=True),
        "changed": changed,
    }


@post("/sites/{site:str}/services/{service:str}/pause", guards=[site_issuers], status_code=200,
      summary="Pause a service (an upstream outage), saying why")  # fmt: skip
async def pause(
    request: Request[Any, Any, Any], site: FromPath[str], service: FromPath[str], data: JSONBody[PauseService]
) -> dict[str, Any]:
    """``reason_ja`` (required) and ``reason_en`` are shown on the kiosk, the boards and the visitor pages of the
    waiting tickets, and printed on the slips. Pausing a paused service again changes its reasons."""
    reason_ja = one_line(data.reason_ja, "reason_ja")
    reason_en = one_line(data.reason_en, "reason_en")
    if not reason_ja:
        raise errors.ValidationFailed("reason_ja: say why the service is paused (kiosks and boards show it)")
    rt = runtime(request)
    entry = audit_entry(request, "service.pause", site=site, detail=f"{service}: {reason_ja}")
    changed, paused = await rt.store.pause_service(site, service, reason_ja, reason_en, by=operator(request),
                                                   audit=entry)  # fmt: skip
    return _answer(site, service, changed, paused)


@post("/sites/{site:str}/services/{service:str}/resume", guards=[site_issuers], status_code=200,
      summary="Resume a paused service")  # fmt: skip
async def resume(request: Request[Any, Any, Any], site: FromPath[str], service: FromPath[str]) -> dict[str, Any]:
    """Issuing it again. A service that is not paused stays as it is: 200 with ``changed: false``."""
    rt = runtime(request)
    entry = audit_entry(request, "service.resume", site=site, detail=service)
    changed = await rt.store.resume_service(site, service, by=operator(request), audit=entry)
    return _answer(site, service, changed, None)


@post("/tickets/{ticket_id:str}/move", guards=[ticket_issuers], status_code=200,
      summary="Move a waiting ticket to another service")  # fmt: skip
async def move(request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[Transfer]) -> dict[str, Any]:
    """A waiting ticket waits for another service offered today (not a paused one): same number, and its place
    there by issue order (a checked-in reservation: by its slot). Event ``ticket.moved``; kept on the ticket as a
    transfer."""
    rt = runtime(request)
    entry = audit_entry(request, "ticket.move", site=rt.store.site_of_ticket(ticket_id),
                        detail=" ".join(v for v in (data.service, data.note) if v))  # fmt: skip
    moved = await rt.store.act(ticket_id, Action.MOVE, operator=operator(request), service=data.service,
                               note=data.note, audit=entry)  # fmt: skip
    return rt.staff_ticket(moved)


@post("/tickets/{ticket_id:str}/cancel-with-slip", guards=[ticket_issuers], status_code=200,
      summary="Cancel a ticket of a paused service and print a 'please come back' slip")  # fmt: skip
async def cancel_with_slip(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[PausedSlip | None] = None
) -> dict[str, Any]:
    """The ticket is cancelled (as ``/cancel`` does) and a slip printed for the visitor: the service was stopped
    and why, the number, the date, please come back another day (Japanese and the ticket's language). Only while
    the ticket's service is paused (else 409 ``service_not_paused``)."""
    rt = runtime(request)
    site = rt.store.site_of_ticket(ticket_id)
    ticket, _ = await rt.store.ticket(ticket_id)
    pause = (await rt.store.paused_services(site)).get(ticket["service"])
    if pause is None:
        raise errors.DomainError(f"{ticket['service']} is not paused: cancel the ticket without a slip",
                                 code="service_not_paused", status_code=409)  # fmt: skip
    printer = data.printer if data else None
    if printer is not None and printer not in [p.id for p in rt.printing.printers[site]]:
        raise errors.ValidationFailed(f"printer: no printer {printer!r} at {site}")
    entry = audit_entry(request, "ticket.cancel", site=site, detail=f"paused {ticket['service']}: slip")
    cancelled = await rt.store.act(ticket_id, Action.CANCEL, operator=operator(request), audit=entry)
    slip = paused_slip_data(rt.config, cancelled, pause, rt.clock.now(), training=rt.clock.training)
    job = await rt.printing.enqueue(site, f"slip:{ticket_id}", slip, first=printer)
    return {"ticket": rt.staff_ticket(cancelled), "print_job": job}


ROUTES = [pause, resume, move, cancel_with_slip]
