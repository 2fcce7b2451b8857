"""The "please come back" slip (受付休止のお知らせ) of a ticket the guide cancels because its service is paused.

It goes through the printer layer like a ticket (``printers.ticket.render_paused_slip``): the service that was
stopped and why (Japanese, and the visitor's language), the number that was cancelled, the date and time, and a
request to come back another day. No QR code and no big number: it must not pass for a ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from printers.preview import preview_png
from printers.ticket import Layout, TicketData, render_ticket
from printers.uri import parse_printer_uri
from server.config import Config

SLIP_URI = "preview:///slips?width=80&mode=raster"
"""The paper the PNG shows: 80 mm, raster (as most kiosk printers)."""


def paused_slip_data(
    config: Config, ticket: dict[str, str], pause: dict[str, Any], at: datetime, *, training: bool
) -> TicketData:
    """The slip of ``ticket`` (as stored) cancelled at ``at`` while its service was paused for ``pause``."""
    site = config.site(str(ticket["id"]).partition(".")[0])
    service = config.service(ticket["service"])
    lang = ticket.get("lang") or "ja"
    names = dict(service.names) if service else {}
    local = (service.name_en if lang == "en" else names.get(lang)) if service else None
    reason_en = pause.get("reason_en") or ""
    return TicketData(
        number=ticket["number"],
        site_name=site.name if site else "",
        service_name=service.name if service else ticket["service"],
        service_name_local=local,
        lang=lang,
        waiting_ahead=0,
        estimated_wait_min=0,
        issued_at=at,
        status_url=None,
        training=training,
        service_name_en=service.name_en if service else None,
        kind="paused",
        lines=(str(pause.get("reason_ja") or ""),),
        notes=(reason_en,) if reason_en else (),
    )


def paused_slip_png(data: TicketData) -> bytes:
    """A PNG of the printed slip (80 mm raster), as the printer gets it."""
    spec = parse_printer_uri(SLIP_URI)
    return preview_png(render_ticket(data, Layout(), spec.profile), spec.profile.dots)
