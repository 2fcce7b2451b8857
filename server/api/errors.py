"""One mapping from failures to the error body of DESIGN §4: ``{"code", "detail"}``.

Domain errors carry their code; Litestar's own HTTP errors (bad JSON, failed validation, unknown route,
wrong method) get a code from their status; a Redis outage is 503 ``store_unavailable``. A refusal for
too many requests (429) always says in ``Retry-After`` how many seconds to wait. A body nested deeper than
the JSON decoder follows is bad input like any other malformed body (400 ``validation_error``), not a
crash. Nothing a client sends can produce a 500: the last handler logs the unexpected and answers
``internal_error``.

A 403 or 404 that a person meets in a browser (an unknown address such as ``/foo``) is a bilingual HTML page with a
way back instead (``server.web.pages.wants_page`` decides by the path and ``Accept``; ``/api/…`` stays JSON).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from redis.exceptions import RedisError

from server.auth.accounts import RateLimited
from server.queue.errors import DomainError
from server.web.pages import error_page, wants_page

log = logging.getLogger("madoguchi.api")

DECODER_RECURSION = "while deserializing an object"
"""How msgspec's message ends when a document nests deeper than it will follow (1,000 levels of ``[``)."""

PAGE_STATUSES = frozenset({403, 404})
"""Errors a browser gets as a page (``server.web.pages.error_page``) on a page address."""

CODE_OF_STATUS = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "store_unavailable",
}


def error_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response({"code": code, "detail": detail}, status_code=status, media_type=MediaType.JSON, headers=headers)


def retry_after(exc: RateLimited) -> dict[str, str]:
    """The ``Retry-After`` header of a 429: whole seconds, at least one."""
    return {"Retry-After": str(max(1, int(exc.retry_after)))}


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if exc.status_code in PAGE_STATUSES and wants_page(request):
        return error_page(request, exc.status_code)
    headers = retry_after(exc) if isinstance(exc, RateLimited) else None
    return Response(exc.body(), status_code=exc.status_code, media_type=MediaType.JSON, headers=headers)


def _validation_detail(exc: ValidationException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in extra:
        if isinstance(item, dict):
            key = item.get("key")
            msg = item.get("message", "")
            parts.append(f"{key}: {msg}" if key else str(msg))
    return "; ".join(parts) or str(exc.detail)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status in PAGE_STATUSES and wants_page(request):
        return error_page(request, status)
    if status >= 500 and status != 503:
        log.error("server error %d on %s %s", status, request.method, request.url.path, exc_info=exc)
    code = getattr(exc, "code", None) or CODE_OF_STATUS.get(status, "error" if status < 500 else "internal_error")
    detail = _validation_detail(exc) if isinstance(exc, ValidationException) else str(exc.detail)
    return error_response(status, code, detail, headers=exc.headers)


STORE_UNAVAILABLE = "the queue store cannot be reached; try again in a moment"
STORE_ERRORS = (RedisError, ConnectionError, TimeoutError, OSError)
"""A store command or a pool wait that failed or ran out of time: sockets to the store are the only I/O a request
does."""


def error_of(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, body and extra headers of a failure outside the framework's own errors, for a route that answers
    without the framework (``server.api.fast_issue``): the same answers the handlers below give."""
    if isinstance(exc, DomainError):
        return exc.status_code, exc.body(), retry_after(exc) if isinstance(exc, RateLimited) else None
    if isinstance(exc, STORE_ERRORS):
        log.warning("store error: %s", exc)
        return 503, {"code": "store_unavailable", "detail": STORE_UNAVAILABLE}, None
    log.exception("unexpected error", exc_info=exc)
    return 500, {"code": "internal_error", "detail": "an unexpected error occurred; it has been logged"}, None


def redis_error(request: Request[Any, Any, Any], exc: RedisError) -> Response[Any]:
    log.warning("store error on %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, "store_unavailable", STORE_UNAVAILABLE)


def too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """msgspec refuses to follow nesting past the interpreter's recursion limit: the body is unreadable input.

    Any other ``RecursionError`` is a fault of ours and goes to ``unexpected_error``.
    """
    if not str(exc).endswith(DECODER_RECURSION):
        return unexpected_error(request, exc)
    log.info("refused a too deeply nested body on %s %s", request.method, request.url.path)
    return error_response(400, "validation_error", "the body is nested too deeply to be read")


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    HTTPException: http_error,
    RedisError: redis_error,
    RecursionError: too_deep,
    ConnectionError: redis_error,
    TimeoutError: redis_error,  # a store command or a pool wait that ran out of time
    OSError: redis_error,  # sockets to the store are the only I/O a request does
    Exception: unexpected_error,
}
