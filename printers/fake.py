"""A fake ESC/POS network printer: a real asyncio TCP server on 127.0.0.1 for tests, benches and demos.

It parses what it receives like a printer (so DLE EOT bytes inside raster data are not queries),
records the bytes of every connection as a ``Job``, and answers DLE EOT 1/2/4 with the bytes a TM-T88
gives in its current condition. Conditions a test can set, and what the fake then does:

- ``set_paper(near_end=True)``: answers "near end" (0x1E to DLE EOT 4) and prints as usual.
- ``set_paper(out=True)`` / ``open_cover()``: answers offline (0x1A), offline cause paper end (0x32) or
  cover open (0x16), paper sensor out (0x7E). It keeps reading and answering real-time queries, but
  **discards** print data: those bytes go to ``Job.discarded``, not ``Job.data``, and the job is not
  ``printed``. (A real TM-T88 keeps up to its receive buffer of data and prints it once paper is loaded,
  then stops reading when that buffer is full; the fake models the worst case, a lost job, which is
  what a spooler must detect with ``status()`` after sending.)
- ``stall()``: accepts connections but never reads nor answers (a hung printer or network interface);
  a sender's writes fill the socket buffers and its status queries time out. ``recover()`` releases
  the held connections.
- ``refuse()``: closes the listening socket, so connecting fails with "connection refused";
  ``refuse(reset=True)`` keeps listening but resets each connection as soon as it is accepted.
- ``set_answers(False)``: prints but never answers DLE EOT (printers without real-time status).
- ``recover()``: paper in, cover closed, answering, listening again on the same port.

Waiting is done on events, never on time: ``await fake.wait_for_jobs(1, within=5)``.

Run one by hand: ``python -m printers.fake --port 9100 --preview /tmp/fake-tickets`` (each job printed
as a PNG there).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from printers import escpos
from printers.status import status_bytes


@dataclass
class Job:
    """Everything one connection sent."""

    connection: int
    raw: bytearray = field(default_factory=bytearray)  # every byte received, queries included
    data: bytearray = field(default_factory=bytearray)  # print data that was "printed"
    discarded: bytearray = field(default_factory=bytearray)  # print data dropped (out of paper, cover open)
    queries: list[int] = field(default_factory=list)  # DLE EOT n received, in order
    answered: list[int] = field(default_factory=list)  # the status bytes sent back
    closed: bool = False

    @property
    def printed(self) -> bool:
        """A complete print job arrived and was not discarded."""
        return bool(self.data) and not self.discarded

    @property
    def cuts(self) -> int:
        return sum(isinstance(op, escpos.Cut) for op in escpos.iter_ops(bytes(self.data)))


@dataclass
class _Condition:
    paper_near_end: bool = False
    paper_out: bool = False
    cover_open: bool = False
    answers: bool = True
    stalled: bool = False
    reset: bool = False


class FakePrinter:
    """``async with FakePrinter() as printer:`` then print to ``printer.uri``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, on_job: Callable[[Job], None] | None = None) -> None:
        self.host = host
        self.port = port
        self.jobs: list[Job] = []
        self.on_job = on_job
        self._condition = _Condition()
        self._server: asyncio.Server | None = None
        self._changed: asyncio.Condition | None = None
        self._release = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # ---- life ------------------------------------------------------------------------------------

    async def start(self) -> FakePrinter:
        self._changed = asyncio.Condition()
        await self._listen()
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._release.set()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> FakePrinter:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def uri(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    # ---- conditions ------------------------------------------------------------------------------

    def set_paper(self, *, near_end: bool = False, out: bool = False) -> None:
        self._condition.paper_near_end, self._condition.paper_out = near_end, out

    def open_cover(self, is_open: bool = True) -> None:
        self._condition.cover_open = is_open

    def set_answers(self, answers: bool) -> None:
        self._condition.answers = answers

    def stall(self) -> None:
        self._release = asyncio.Event()
        self._condition.stalled = True

    async def refuse(self, *, reset: bool = False) -> None:
        if reset:
            self._condition.reset = True
        elif self._server is not None:
            self._server.close()  # stops listening now; held connections stay until recover()
            self._server = None

    async def recover(self) -> None:
        self._condition = _Condition()
        self._release.set()
        if self._server is None:
            await self._listen()

    def status_answer(self, n: int) -> int:
        """The byte answered to DLE EOT ``n`` now."""
        c = self._condition
        printer, cause, sensor = status_bytes(
            cover_open=c.cover_open, paper_near_end=c.paper_near_end, paper_out=c.paper_out
        )
        return {1: printer, 2: cause, 3: 0x12, 4: sensor}[n]

    # ---- observing -------------------------------------------------------------------------------

    @property
    def printed(self) -> list[bytes]:
        """The data of every finished job that printed, oldest first."""
        return [bytes(job.data) for job in self.jobs if job.closed and job.printed]

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``predicate()`` holds (checked after every change); TimeoutError after ``within`` seconds."""
        assert self._changed is not None, "start() the fake printer first"
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), within)

    async def wait_for_jobs(self, count: int, within: float = 5.0) -> list[bytes]:
        """Wait for ``count`` printed jobs; returns their data."""
        await self.wait_for(lambda: len(self.printed) >= count, within)
        return self.printed

    async def wait_for_connections(self, count: int, within: float = 5.0) -> None:
        await self.wait_for(lambda: len(self.jobs) >= count, within)

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    # ---- one connection --------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        job = Job(connection=len(self.jobs) + 1)
        self.jobs.append(job)
        try:
            await self._notify()
            if self._condition.reset:
                sock = writer.get_extra_info("socket")
                if sock is not None:  # SO_LINGER 0: close sends RST, the client sees "connection reset"
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            if self._condition.stalled:
                await self._release.wait()
                return
            await self._read(reader, writer, job)
        except ConnectionError:
            pass
        finally:
            job.closed = True
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.transport.abort()
            if self.on_job is not None and job.data:
                self.on_job(job)
            with contextlib.suppress(RuntimeError):
                await self._notify()

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, job: Job) -> None:
        buffer = bytearray()
        while True:
            if self._condition.stalled:
                await self._release.wait()
            chunk = await reader.read(65536)
            if not chunk:
                if buffer:
                    job.data += buffer  # a truncated last command stays visible to tests
                return
            job.raw += chunk
            buffer += chunk
            i = 0
            while (found := escpos.split_command(buffer, i)) is not None:
                op, end = found
                if isinstance(op, escpos.Command) and op.name == "DLE EOT":
                    job.queries.append(op.args[0])
                    if self._condition.answers and op.args[0] in (1, 2, 3, 4):
                        answer = self.status_answer(op.args[0])
                        job.answered.append(answer)
                        writer.write(bytes((answer,)))
                        await writer.drain()
                elif self._condition.paper_out or self._condition.cover_open:
                    job.discarded += buffer[i:end]
                else:
                    job.data += buffer[i:end]
                i = end
            del buffer[:i]
            await self._notify()


# ---- in a thread, for code without an event loop -------------------------------------------------


@contextlib.contextmanager
def fake_printer_thread(port: int = 0) -> Iterator[tuple[FakePrinter, asyncio.AbstractEventLoop]]:
    """A fake printer on its own event loop thread (benches, demos, servers running in other threads).

    Change its condition with ``asyncio.run_coroutine_threadsafe(printer.recover(), loop)`` or
    ``loop.call_soon_threadsafe(printer.set_paper, ...)``.
    """
    loop = asyncio.new_event_loop()
    printer = FakePrinter(port=port)
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(printer.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="fake-printer", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the fake printer did not start")
    try:
        yield printer, loop
    finally:
        asyncio.run_coroutine_threadsafe(printer.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake ESC/POS network printer (answers DLE EOT like a TM-T88).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--preview", type=Path, help="write each received job as a PNG into this folder")
    parser.add_argument("--width", type=int, default=576, help="paper width in dots for the PNGs (576 or 384)")
    args = parser.parse_args(argv)

    def on_job(job: Job) -> None:
        print(f"job {job.connection}: {len(job.data)} bytes, {job.cuts} cut(s)", flush=True)
        if args.preview is not None:
            from printers.preview import preview_pngs

            args.preview.mkdir(parents=True, exist_ok=True)
            for i, png in enumerate(preview_pngs(bytes(job.data), args.width), 1):
                (args.preview / f"job-{job.connection:04d}-{i}.png").write_bytes(png)

    async def run() -> None:
        async with FakePrinter(args.host, args.port, on_job=on_job) as printer:
            print(f"fake printer listening on {printer.uri}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
