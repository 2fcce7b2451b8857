"""Ticket printing: layout to ESC/POS bytes (pure), transports to printers, status, a fake printer.

``printers`` never imports ``server``: the server builds ``TicketData`` from its own models.

    from printers import Layout, PrinterProfile, TicketData, open_transport, render_ticket
    data = render_ticket(ticket, Layout(), PrinterProfile(width_mm=80, mode="raster"))
    transport = open_transport("tcp://192.168.1.50:9100?mode=kanji")
    await transport.send(data)
    status = await transport.status()  # status.state: ok / paper_near_end / paper_out / cover_open / offline / unknown
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from printers.errors import PrinterConnectionError, PrinterError, PrinterTimeoutError, PrinterUnavailableError
from printers.profile import PrinterProfile
from printers.status import PrinterStatus, parse_status
from printers.uri import PrinterSpec, Timeouts, parse_printer_uri

if TYPE_CHECKING:  # the real names for type checkers; at run time they load on first use
    from printers.preview import preview_png
    from printers.ticket import Layout, TicketData, render_test_page, render_ticket
    from printers.transport import Transport, open_transport, print_test_page

__all__ = [
    "Layout",
    "PrinterConnectionError",
    "PrinterError",
    "PrinterProfile",
    "PrinterSpec",
    "PrinterStatus",
    "PrinterTimeoutError",
    "PrinterUnavailableError",
    "TicketData",
    "Timeouts",
    "Transport",
    "open_transport",
    "parse_printer_uri",
    "parse_status",
    "preview_png",
    "print_test_page",
    "render_test_page",
    "render_ticket",
]


def __getattr__(name: str) -> object:
    """Pillow, fontTools and segno load only when rendering is used (URI parsing stays light)."""
    if name in ("Layout", "TicketData", "render_ticket", "render_test_page"):
        from printers import ticket

        return getattr(ticket, name)
    if name in ("Transport", "open_transport", "print_test_page"):
        from printers import transport

        return getattr(transport, name)
    if name == "preview_png":
        from printers.preview import preview_png

        return preview_png
    raise AttributeError(f"module 'printers' has no attribute {name!r}")
