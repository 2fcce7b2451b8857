"""One mapping from failures to the error body of DESIGN §4: ``{"code", "detail"}``.

Domain errors carry their code; Litestar's own HTTP errors (bad JSON, failed validation, unknown route,
wrong method) get a code from their status; a Redis outage is 503 ``store_unavailable``. Nothing a
client sends can produce a 500: the last handler logs the unexpected and answers ``internal_error``.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from redis.exceptions import RedisError

from server.queue.errors import DomainError

log = logging.getLogger("madoguchi.api")

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


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return error_response(exc.status_code, exc.code, exc.detail)


def _validation_detail(exc: ValidationException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in extra:
        if isinstance(item, dict):
            key = item.get("key")
            msg = item.get("message", "")
            parts.append(f"{key}: {msg}" if key else str(msg))
    return "; ".join(parts) or str(exc.detail)


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    code = getattr(exc, "code", None) or CODE_OF_STATUS.get(status, "error" if status < 500 else "internal_error")
    detail = _validation_detail(exc) if isinstance(exc, ValidationException) else str(exc.detail)
    return error_response(status, code, detail, headers=exc.headers)


def redis_error(request: Request[Any, Any, Any], exc: RedisError) -> Response[Any]:
    log.warning("store error on %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, "store_unavailable", "the queue store cannot be reached; try again in a moment")


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    HTTPException: http_error,
    RedisError: redis_error,
    ConnectionError: redis_error,
    TimeoutError: redis_error,  # a store command or a pool wait that ran out of time
    OSError: redis_error,  # sockets to the store are the only I/O a request does
    Exception: unexpected_error,
}
