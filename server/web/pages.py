"""What every HTML page shares: templates, static files, the page guard and its HTML refusals.

Pages are server-rendered Jinja2 plus plain ES modules (no build step, no CDN: the sites are offline LANs).
A page is guarded like an API route (``server.auth.guards.check``), but a person opening it in a browser must
see a page, not a JSON error: the guard raises ``PageRefused`` naming the template to show, and the route's own
exception handler renders it with the right status (401, 403, 404 for a site the configuration lacks, 503). A PC
whose device was revoked gets its refusal page saying so (``revoked``). The API keeps its JSON errors.

Any other 403 or 404 a browser meets (an unknown address, a page route that refuses) is the bilingual page
``web/error.html`` with a link back to ``/`` (``error_page``), when ``wants_page`` says a person asked:
the path is not under ``/api/``, ``/ws/`` or ``/static/`` and the ``Accept`` header names ``text/html``
(browsers send it when they open a page; scripts and the pages' own fetches ask for JSON).
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader
from litestar.file_system import BaseLocalFileSystem
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler, PathType
from litestar.types.file_types import FileInfo
from redis.exceptions import RedisError

from server.auth.accounts import Forbidden, Unauthorized
from server.auth.guards import Guard, SiteFrom, check, principal, public, site_of
from server.auth.middleware import DEVICE_COOKIE
from server.auth.principals import Device, DeviceKind, Role, Staff
from server.queue.errors import StoreUnavailable
from server.runtime import Runtime
from server.web import i18n, linebreak

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES = WEB_DIR / "templates"
STATIC = WEB_DIR / "static"

# Revalidate every time (ETag / Last-Modified): a kiosk never runs yesterday's script after an update.
NO_CACHE = CacheControlHeader(no_cache=True)


class PageRefused(Exception):
    """A page the caller may not see; ``template`` explains why (pairing, login form, wrong role)."""

    def __init__(self, status: int, template: str, reason: str, revoked: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.template = template
        self.reason = reason
        self.revoked = revoked
        """The device this browser was paired as, when it was revoked (its page says so)."""


async def revoked_device(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any] | None:
    """The revoked device whose cookie this browser still holds (a board or kiosk PC an admin revoked), if any."""
    token = connection.cookies.get(DEVICE_COOKIE)
    if not token or connection.scope.get("auth_unavailable"):
        return None
    try:
        found: dict[str, Any] | None = await connection.app.state.runtime.accounts.revoked_device(token)
    except (RedisError, OSError):
        return None
    return found


def page_guard(
    *roles: Role, devices: tuple[DeviceKind, ...] = (), refusals: Mapping[int, str], site_from: SiteFrom = "site"
) -> Guard:
    """A guard for a page of a site (path parameter ``site``, or as ``site_from`` says: ``"counter"`` for a
    counter's page, None for a page of no one site); refusals map 401/403/503 to templates."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        site = site_of(connection, site_from)
        if site_from == "site" and site is not None and connection.app.state.runtime.config.site(site) is None:
            raise PageRefused(404, "web/not_found.html", f"unknown site {site!r}")
        try:
            check(
                principal(connection), site, roles, devices, unverified=bool(connection.scope.get("auth_unavailable"))
            )
        except Unauthorized as exc:
            raise PageRefused(401, refusals[401], exc.detail, await revoked_device(connection)) from None
        except Forbidden as exc:
            raise PageRefused(403, refusals[403], exc.detail) from None
        except StoreUnavailable as exc:
            raise PageRefused(503, "web/unavailable.html", exc.detail) from None

    guard.__name__ = f"page_{'_'.join(r.value for r in roles) or '_'.join(d.value for d in devices)}"
    return guard


def runtime(request: Request[Any, Any, Any]) -> Runtime:
    """The process's runtime (config, clock, store), as the API routes get it."""
    rt: Runtime = request.app.state.runtime
    return rt


def context(request: Request[Any, Any, Any], *, lang: str = "ja", **extra: Any) -> dict[str, Any]:
    """What the base template needs: texts in ``lang``, training mode and the server's clock."""
    rt = runtime(request)
    return {
        "lang": lang,
        "html_lang": i18n.translate(lang, "lang.html"),
        "t": functools.partial(i18n.translate, lang),
        "translate": i18n.translate,
        "training": rt.clock.training,
        "server_now": rt.clock.now().isoformat(timespec="seconds"),
        "languages": list(rt.config.languages),
        **extra,
    }


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Template:
    """Render ``template`` with the base context (Japanese first: visitors may switch in the page itself)."""
    return Template(template_name=template, context=context(request, **extra), status_code=status, headers=headers)


def refused(request: Request[Any, Any, Any], exc: PageRefused) -> Template:
    """The HTML answer to a refused page (the exception handler of every page route)."""
    site_id = str(request.path_params.get("site", ""))
    site = runtime(request).config.site(site_id)
    who = principal(request)
    caller = "staff" if isinstance(who, Staff) else who.kind.value if isinstance(who, Device) else ""
    return page(
        request, exc.template, status=exc.status, site=site, site_id=site_id, reason=exc.reason, caller=caller,
        revoked=exc.revoked,
    )  # fmt: skip


def not_found(request: Request[Any, Any, Any], site_id: str) -> Template:
    """An HTML 404 for a page of a site the configuration does not have (a mistyped URL on a kiosk PC)."""
    return page(request, "web/not_found.html", status=404, site=None, site_id=site_id)


NOT_PAGES = frozenset({"api", "ws", "static"})
"""First path segments whose errors stay JSON whoever asks: the API, the websockets and the plain files."""


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """A person opened this address in a browser: answer an error with a page, not ``{"code", "detail"}``."""
    first = request.scope["path"].split("/", 2)[1]
    return first not in NOT_PAGES and "text/html" in request.headers.get("accept", "")


def error_page(request: Request[Any, Any, Any], status: int) -> Template:
    """The bilingual page of a 403 or 404 (anything else: the 404's), with a link back to ``/``."""
    kind = "forbidden" if status == 403 else "not_found"
    return page(request, "web/error.html", status=status, kind=kind, path=request.scope["path"])


def template_config(directories: Sequence[Path]) -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja2 over the shared templates and each page folder's own (``kiosk/templates``, later ``board/``), with
    the ``phrases`` filter (phrase breaks in Japanese text, ``server.web.linebreak``)."""
    return TemplateConfig(
        directory=[TEMPLATES, *directories], engine=JinjaTemplateEngine, engine_callback=linebreak.register
    )


NO_SUCH_NAME = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL})
"""Errors of looking up a name no file has or can have (through a file, too long, a loop): not there."""


class StaticFiles(BaseLocalFileSystem):
    """The local disk, where a name no file can have is simply not there.

    Litestar's adapter turns every ``OSError`` of a lookup but "no such file" into a 500, and a NUL byte
    (``/static/web/api.js%00.png``) into a ``ValueError``; a mistyped or hostile URL must get the same
    404 ``not_found`` as any other missing file.
    """

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        try:
            return await super().info(path, **kwargs)
        except ValueError:  # an embedded NUL byte
            raise FileNotFoundError(errno.ENOENT, "no such file") from None
        except OSError as exc:
            if exc.errno in NO_SUCH_NAME:
                raise FileNotFoundError(errno.ENOENT, "no such file") from None
            raise


def static_router(path: str, directory: Path, name: str) -> Router:
    """Plain files (ES modules, CSS, catalogs) anyone on the LAN may fetch; they hold no data."""
    return create_static_files_router(
        path=path,
        directories=[directory],
        file_system=StaticFiles(),
        name=name,
        guards=[public],
        cache_control=NO_CACHE,
    )


STATIC_ROUTES: list[ControllerRouterHandler] = [
    static_router("/static/web", STATIC, "static-web"),
    static_router("/static/i18n", i18n.CATALOG_DIR, "static-i18n"),
]
