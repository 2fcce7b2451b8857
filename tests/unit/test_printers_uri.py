"""Printer URIs: what each names, and a clear ValueError for every mistake."""

from __future__ import annotations

import pytest

from printers.profile import PrinterProfile
from printers.uri import (
    FileSpec,
    NetworkSpec,
    PreviewSpec,
    SerialSpec,
    Timeouts,
    UsbSpec,
    parse_printer_uri,
)


def test_network() -> None:
    spec = parse_printer_uri("tcp://192.168.1.50:9100")
    assert spec == NetworkSpec("192.168.1.50", 9100, uri="tcp://192.168.1.50:9100")
    assert spec.profile == PrinterProfile(80, "raster") and spec.confirm
    assert parse_printer_uri("tcp://printer.local").port == 9100  # type: ignore[union-attr]
    v6 = parse_printer_uri("tcp://[fe80::1]:9101?mode=kanji&width=58&timeout=0.5&confirm=0")
    assert isinstance(v6, NetworkSpec)
    assert (v6.host, v6.port, v6.confirm) == ("fe80::1", 9101, False)
    assert v6.profile == PrinterProfile(58, "kanji") and v6.profile.dots == 384
    assert v6.timeouts == Timeouts(0.5, 0.5, 0.5)


def test_usb_serial_file_preview() -> None:
    usb = parse_printer_uri("usb://04b8:0202?width=58")
    assert isinstance(usb, UsbSpec) and (usb.vendor_id, usb.product_id) == (0x04B8, 0x0202)
    assert usb.profile.width_mm == 58
    serial = parse_printer_uri("serial:///dev/ttyUSB0?baudrate=38400&flow=dsrdtr")
    assert serial == SerialSpec("/dev/ttyUSB0", 38400, "dsrdtr", uri="serial:///dev/ttyUSB0?baudrate=38400&flow=dsrdtr")
    assert parse_printer_uri("serial://COM3").device == "COM3"  # type: ignore[union-attr]
    assert parse_printer_uri("serial:///dev/ttyS0").baudrate == 38400  # type: ignore[union-attr]
    assert parse_printer_uri("file:///dev/usb/lp0?mode=kanji") == FileSpec(
        "/dev/usb/lp0", PrinterProfile(80, "kanji"), uri="file:///dev/usb/lp0?mode=kanji"
    )
    preview = parse_printer_uri("preview:///var/lib/madoguchi/tickets?width=58&dots=360&cut=full&name=Kiosk%201")
    assert isinstance(preview, PreviewSpec) and preview.folder == "/var/lib/madoguchi/tickets"
    assert preview.profile == PrinterProfile(58, "raster", "full", 360, "Kiosk 1")
    assert parse_printer_uri("preview:var/tickets").folder == "var/tickets"  # type: ignore[union-attr]
    assert parse_printer_uri("preview://var/tickets").folder == "var/tickets"  # type: ignore[union-attr]
    assert parse_printer_uri("preview:///tmp/My%20Tickets").folder == "/tmp/My Tickets"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("", "empty"),
        ("192.168.1.50:9100", "unknown scheme"),
        ("http://printer/", "unknown scheme 'http'"),
        ("tcp://", "missing host"),
        ("tcp://:9100", "missing host"),
        ("tcp://printer:0", "port must be"),
        ("tcp://printer:99999", "port must be"),
        ("tcp://printer:abc", "port must be"),
        ("tcp://printer:9100/queue", "no path"),
        ("tcp://[fe80::1:9100", "tcp://\\[fe80::1:9100.*IPv6"),
        ("tcp://printer?mode=text", "mode must be raster or kanji"),
        ("tcp://printer?width=76", "width must be 58 or 80"),
        ("tcp://printer?baudrate=9600", "unknown option 'baudrate' for tcp"),
        ("tcp://printer?mode=kanji&mode=raster", "given twice"),
        ("tcp://printer?timeout=0", "timeout must be between"),
        ("tcp://printer?timeout=soon", "timeout must be a number"),
        ("tcp://printer?confirm=maybe", "confirm must be 1 or 0"),
        ("tcp://printer?dots=500", "multiple of 8"),
        ("tcp://printer?cut=half", "cut must be partial or full"),
        ("usb://04b8", "usb://VID:PID"),
        ("usb://epson:tm88", "usb://VID:PID"),
        ("usb://104b8:0202", "4 hexadecimal digits"),
        ("serial://dev/ttyUSB0", "three slashes"),
        ("serial:///", "missing device"),
        ("serial:///dev/ttyS0?baudrate=fast", "baudrate must be an integer"),
        ("serial:///dev/ttyS0?flow=cts", "flow must be one of"),
        ("file://printer/dev/usb/lp0", "three slashes"),
        ("file://", "missing path"),
        ("preview://", "missing folder"),
    ],
)
def test_bad_uris_say_what_is_wrong(uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_printer_uri(uri)
