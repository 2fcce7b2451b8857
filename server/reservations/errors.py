"""Reservation errors: domain errors (``{"code", "detail"}``), some with more for the caller in ``extra``."""

from __future__ import annotations

from typing import Any

from server.queue.errors import DomainError


class ReservationError(DomainError):
    """A refused reservation request; ``extra`` is merged into the error body."""

    def __init__(self, detail: str, *, code: str | None = None, status_code: int | None = None, **extra: Any) -> None:
        super().__init__(detail, code=code, status_code=status_code)
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {**super().body(), **self.extra}


class Invalid(ReservationError):
    """Same code and status as every other validation error of the API (server.queue.errors.ValidationFailed)."""

    code = "validation_error"
    status_code = 400


class NotReservable(ReservationError):
    """Same code and status as a ticket for a service not offered (server.queue.errors.ServiceUnavailable)."""

    code = "service_unavailable"
    status_code = 409


class SlotFull(ReservationError):
    code = "slot_full"
    status_code = 409


class NotFound(ReservationError):
    code = "reservation_not_found"
    status_code = 404


class CsvInvalid(ReservationError):
    code = "csv_invalid"
    status_code = 422


STATUS_OF_CODE: dict[str, int] = {
    "reservation_not_found": 404,
    "reservation_not_today": 409,
    "reservation_wrong_site": 409,
    "already_checked_in": 409,
    "reservation_cancelled": 409,
    "reservation_no_show": 409,
    "checkin_too_early": 409,
    "checkin_too_late": 409,
    "slot_full": 409,
}


def refused(code: str, detail: str, **extra: Any) -> ReservationError:
    """The error for a refusal ``code`` of a script or a rule."""
    return ReservationError(detail, code=code, status_code=STATUS_OF_CODE.get(code, 409), **extra)
