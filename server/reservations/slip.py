"""The confirmation slip of a reservation: what it says, as a print job and as a PNG of the print.

The slip goes through the printer layer like a ticket (``printers.ticket.render_reservation_slip``): the
PNG is the preview of exactly the raster bytes a printer gets. It carries the code (large, and as a QR
code the kiosk's scanner reads), the site, the service, the date and the time; never the name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from printers.labels import wareki
from printers.preview import preview_png
from printers.ticket import Layout, TicketData, render_ticket
from printers.uri import parse_printer_uri
from server.config import Config
from server.reservations import codes

SLIP_URI = "preview:///slips?width=80&mode=raster"
"""The paper the PNG shows: 80 mm, raster (as most kiosk printers)."""
_WEEKDAYS = "月火水木金土日"


def slip_data(config: Config, r: dict[str, Any], *, training: bool) -> TicketData:
    """The slip of reservation ``r`` (the staff view) as the printer layer takes it."""
    site = config.site(r["site"])
    service = config.service(r["service"])
    day = dt.date.fromisoformat(r["date"])
    early = config.reservations.checkin_early_min
    return TicketData(
        number=codes.spaced(r["code"]),
        site_name=site.name if site else r["site"],
        service_name=service.name if service else r["service"],
        service_name_local=None,
        lang="ja",
        waiting_ahead=0,
        estimated_wait_min=0,
        issued_at=dt.datetime.combine(day, dt.time.fromisoformat(r["start"]), ZoneInfo(config.timezone)),
        status_url=r["code"],
        training=training,
        service_name_en=service.name_en if service else None,
        kind="reservation",
        lines=(f"{wareki(day)}（{_WEEKDAYS[day.weekday()]}）", f"{r['start']}〜{r['end']}"),
        notes=(
            "当日、受付機で予約番号を入力するか",
            "このQRコードをかざしてください。",
            f"受付は予約時刻の{early}分前からです。",
        ),
    )


def slip_png(config: Config, r: dict[str, Any], *, training: bool) -> bytes:
    """A PNG of the printed slip (80 mm raster)."""
    spec = parse_printer_uri(SLIP_URI)
    data = render_ticket(slip_data(config, r, training=training), Layout(), spec.profile)
    return preview_png(data, spec.profile.dots)
