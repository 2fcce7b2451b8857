"""Operational endpoints: liveness, readiness (Redis reachable and fan-out running), Prometheus metrics."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get
from redis.exceptions import RedisError

from server.runtime import Runtime


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    rt: Runtime = request.app.state.runtime
    try:
        redis_ok = bool(await rt.redis.ping())
    except (RedisError, OSError):
        redis_ok = False
    ready = redis_ok and rt.hub.ready
    body: dict[str, Any] = {"ready": ready, "redis": redis_ok, "fanout": rt.hub.ready}
    if not ready:
        body.update(code="not_ready", detail="the queue store or the event fan-out is not available")
    return Response(body, status_code=200 if ready else 503)


@get("/metrics", media_type=MediaType.TEXT, include_in_schema=False)
async def metrics(request: Request[Any, Any, Any]) -> str:
    rt: Runtime = request.app.state.runtime
    lines = [
        "# HELP madoguchi_ready 1 when Redis is reachable and the fan-out runs.",
        "# TYPE madoguchi_ready gauge",
        f"madoguchi_ready {int(rt.hub.ready)}",
        "# HELP madoguchi_websocket_clients Connected websocket clients per site.",
        "# TYPE madoguchi_websocket_clients gauge",
    ]
    lines += [f'madoguchi_websocket_clients{{site="{s}"}} {len(subs)}' for s, subs in rt.hub.subscribers.items()]
    lines += [
        "# HELP madoguchi_events_total Site events fanned out by this process.",
        "# TYPE madoguchi_events_total counter",
        f"madoguchi_events_total {rt.hub.events_seen}",
        "# HELP madoguchi_event_seq Last event seq seen per site.",
        "# TYPE madoguchi_event_seq gauge",
    ]
    lines += [f'madoguchi_event_seq{{site="{s}"}} {n}' for s, n in rt.hub.last_seq.items()]
    return "\n".join(lines) + "\n"


ROUTES = [healthz, readyz, metrics]
