"""Transports against the fake network printer (127.0.0.1 only), a pty as serial port, files and previews.

Waits are on the fake printer's events with timeouts, never on the clock. Timeouts of the transport
are 0.5 s in the URIs here; the tests check that the right error is raised, not how long it took.
"""

from __future__ import annotations

import importlib.util
import os
import select
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from printers import escpos
from printers.errors import PrinterConnectionError, PrinterTimeoutError, PrinterUnavailableError
from printers.fake import FakePrinter, fake_printer_thread
from printers.profile import PrinterProfile
from printers.samples import REFERENCE_LAYOUT, ticket_in
from printers.ticket import render_ticket
from printers.transport import (
    FileTransport,
    NetworkTransport,
    PreviewTransport,
    SerialTransport,
    open_transport,
    print_test_page,
)

FAST = "timeout=0.5"


@pytest.fixture(scope="module")
def ticket() -> bytes:
    return render_ticket(ticket_in("ja"), REFERENCE_LAYOUT, PrinterProfile(80, "raster"))


@pytest.fixture
async def printer() -> AsyncIterator[FakePrinter]:
    async with FakePrinter() as fake:
        yield fake


# ---- network -------------------------------------------------------------------------------------


async def test_a_ticket_arrives_whole(printer: FakePrinter, ticket: bytes) -> None:
    transport = open_transport(f"{printer.uri}?{FAST}")
    assert isinstance(transport, NetworkTransport)
    await transport.send(ticket)
    assert await printer.wait_for_jobs(1, within=5) == [ticket]
    job = printer.jobs[-1]
    assert job.queries == [1], "receipt confirmed with DLE EOT 1 after the data"
    assert job.cuts == 1
    await transport.close()


async def test_dle_eot_inside_raster_data_is_data_not_a_query(printer: FakePrinter) -> None:
    job = escpos.initialize() + escpos.raster(b"\x10\x04\x01\x10\x04\x04" * 12, 72, 1) + escpos.cut()
    await open_transport(printer.uri).send(job)
    await printer.wait_for_jobs(1, within=5)
    assert printer.jobs[-1].queries == [1]


async def test_status_ok_and_near_end(printer: FakePrinter) -> None:
    transport = open_transport(f"{printer.uri}?{FAST}")
    status = await transport.status()
    assert status.state == "ok" and status.online is True
    assert printer.jobs[-1].queries == [1, 2, 4] and not printer.jobs[-1].data
    printer.set_paper(near_end=True)
    assert (await transport.status()).state == "paper_near_end"


async def test_out_of_paper(printer: FakePrinter, ticket: bytes) -> None:
    transport = open_transport(f"{printer.uri}?{FAST}")
    printer.set_paper(out=True)
    status = await transport.status()
    assert status.state == "paper_out" and status.paper_out is True and status.online is False
    await transport.send(ticket)  # received: the fake still answers DLE EOT, but it prints nothing
    await printer.wait_for(lambda: printer.jobs[-1].closed, within=5)
    assert printer.printed == [] and len(printer.jobs[-1].discarded) == len(ticket)
    assert (await transport.status()).state == "paper_out"
    await printer.recover()
    await transport.send(ticket)
    assert await printer.wait_for_jobs(1, within=5) == [ticket]


async def test_cover_open(printer: FakePrinter) -> None:
    printer.open_cover()
    status = await open_transport(f"{printer.uri}?{FAST}").status()
    assert status.state == "cover_open" and status.cover_open is True


async def test_stalled_printer_times_out(printer: FakePrinter, ticket: bytes) -> None:
    printer.stall()
    transport = open_transport(f"{printer.uri}?{FAST}")
    with pytest.raises(PrinterTimeoutError, match=printer.uri):
        await transport.send(ticket)
    status = await transport.status()
    assert status.state == "unknown" and "DLE EOT 1" in status.detail
    await printer.recover()
    assert (await transport.status()).state == "ok"


async def test_refused_connection(printer: FakePrinter, ticket: bytes) -> None:
    await printer.refuse()
    transport = open_transport(f"{printer.uri}?{FAST}")
    with pytest.raises(PrinterConnectionError, match="cannot connect"):
        await transport.send(ticket)
    status = await transport.status()
    assert status.state == "unknown" and "cannot connect" in status.detail
    await printer.recover()  # listening again on the same port
    await transport.send(ticket)
    assert await printer.wait_for_jobs(1, within=5) == [ticket]


async def test_reset_connection(printer: FakePrinter, ticket: bytes) -> None:
    await printer.refuse(reset=True)
    with pytest.raises(PrinterConnectionError):
        await open_transport(f"{printer.uri}?{FAST}").send(ticket)


async def test_printer_that_never_answers_status(printer: FakePrinter, ticket: bytes) -> None:
    printer.set_answers(False)
    status = await open_transport(f"{printer.uri}?{FAST}").status()
    assert status.state == "unknown" and status.online is None
    with pytest.raises(PrinterTimeoutError, match="confirm=0"):
        await open_transport(f"{printer.uri}?{FAST}").send(ticket)
    await open_transport(f"{printer.uri}?{FAST}&confirm=0").send(ticket)
    await printer.wait_for(lambda: len(printer.printed) == 2, within=5)  # both arrived; only the 2nd was acked


async def test_print_test_page(printer: FakePrinter) -> None:
    status = await print_test_page(f"{printer.uri}?mode=kanji&{FAST}", layout=REFERENCE_LAYOUT)
    assert status.state == "ok"
    (job,) = await printer.wait_for_jobs(1, within=5)
    assert printer.uri.encode() in job and job.endswith(escpos.cut())


def test_fake_printer_on_its_own_thread(ticket: bytes) -> None:
    import asyncio

    with fake_printer_thread() as (fake, loop):

        async def send() -> str:
            transport = open_transport(f"{fake.uri}?{FAST}")
            await transport.send(ticket)
            return (await transport.status()).state

        assert asyncio.run(send()) == "ok"
        asyncio.run_coroutine_threadsafe(fake.wait_for_jobs(1, within=5), loop).result(10)
        assert fake.printed == [ticket]


# ---- preview and file ----------------------------------------------------------------------------


async def test_preview_writes_a_png_per_ticket(tmp_path: Path, ticket: bytes) -> None:
    folder = tmp_path / "tickets"
    transport = open_transport(f"preview://{folder}")
    assert isinstance(transport, PreviewTransport)
    assert (await transport.status()).state == "ok"
    await transport.send(ticket)
    await transport.send(ticket + ticket)
    files = sorted(folder.glob("*.png"))
    assert len(files) == 3 and files == sorted(transport.written)
    assert all(f.read_bytes().startswith(b"\x89PNG") for f in files)


async def test_preview_into_a_folder_it_cannot_create(tmp_path: Path, ticket: bytes) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    transport = open_transport(f"preview://{blocker}/tickets")
    assert (await transport.status()).state == "offline"
    with pytest.raises(PrinterConnectionError):
        await transport.send(ticket)


async def test_file_transport_appends_bytes(tmp_path: Path, ticket: bytes) -> None:
    target = tmp_path / "lp0"
    target.write_bytes(b"")
    transport = open_transport(f"file://{target}")
    assert isinstance(transport, FileTransport)
    await transport.send(ticket)
    await transport.send(b"\x1b@")
    assert target.read_bytes() == ticket + b"\x1b@"
    assert (await transport.status()).state == "unknown"
    with pytest.raises(PrinterConnectionError, match="cannot open"):
        await open_transport(f"file://{tmp_path}/missing").send(ticket)


# ---- serial (a pty stands in for the port) -------------------------------------------------------


class PtyPrinter:
    """The far end of a pseudo-terminal: records bytes, answers DLE EOT like a printer with paper."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        self.device = os.ttyname(slave)
        self._slave = slave
        self.received = bytearray()
        self.got = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        pending = bytearray()
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            pending += chunk
            while (found := escpos.split_command(pending)) is not None:
                op, end = found
                if isinstance(op, escpos.Command) and op.name == "DLE EOT":
                    os.write(self.master, b"\x12")
                else:
                    with self.got:
                        self.received += pending[:end]
                        self.got.notify_all()
                del pending[:end]

    def wait_for(self, size: int, within: float = 5.0) -> bytes:
        with self.got:
            assert self.got.wait_for(lambda: len(self.received) >= size, within)
            return bytes(self.received)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def pty_printer() -> Iterator[PtyPrinter]:
    fake = PtyPrinter()
    yield fake
    fake.close()


async def test_serial_transport(pty_printer: PtyPrinter, ticket: bytes) -> None:
    transport = open_transport(f"serial://{pty_printer.device}?baudrate=115200&{FAST}")
    assert isinstance(transport, SerialTransport)
    await transport.send(ticket)
    assert pty_printer.wait_for(len(ticket)) == ticket
    assert (await transport.status()).state == "ok"
    await transport.close()


async def test_serial_port_that_does_not_exist(tmp_path: Path) -> None:
    transport = open_transport(f"serial://{tmp_path}/ttyUSB9?{FAST}")
    with pytest.raises(PrinterConnectionError, match="cannot open"):
        await transport.send(b"\x1b@")
    assert (await transport.status()).state == "unknown"


# ---- usb -----------------------------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("usb") is not None, reason="pyusb is installed here")
def test_usb_without_pyusb_says_what_to_install() -> None:
    with pytest.raises(PrinterUnavailableError, match="pip install pyusb"):
        open_transport("usb://04b8:0202")
