"""The application factory and its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.types import Receive, Scope, Send
from redis.exceptions import RedisError

from board import routes as board_pages
from kiosk import routes as kiosk_pages
from server import health, ws
from server.admin import calendar as admin_calendar
from server.admin import routes as admin_pages
from server.api import admin, auth, errors, notices, office, printing, public, staff
from server.api import calendar as calendar_api
from server.api import imports as import_api
from server.api import reports as report_api
from server.api import reservations as reservation_api
from server.api import services as service_api
from server.api.fast_issue import FastIssue
from server.auth.middleware import auth_middleware, security_headers
from server.auth.passwords import Hasher
from server.clock import Clock
from server.config import Config, load_config
from server.console import routes as console_pages
from server.office import routes as office_pages
from server.office.store import OfficeStore
from server.phone import routes as phone_pages
from server.reports import pages as report_pages
from server.reservations.jobs import run_reservation_jobs
from server.reservations.store import ReservationStore
from server.runtime import Runtime
from server.settings import Settings, limit_sites
from server.storeclient import persistence
from server.web import index as web_index
from server.web import pages as web_pages
from server.web import qr as web_qr

log = logging.getLogger("madoguchi")

DAY_CLOSE_INTERVAL_S = 60.0


class PersistenceError(RuntimeError):
    """The external Redis keeps no append-only file and strict persistence was asked for."""


async def check_persistence(rt: Runtime) -> None:
    """Warn loudly (or refuse, when strict) when the store would lose acknowledged tickets on a crash: asks the one
    server, the Sentinel group's master, or every master of a Cluster."""
    try:
        found = await persistence(rt.redis)
    except (RedisError, OSError) as exc:
        log.warning("could not read the store's persistence settings (%s); make sure AOF is on", exc)
        return
    for node, appendonly, fsync in found:
        where = f" (Cluster master {node})" if node else ""
        if appendonly != "yes":
            msg = (
                f"the Redis/Valkey server at MADOGUCHI_REDIS_URL{where} has appendonly=no: a crash or restart of it "
                "loses issued tickets. Turn on AOF (appendonly yes, appendfsync always)."
            )
            if rt.settings.strict_persistence:
                raise PersistenceError(msg)
            log.warning("WARNING: %s", msg)
        elif fsync != "always":
            log.warning(
                "the store%s fsyncs its AOF %s, not always: a crash may lose the last second of tickets", where, fsync
            )


async def _day_jobs(rt: Runtime) -> None:
    """Every minute: close and archive the past dates nobody closed. Once a day (and at start): delete what is
    past the archive's retention. Both are safe in several processes at once (each date is archived once)."""
    purged_on: date | None = None
    while True:
        try:
            for site, day, n in await rt.store.close_past_days():
                log.info("closed and archived business date %s of %s: %d tickets unserved", day, site, n)
            today = rt.store.business_date()
            if purged_on != today:
                for site, day in await rt.store.purge_past_retention():
                    log.info("deleted business date %s of %s: past the archive's retention", day, site)
                purged_on = today
        except Exception as exc:  # the next round retries; the reason is logged once per round
            log.warning("day close of past dates or the retention purge failed: %s", exc)
        await asyncio.sleep(DAY_CLOSE_INTERVAL_S)


class App(Litestar):
    """The server: Litestar, with a kiosk's issue request answered before it (``server.api.fast_issue``)."""

    fast_issue: FastIssue

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            await self.fast_issue(scope, receive, send, self._framework)
            return
        await super().__call__(scope, receive, send)

    async def _framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    redis_url: str,
    config: Config | None = None,
    clock: Clock | None = None,
    embedded: bool = False,
    hasher: Hasher | None = None,
) -> Litestar:
    """Build the app. ``redis_url`` is the store to use (the CLI starts the embedded one when needed)."""
    config = limit_sites(config or load_config(settings.config_path), settings.sites)
    clock = clock or Clock(config.timezone, settings.clock_start)
    rt = Runtime(settings=settings, config=config, clock=clock, redis_url=redis_url, hasher=hasher)
    resv = ReservationStore(rt.store)
    office_store = OfficeStore(rt.store)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if not embedded:
            await check_persistence(rt)
        await rt.start()
        closer = asyncio.create_task(_day_jobs(rt), name="day-close")
        resv_jobs = asyncio.create_task(run_reservation_jobs(resv), name="reservation-jobs")
        try:
            yield
        finally:
            closer.cancel()
            resv_jobs.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await closer
            with contextlib.suppress(asyncio.CancelledError):
                await resv_jobs
            await rt.stop()

    api = Router(
        path="/api/v1",
        route_handlers=[
            *public.ROUTES,
            *staff.ROUTES,
            *auth.AUTH_ROUTES,
            *admin.ROUTES,
            *printing.ROUTES,
            *notices.ROUTES,
            *calendar_api.ROUTES,
            *reservation_api.ROUTES,
            *office.ROUTES,
            *report_api.ROUTES,
            *service_api.ROUTES,
            *import_api.ROUTES,
        ],
    )
    pages = [
        *web_index.ROUTES,
        *web_pages.STATIC_ROUTES,
        *web_qr.ROUTES,
        *kiosk_pages.ROUTES,
        *board_pages.ROUTES,
        *phone_pages.ROUTES,
        *console_pages.ROUTES,
        *office_pages.ROUTES,
        *admin_pages.ROUTES,
        *report_pages.ROUTES,
        *admin_calendar.ROUTES,
    ]
    app = App(
        route_handlers=[*health.ROUTES, *auth.PAGE_ROUTES, api, ws.site_socket, ws.ticket_socket, *pages],
        template_config=web_pages.template_config(
            [
                kiosk_pages.TEMPLATES,
                board_pages.TEMPLATES,
                phone_pages.TEMPLATES,
                console_pages.TEMPLATES,
                office_pages.TEMPLATES,
                admin_pages.TEMPLATES,
                report_pages.TEMPLATES,
                admin_calendar.TEMPLATES,
            ]
        ),
        exception_handlers=errors.HANDLERS,
        middleware=[auth_middleware],
        before_send=[security_headers],
        lifespan=[lifespan],
        state=State({"runtime": rt, "reservations": resv, "office": office_store}),
        # JSON at /schema itself: the sites are offline LANs, so no documentation UI that loads from a CDN.
        openapi_config=OpenAPIConfig(
            title="madoguchi",
            version="0.1.0",
            path="/schema",
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        ),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            loggers={"madoguchi": {"level": "INFO", "propagate": True}},
            log_exceptions="debug",
        ),
    )
    app.fast_issue = FastIssue(rt)
    return app
