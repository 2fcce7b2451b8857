"""Sending bytes to printers: one small async protocol, five transports, timeouts on every operation.

``send()`` returns when the printer has *received* the job, not when it printed it: the network
transport proves receipt by asking DLE EOT 1 after the job (the answer comes after every byte before
it); ``status()`` says whether it can print (paper, cover). A printer that does not answer is
``unknown``, never ``ok``. Failures raise ``printers.errors`` exceptions with the URI in the message.

Each transport serialises its own calls (a printer serves one job at a time) and holds nothing open
between calls except serial and USB devices, which are exclusive anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import os
import select
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from printers import escpos
from printers.errors import PrinterConnectionError, PrinterError, PrinterTimeoutError, PrinterUnavailableError
from printers.status import QUERIES, PrinterStatus, is_status_byte, parse_status, unknown
from printers.uri import (
    FileSpec,
    NetworkSpec,
    PreviewSpec,
    PrinterSpec,
    SerialSpec,
    Timeouts,
    UsbSpec,
    parse_printer_uri,
)

if TYPE_CHECKING:
    from printers.ticket import Layout

T = TypeVar("T")

NETWORK_CHUNK = 16 * 1024
DEVICE_CHUNK = 1024  # 1 KiB takes 0.3 s at 38400 baud: each chunk is well inside the write timeout


class Transport(Protocol):
    """What the spooler and the print agent need from a printer connection."""

    @property
    def spec(self) -> PrinterSpec: ...

    async def send(self, data: bytes) -> None:
        """Deliver one job; raise PrinterError (PrinterTimeoutError, PrinterConnectionError) on failure."""
        ...

    async def status(self) -> PrinterStatus:
        """What the printer says about itself; ``unknown`` (with ``detail``) when it does not answer."""
        ...

    async def close(self) -> None: ...


def open_transport(spec: PrinterSpec | str) -> Transport:
    """The transport for a printer spec or URI (raises PrinterUnavailableError, e.g. without pyusb)."""
    if isinstance(spec, str):
        spec = parse_printer_uri(spec)
    if isinstance(spec, NetworkSpec):
        return NetworkTransport(spec)
    if isinstance(spec, UsbSpec):
        return UsbTransport(spec)
    if isinstance(spec, SerialSpec):
        return SerialTransport(spec)
    if isinstance(spec, FileSpec):
        return FileTransport(spec)
    return PreviewTransport(spec)


async def _bounded(awaitable: Awaitable[T], seconds: float, what: str) -> T:
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise PrinterTimeoutError(f"{what}: no progress within {seconds:g} s") from None


# ---- network -------------------------------------------------------------------------------------


class NetworkTransport:
    """Raw TCP (port 9100, "JetDirect"): one connection per job or status query."""

    def __init__(self, spec: NetworkSpec) -> None:
        self.spec = spec
        self._lock = asyncio.Lock()

    @property
    def timeouts(self) -> Timeouts:
        return self.spec.timeouts

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        spec = self.spec
        try:
            return await asyncio.wait_for(asyncio.open_connection(spec.host, spec.port), self.timeouts.connect)
        except TimeoutError:
            raise PrinterTimeoutError(f"{spec.uri}: no connection within {self.timeouts.connect:g} s") from None
        except OSError as exc:
            raise PrinterConnectionError(f"{spec.uri}: cannot connect: {exc.strerror or exc}") from exc

    async def send(self, data: bytes) -> None:
        async with self._lock:
            reader, writer = await self._connect()
            failed = True
            try:
                for start in range(0, len(data), NETWORK_CHUNK):
                    writer.write(data[start : start + NETWORK_CHUNK])
                    await _bounded(writer.drain(), self.timeouts.write, f"{self.spec.uri}: writing")
                if self.spec.confirm:
                    answer = await self._ask(reader, writer, 1)
                    if answer is None:
                        raise PrinterTimeoutError(
                            f"{self.spec.uri}: no answer within {self.timeouts.read:g} s after the job; "
                            "it may not have been received (add ?confirm=0 for printers that never answer DLE EOT)"
                        )
                failed = False
            except PrinterError:
                raise
            except (ConnectionError, OSError) as exc:
                raise PrinterConnectionError(f"{self.spec.uri}: connection lost while sending: {exc}") from exc
            finally:
                await _close_writer(writer, abort=failed)

    async def status(self) -> PrinterStatus:
        async with self._lock:
            try:
                reader, writer = await self._connect()
            except PrinterError as exc:
                return unknown(str(exc))
            try:
                answers: list[int | None] = []
                for n in QUERIES:
                    answer = await self._ask(reader, writer, n)
                    answers.append(answer)
                    if answer is None:  # a printer that did not answer 1 will not answer 2 or 4
                        answers += [None] * (len(QUERIES) - len(answers))
                        break
                return parse_status(*answers)
            except PrinterError as exc:
                return unknown(str(exc))
            except (ConnectionError, OSError) as exc:
                return unknown(f"{self.spec.uri}: {exc}")
            finally:
                await _close_writer(writer, abort=False)

    async def _ask(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> int | None:
        """Send DLE EOT n; the first status-shaped byte within the read timeout, or None."""
        writer.write(escpos.status_query(n))
        await _bounded(writer.drain(), self.timeouts.write, f"{self.spec.uri}: writing")
        deadline = time.monotonic() + self.timeouts.read
        while (left := deadline - time.monotonic()) > 0:
            try:
                got = await asyncio.wait_for(reader.read(1), left)
            except TimeoutError:
                return None
            if not got:
                raise PrinterConnectionError(f"{self.spec.uri}: the printer closed the connection")
            if is_status_byte(got[0]):
                return got[0]
        return None

    async def close(self) -> None:
        return None


async def _close_writer(writer: asyncio.StreamWriter, *, abort: bool) -> None:
    """Close the connection; after a failure (or a peer that stopped reading) drop it at once."""
    if abort:
        writer.transport.abort()
        return
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    except (TimeoutError, ConnectionError, OSError):
        writer.transport.abort()


# ---- devices in a worker thread ------------------------------------------------------------------


class _ThreadedDevice:
    """Shared plumbing of serial, USB and file: blocking calls in a thread, one at a time."""

    spec: PrinterSpec

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def _run(self, func: Callable[[], T], budget: float) -> T:
        async with self._lock:
            return await _bounded(asyncio.to_thread(func), budget, self.spec.uri)

    def _budget(self, size: int) -> float:
        t = self.spec.timeouts
        return t.connect + t.write * (1 + size // DEVICE_CHUNK) + 3 * t.read


class SerialTransport(_ThreadedDevice):
    """A serial printer through pyserial; the port stays open between jobs."""

    def __init__(self, spec: SerialSpec) -> None:
        super().__init__()
        self.spec: SerialSpec = spec
        try:
            import serial
        except ImportError:
            raise PrinterUnavailableError(
                f"{spec.uri}: serial printing needs pyserial (pip install pyserial)"
            ) from None
        self._serial: Any = serial
        self._port: Any = None

    def _open(self) -> Any:
        if self._port is None:
            spec, t = self.spec, self.spec.timeouts
            try:
                self._port = self._serial.Serial(
                    port=spec.device,
                    baudrate=spec.baudrate,
                    timeout=t.read,
                    write_timeout=t.write,
                    rtscts=spec.flow == "rtscts",
                    dsrdtr=spec.flow == "dsrdtr",
                    xonxoff=spec.flow == "xonxoff",
                )
            except (self._serial.SerialException, OSError, ValueError) as exc:
                raise PrinterConnectionError(f"{spec.uri}: cannot open {spec.device}: {exc}") from exc
        return self._port

    def _guard(self, func: Callable[[Any], T]) -> T:
        port = self._open()
        try:
            return func(port)
        except self._serial.SerialTimeoutException as exc:
            self._drop()
            raise PrinterTimeoutError(f"{self.spec.uri}: write timed out after {self.spec.timeouts.write:g} s") from exc
        except (self._serial.SerialException, OSError) as exc:
            self._drop()
            raise PrinterConnectionError(f"{self.spec.uri}: {exc}") from exc

    def _drop(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    async def send(self, data: bytes) -> None:
        def write(port: Any) -> None:
            for start in range(0, len(data), DEVICE_CHUNK):
                port.write(data[start : start + DEVICE_CHUNK])
            port.flush()

        await self._run(lambda: self._guard(write), self._budget(len(data)))

    async def status(self) -> PrinterStatus:
        def ask(port: Any) -> PrinterStatus:
            port.reset_input_buffer()
            answers: list[int | None] = []
            for n in QUERIES:
                port.write(escpos.status_query(n))
                port.flush()
                answers.append(_first_status_byte(port.read(1)))
                if answers[-1] is None:
                    answers += [None] * (len(QUERIES) - len(answers))
                    break
            return parse_status(*answers)

        try:
            return await self._run(lambda: self._guard(ask), self._budget(0))
        except PrinterError as exc:
            return unknown(str(exc))

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._drop)


def _first_status_byte(data: bytes) -> int | None:
    return next((b for b in data if is_status_byte(b)), None)


class UsbTransport(_ThreadedDevice):
    """A USB printer through pyusb (libusb): bulk OUT for jobs, bulk IN for status answers."""

    def __init__(self, spec: UsbSpec) -> None:
        super().__init__()
        self.spec: UsbSpec = spec
        try:
            import usb.core
            import usb.util
        except ImportError:
            raise PrinterUnavailableError(
                f"{spec.uri}: USB printing needs pyusb and libusb-1.0 (pip install pyusb; apt install libusb-1.0-0)"
            ) from None
        self._usb: Any = usb
        self._device: Any = None
        self._out: Any = None
        self._in: Any = None

    def _open(self) -> None:
        if self._device is not None:
            return
        usb, spec = self._usb, self.spec
        ids = f"{spec.vendor_id:04x}:{spec.product_id:04x}"
        try:
            device = usb.core.find(idVendor=spec.vendor_id, idProduct=spec.product_id)
        except usb.core.NoBackendError as exc:
            raise PrinterUnavailableError(f"{spec.uri}: libusb-1.0 is not installed") from exc
        if device is None:
            raise PrinterConnectionError(f"{spec.uri}: no USB device {ids} (unplugged or switched off?)")
        try:
            with contextlib.suppress(NotImplementedError, usb.core.USBError):
                if device.is_kernel_driver_active(0):  # usblp holds the printer as /dev/usb/lp*
                    device.detach_kernel_driver(0)
            with contextlib.suppress(usb.core.USBError):  # already configured
                device.set_configuration()
            interface = device.get_active_configuration()[(0, 0)]
            direction = usb.util.endpoint_direction
            self._out = usb.util.find_descriptor(
                interface, custom_match=lambda e: direction(e.bEndpointAddress) == usb.util.ENDPOINT_OUT
            )
            self._in = usb.util.find_descriptor(
                interface, custom_match=lambda e: direction(e.bEndpointAddress) == usb.util.ENDPOINT_IN
            )
        except usb.core.USBError as exc:
            raise PrinterConnectionError(f"{spec.uri}: cannot open USB device {ids}: {exc}") from exc
        if self._out is None:
            raise PrinterConnectionError(f"{spec.uri}: USB device {ids} has no bulk OUT endpoint")
        self._device = device

    def _guard(self, func: Callable[[], T]) -> T:
        self._open()
        usb = self._usb
        try:
            return func()
        except usb.core.USBTimeoutError as exc:
            raise PrinterTimeoutError(f"{self.spec.uri}: USB transfer timed out") from exc
        except usb.core.USBError as exc:
            self._drop()
            raise PrinterConnectionError(f"{self.spec.uri}: {exc}") from exc

    def _drop(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            with contextlib.suppress(Exception):
                self._usb.util.dispose_resources(device)

    async def send(self, data: bytes) -> None:
        ms = int(self.spec.timeouts.write * 1000)

        def write() -> None:
            for start in range(0, len(data), DEVICE_CHUNK):
                self._out.write(data[start : start + DEVICE_CHUNK], timeout=ms)

        await self._run(lambda: self._guard(write), self._budget(len(data)))

    async def status(self) -> PrinterStatus:
        ms = int(self.spec.timeouts.read * 1000)
        usb = self._usb

        def ask() -> PrinterStatus:
            if self._in is None:
                return unknown(f"{self.spec.uri}: the printer has no USB IN endpoint to answer status")
            answers: list[int | None] = []
            for n in QUERIES:
                self._out.write(escpos.status_query(n), timeout=ms)
                try:
                    answers.append(_first_status_byte(bytes(self._in.read(self._in.wMaxPacketSize, timeout=ms))))
                except usb.core.USBTimeoutError:
                    answers.append(None)
                if answers[-1] is None:
                    answers += [None] * (len(QUERIES) - len(answers))
                    break
            return parse_status(*answers)

        try:
            return await self._run(lambda: self._guard(ask), self._budget(0))
        except PrinterError as exc:
            return unknown(str(exc))

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._drop)


class FileTransport(_ThreadedDevice):
    """Bytes appended to a device file such as /dev/usb/lp0 (or a plain file, which must exist).

    Writes are non-blocking with a poll for room, so a printer that stopped taking data (out of paper,
    switched off) gives a timeout instead of a thread stuck forever. A file cannot report status.
    """

    def __init__(self, spec: FileSpec) -> None:
        super().__init__()
        self.spec: FileSpec = spec

    def _write(self, data: bytes) -> None:
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        try:
            fd = os.open(self.spec.path, flags)
        except OSError as exc:
            raise PrinterConnectionError(f"{self.spec.uri}: cannot open {self.spec.path}: {exc.strerror}") from exc
        try:
            view = memoryview(data)
            while view:
                if hasattr(select, "poll"):
                    poller = select.poll()
                    poller.register(fd, select.POLLOUT)
                    if not poller.poll(self.spec.timeouts.write * 1000):
                        raise PrinterTimeoutError(
                            f"{self.spec.uri}: the device took no data for {self.spec.timeouts.write:g} s"
                        )
                try:
                    written = os.write(fd, view[:DEVICE_CHUNK])
                except BlockingIOError:
                    continue
                except OSError as exc:
                    if exc.errno == errno.EAGAIN:
                        continue
                    raise PrinterConnectionError(f"{self.spec.uri}: write failed: {exc.strerror}") from exc
                view = view[written:]
        finally:
            os.close(fd)

    async def send(self, data: bytes) -> None:
        await self._run(lambda: self._write(data), self._budget(len(data)))

    async def status(self) -> PrinterStatus:
        if not await asyncio.to_thread(os.path.exists, self.spec.path):
            return unknown(f"{self.spec.uri}: {self.spec.path} does not exist")
        return unknown(f"{self.spec.uri}: a file printer cannot report its status")

    async def close(self) -> None:
        return None


# ---- preview -------------------------------------------------------------------------------------


class PreviewTransport(_ThreadedDevice):
    """No printer: each ticket (each cut) becomes a PNG in the folder, so a new user sees the ticket."""

    _counter = itertools.count(1)

    def __init__(self, spec: PreviewSpec) -> None:
        super().__init__()
        self.spec: PreviewSpec = spec
        self.folder = Path(spec.folder)
        self.written: list[Path] = []

    def _write(self, data: bytes) -> list[Path]:
        from printers.preview import preview_pngs  # Pillow work only when previews are used

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            paths = []
            for png in preview_pngs(data, self.spec.profile.dots):
                stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
                path = self.folder / f"ticket-{stamp}-{next(self._counter):05d}.png"
                tmp = path.with_suffix(".png.tmp")
                tmp.write_bytes(png)
                tmp.replace(path)  # a watcher never sees half a file
                paths.append(path)
            return paths
        except OSError as exc:
            raise PrinterConnectionError(f"{self.spec.uri}: cannot write to {self.folder}: {exc.strerror}") from exc

    async def send(self, data: bytes) -> None:
        paths = await self._run(lambda: self._write(data), max(30.0, self.spec.timeouts.write))
        self.written.extend(paths)

    async def status(self) -> PrinterStatus:
        """``ok`` while the folder is writable, ``offline`` (with the reason) when it is not."""
        return await asyncio.to_thread(self._folder_status)

    def _folder_status(self) -> PrinterStatus:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return PrinterStatus(online=False, detail=f"{self.spec.uri}: {exc.strerror}")
        if not os.access(self.folder, os.W_OK):
            return PrinterStatus(online=False, detail=f"{self.spec.uri}: {self.folder} is not writable")
        return PrinterStatus(online=True, cover_open=False, paper_near_end=False, paper_out=False, error=False)

    async def close(self) -> None:
        return None


async def print_test_page(
    printer: PrinterSpec | str, *, printed_at: datetime | None = None, layout: Layout | None = None
) -> PrinterStatus:
    """Print ``render_test_page`` on a printer and return its status afterwards (``madoguchi print-test``)."""
    from printers.ticket import render_test_page

    spec = parse_printer_uri(printer) if isinstance(printer, str) else printer
    transport = open_transport(spec)
    try:
        await transport.send(render_test_page(spec.profile, printer=spec.uri, printed_at=printed_at, layout=layout))
        return await transport.status()
    finally:
        await transport.close()
