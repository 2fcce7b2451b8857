"""Domain errors. Each carries the machine-readable ``code`` of DESIGN §4 and the HTTP status it maps to.

One handler in ``server.api.errors`` turns every ``DomainError`` into ``{"code", "detail"}``; nothing else
decides status codes for domain failures.
"""

from __future__ import annotations

import json
from typing import Any


class DomainError(Exception):
    """A request the domain refuses. It changed nothing."""

    code: str = "domain_error"
    status_code: int = 409

    def __init__(self, detail: str, *, code: str | None = None, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code

    def body(self) -> dict[str, Any]:
        """The error body of DESIGN §4: ``{"code", "detail"}``, and what else a refusal tells its caller."""
        return {"code": self.code, "detail": self.detail}


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status_code = 409


class NotFound(DomainError):
    code = "not_found"
    status_code = 404


class UnknownSite(DomainError):
    code = "unknown_site"
    status_code = 404


class UnknownService(DomainError):
    code = "unknown_service"
    status_code = 404


class UnknownCounter(DomainError):
    code = "unknown_counter"
    status_code = 404


class SiteClosed(DomainError):
    code = "site_closed"
    status_code = 409


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    status_code = 409


class NoWaitingTicket(DomainError):
    code = "no_waiting_ticket"
    status_code = 404


class CounterNotOpen(DomainError):
    code = "counter_not_open"
    status_code = 409


class CounterNotInUse(DomainError):
    """The counter is not set up on this date (City Hall's meeting room outside November–March)."""

    code = "counter_not_in_use"
    status_code = 409


class HoldRefusal(DomainError):
    """Refused because a ticket is held. The store script refuses with JSON for its detail (``{number, counter,
    detail}``, _lib.lua ``held_refusal``); the answer adds ``held``: the held ticket's number and its counter's id,
    which a console names in its own language (the detail is English)."""

    def __init__(self, detail: str) -> None:
        self.held = {"number": "", "counter": ""}
        if detail.startswith("{"):
            found = json.loads(detail)
            detail = str(found.get("detail", ""))
            self.held = {"number": str(found.get("number", "")), "counter": str(found.get("counter", ""))}
        super().__init__(detail)

    def body(self) -> dict[str, Any]:
        """``{"code", "detail", "held": {"number", "counter"}}``."""
        return {**super().body(), "held": self.held}


class CounterBusy(HoldRefusal):
    """The counter holds a called or serving ticket (a call, or closing the counter, waits for it)."""

    code = "counter_busy"
    status_code = 409


class TooManyNotices(DomainError):
    code = "too_many_notices"
    status_code = 409


class OperatorBusy(HoldRefusal):
    """The operator already holds a called or serving ticket (at any counter of the site)."""

    code = "operator_busy"
    status_code = 409


class ActionKeyReused(DomainError):
    """An ``Idempotency-Key`` sent again with another action, ticket or counter."""

    code = "idempotency_key_reused"
    status_code = 409


class DayClosed(DomainError):
    """The business date was closed (and archived): nothing is issued, checked in, booked or moved to it any more."""

    code = "day_closed"
    status_code = 409


class ServicePaused(DomainError):
    """The service is paused at the site (an upstream outage): nothing is issued for it, nothing moved to it.

    The store script refuses with the pause as stored (JSON) for its detail; ``pause`` holds what a visitor may
    read of it (the service, the reasons in Japanese and English, since when), and the detail says it in words.
    """

    code = "service_paused"
    status_code = 409
    PUBLIC = ("service", "reason_ja", "reason_en", "since")

    def __init__(self, detail: str, *, pause: dict[str, Any] | None = None) -> None:
        if pause is None and detail.startswith("{"):
            pause = json.loads(detail)
        self.pause: dict[str, Any] = {k: (pause or {}).get(k) for k in self.PUBLIC}
        if pause is not None:
            detail = f"{self.pause['service']} is paused: {self.pause['reason_ja']}"
        super().__init__(detail)

    def body(self) -> dict[str, Any]:
        """With the pause: ``{"code", "detail", "service", "reason_ja", "reason_en", "since"}``."""
        return {**super().body(), **self.pause}


class NotArchived(DomainError):
    """A past business date with no archive and no tickets: there is nothing to read back."""

    code = "not_archived"
    status_code = 404


class ValidationFailed(DomainError):
    code = "validation_error"
    status_code = 400


class StoreUnavailable(DomainError):
    code = "store_unavailable"
    status_code = 503


_OF_SCRIPTS: dict[str, type[DomainError]] = {
    cls.code: cls
    for cls in (
        InvalidTransition,
        NotFound,
        NoWaitingTicket,
        CounterNotOpen,
        CounterBusy,
        TooManyNotices,
        OperatorBusy,
        ActionKeyReused,
        DayClosed,
        ServicePaused,
    )
}


def of_script(reply: str) -> DomainError | None:
    """The refusal a store script answered (``fail(code, detail)`` in _lib.lua: "code detail"), or None for an
    error reply that is no refusal of the queue's (a reservation script's own codes, a Redis error)."""
    code, _, detail = reply.partition(" ")
    cls = _OF_SCRIPTS.get(code)
    return cls(detail) if cls is not None else None
