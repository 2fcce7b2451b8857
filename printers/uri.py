"""Printer URIs -> typed specs. One string names a printer in the config file, the CLI and the admin.

==============================================  ==============================================
``tcp://192.168.1.50:9100``                     network printer (raw TCP, port 9100 by default)
``usb://04b8:0202``                             USB printer by vendor:product id (hex, pyusb)
``serial:///dev/ttyUSB0?baudrate=38400``        serial printer (``serial://COM3`` on Windows)
``file:///dev/usb/lp0``                         write the bytes to a device file (or a file)
``preview:///var/lib/madoguchi/tickets``        PNG of each ticket into a folder (the default)
==============================================  ==============================================

Options for every printer: ``mode=raster|kanji`` (default raster), ``width=58|80`` (mm, default 80),
``dots=N`` (printable dots when not 384/576), ``cut=partial|full``, ``name=...`` (shown in the admin),
``timeout=S`` (seconds; caps connect, write and read). Network only: ``confirm=0`` to skip the status
round trip after a job (for printers that never answer DLE EOT). Serial only: ``baudrate=N`` (default
38400), ``flow=none|rtscts|dsrdtr|xonxoff``. A mistake raises ValueError naming the URI and the part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args
from urllib.parse import parse_qsl, unquote, urlsplit

from printers.profile import PrinterProfile

Flow = Literal["none", "rtscts", "dsrdtr", "xonxoff"]
SCHEMES = ("tcp", "usb", "serial", "file", "preview")
_COMMON = ("mode", "width", "dots", "cut", "name", "timeout")
_OPTIONS = {
    "tcp": (*_COMMON, "confirm"),
    "usb": _COMMON,
    "serial": (*_COMMON, "baudrate", "flow"),
    "file": _COMMON,
    "preview": _COMMON,
}


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds allowed for each socket or device operation (never the OS's 60 s and more)."""

    connect: float = 3.0
    write: float = 5.0
    read: float = 2.0

    def capped(self, seconds: float) -> Timeouts:
        return Timeouts(min(self.connect, seconds), min(self.write, seconds), min(self.read, seconds))


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    host: str
    port: int = 9100
    confirm: bool = True  # after a job, ask DLE EOT 1 and wait for the answer: the printer got every byte
    profile: PrinterProfile = field(default_factory=PrinterProfile)
    timeouts: Timeouts = field(default_factory=Timeouts)
    uri: str = ""
    kind: Literal["network"] = "network"


@dataclass(frozen=True, slots=True)
class UsbSpec:
    vendor_id: int
    product_id: int
    profile: PrinterProfile = field(default_factory=PrinterProfile)
    timeouts: Timeouts = field(default_factory=Timeouts)
    uri: str = ""
    kind: Literal["usb"] = "usb"


@dataclass(frozen=True, slots=True)
class SerialSpec:
    device: str
    baudrate: int = 38400
    flow: Flow = "none"
    profile: PrinterProfile = field(default_factory=PrinterProfile)
    timeouts: Timeouts = field(default_factory=Timeouts)
    uri: str = ""
    kind: Literal["serial"] = "serial"


@dataclass(frozen=True, slots=True)
class FileSpec:
    path: str
    profile: PrinterProfile = field(default_factory=PrinterProfile)
    timeouts: Timeouts = field(default_factory=Timeouts)
    uri: str = ""
    kind: Literal["file"] = "file"


@dataclass(frozen=True, slots=True)
class PreviewSpec:
    folder: str
    profile: PrinterProfile = field(default_factory=PrinterProfile)
    timeouts: Timeouts = field(default_factory=Timeouts)
    uri: str = ""
    kind: Literal["preview"] = "preview"


PrinterSpec = NetworkSpec | UsbSpec | SerialSpec | FileSpec | PreviewSpec


def parse_printer_uri(uri: str) -> PrinterSpec:
    """The spec a printer URI names; ValueError saying what is wrong otherwise."""
    if not isinstance(uri, str) or not uri.strip():
        raise ValueError("printer URI is empty (e.g. tcp://192.168.1.50:9100 or preview:///path/to/folder)")
    uri = uri.strip()
    try:
        parts = urlsplit(uri)
    except ValueError as exc:  # e.g. an unclosed [ of an IPv6 address
        raise _bad(uri, str(exc)) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _bad(uri, f"unknown scheme {parts.scheme or '(none)'!r}; use one of {', '.join(SCHEMES)}")
    options = _options(uri, scheme, parts.query)
    profile = _profile(uri, options)
    timeouts = Timeouts()
    if "timeout" in options:
        timeouts = timeouts.capped(_number(uri, "timeout", options["timeout"], 0.05, 600.0))
    if scheme == "tcp":
        host, port = _host_port(uri, parts.netloc, parts.path)
        confirm = _flag(uri, "confirm", options.get("confirm", "1"))
        return NetworkSpec(host, port, confirm, profile, timeouts, uri)
    if scheme == "usb":
        vendor, product = _usb_ids(uri, parts.netloc, parts.path)
        return UsbSpec(vendor, product, profile, timeouts, uri)
    if scheme == "serial":
        device = _serial_device(uri, parts.netloc, parts.path)
        baudrate = int(_number(uri, "baudrate", options.get("baudrate", "38400"), 300, 4_000_000, integer=True))
        flow = options.get("flow", "none")
        if flow not in get_args(Flow):
            raise _bad(uri, f"flow must be one of {', '.join(get_args(Flow))}, got {flow!r}")
        return SerialSpec(device, baudrate, flow, profile, timeouts, uri)  # type: ignore[arg-type]
    path = _path(uri, scheme, parts.netloc, parts.path)
    if scheme == "file":
        return FileSpec(path, profile, timeouts, uri)
    return PreviewSpec(path, profile, timeouts, uri)


def _bad(uri: str, why: str) -> ValueError:
    return ValueError(f"printer URI {uri!r}: {why}")


def _options(uri: str, scheme: str, query: str) -> dict[str, str]:
    options: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise _bad(uri, f"malformed options {query!r}") from exc
    allowed = _OPTIONS[scheme]
    for key, value in pairs:
        if key not in allowed:
            raise _bad(uri, f"unknown option {key!r} for {scheme} printers (allowed: {', '.join(allowed)})")
        if key in options:
            raise _bad(uri, f"option {key!r} given twice")
        options[key] = value
    return options


def _profile(uri: str, options: dict[str, str]) -> PrinterProfile:
    width = options.get("width", "80").removesuffix("mm")
    if width not in ("58", "80"):
        raise _bad(uri, f"width must be 58 or 80 (mm), got {options['width']!r}")
    mode = options.get("mode", "raster")
    if mode not in ("raster", "kanji"):
        raise _bad(uri, f"mode must be raster or kanji, got {mode!r}")
    cut = options.get("cut", "partial")
    if cut not in ("partial", "full"):
        raise _bad(uri, f"cut must be partial or full, got {cut!r}")
    dots = None
    if "dots" in options:
        dots = int(_number(uri, "dots", options["dots"], 128, 832, integer=True))
        if dots % 8:
            raise _bad(uri, f"dots must be a multiple of 8, got {dots}")
    name = options.get("name", "")
    return PrinterProfile(
        width_mm=58 if width == "58" else 80,
        mode="kanji" if mode == "kanji" else "raster",
        cut="full" if cut == "full" else "partial",
        print_dots=dots,
        name=name,
    )


def _number(uri: str, key: str, text: str, low: float, high: float, *, integer: bool = False) -> float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise _bad(uri, f"{key} must be a{'n integer' if integer else ' number'}, got {text!r}") from None
    if not low <= value <= high:
        raise _bad(uri, f"{key} must be between {low:g} and {high:g}, got {text}")
    return value


def _flag(uri: str, key: str, text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise _bad(uri, f"{key} must be 1 or 0, got {text!r}")


def _host_port(uri: str, netloc: str, path: str) -> tuple[str, int]:
    if path not in ("", "/"):
        raise _bad(uri, f"a network printer URI has no path (got {path!r}); write tcp://HOST:PORT")
    if not netloc or "@" in netloc:
        raise _bad(uri, "missing host; write tcp://HOST:9100")
    host, port_text = netloc, ""
    if netloc.startswith("["):  # [IPv6]:port
        end = netloc.find("]")
        if end < 0:
            raise _bad(uri, "unclosed [ in IPv6 address")
        host, rest = netloc[1:end], netloc[end + 1 :]
        if rest and not rest.startswith(":"):
            raise _bad(uri, f"unexpected {rest!r} after the IPv6 address")
        port_text = rest[1:]
    elif ":" in netloc:
        host, _, port_text = netloc.rpartition(":")
    if not host:
        raise _bad(uri, "missing host; write tcp://HOST:9100")
    if port_text == "":
        return host, 9100
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise _bad(uri, f"port must be a number from 1 to 65535, got {port_text!r}")
    return host, int(port_text)


def _usb_ids(uri: str, netloc: str, path: str) -> tuple[int, int]:
    text = (netloc + path).strip("/")
    vendor, sep, product = text.partition(":")
    try:
        if not sep:
            raise ValueError
        ids = int(vendor.removeprefix("0x"), 16), int(product.removeprefix("0x"), 16)
    except ValueError:
        raise _bad(uri, "write usb://VID:PID with hexadecimal ids, e.g. usb://04b8:0202") from None
    if not all(0 <= i <= 0xFFFF for i in ids):
        raise _bad(uri, "USB vendor and product ids are 4 hexadecimal digits")
    return ids


def _serial_device(uri: str, netloc: str, path: str) -> str:
    if netloc and not path:  # serial://COM3
        return unquote(netloc)
    if netloc:
        raise _bad(uri, "write the device path after three slashes, e.g. serial:///dev/ttyUSB0")
    if not path or path == "/":
        raise _bad(uri, "missing device, e.g. serial:///dev/ttyUSB0")
    return unquote(path)


def _path(uri: str, scheme: str, netloc: str, path: str) -> str:
    if scheme == "file":
        if netloc not in ("", "localhost"):
            raise _bad(uri, "write the path after three slashes, e.g. file:///dev/usb/lp0")
        if not path or path == "/":
            raise _bad(uri, "missing path, e.g. file:///dev/usb/lp0")
        return unquote(path)
    folder = unquote(netloc + path) if netloc else unquote(path)  # preview://var/tickets is relative
    if not folder:
        raise _bad(uri, "missing folder, e.g. preview:///var/lib/madoguchi/tickets")
    return folder
