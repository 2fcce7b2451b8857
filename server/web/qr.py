"""The QR code of a visitor's status page as SVG, for the kiosk's ticket screen.

Drawn by the server from the same encoder the printed ticket uses (``printers.qr``), so the kiosk needs no
script library and nothing from the internet. The ticket must exist: this is not a QR service for any text.
Rate-limited like the status page itself, since the URL holds the ticket token.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from printers.qr import qr_matrix
from server.api.common import limit, runtime
from server.auth.guards import public
from server.auth.limits import STATUS_PER_MINUTE

QUIET_ZONE = 4
"""Modules of white border the QR standard asks for around the symbol."""


def qr_svg(data: str) -> str:
    """An SVG of the QR code of ``data``: one path of unit squares, scaled by the page."""
    rows = qr_matrix(data)
    size = len(rows) + 2 * QUIET_ZONE
    cells = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h1v1h-1z"
        for y, row in enumerate(rows)
        for x, dark in enumerate(row)
        if dark
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{cells}"/></svg>'
    )


@get(
    "/api/v1/tickets/by-token/{token:str}/qr.svg",
    guards=[public],
    summary="QR code (SVG) of a visitor's status page",
    include_in_schema=False,
)
async def ticket_qr(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[str]:
    await limit(request, "status", STATUS_PER_MINUTE)
    rt = runtime(request)
    await rt.store.ticket_by_token(token)  # 404 not_found for a token that names no ticket
    return Response(
        qr_svg(rt.status_url(token)),
        media_type="image/svg+xml",
        headers={"cache-control": "private, max-age=86400"},
    )


ROUTES = [ticket_qr]
