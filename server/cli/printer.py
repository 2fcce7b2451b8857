"""``madoguchi print-test`` and ``madoguchi print-agent``: a printer tried from this PC, and the agent that
feeds a kiosk PC's USB/serial printer from the server.

A test print is audited (``printer.test``, by ``cli:<os user>``) when the store the options name can be reached;
on a kiosk PC without one it still prints, and says it is not in the audit log."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from server.cli.common import Options, Subcommands, audit_if_stored, exit_on_signal

log = logging.getLogger("madoguchi")


def register(sub: Subcommands, options: Options) -> None:
    test = sub.add_parser(
        "print-test", parents=[options.store], help="print a test ticket and show the printer's status"
    )
    test.add_argument("--printer", required=True, metavar="URI", help="e.g. tcp://192.168.10.21:9100?mode=kanji")
    test.set_defaults(run=run_test)
    agent = sub.add_parser("print-agent", help="feed this kiosk PC's USB/serial printer from the server")
    agent.add_argument("--server", required=True, metavar="URL", help="the server, e.g. http://192.168.10.5:8000")
    agent.add_argument("--printer", required=True, metavar="URI", help="e.g. usb://04b8:0202 or serial:///dev/ttyUSB0")
    agent.add_argument("--token-file", type=Path, help="file holding the kiosk's device token "
                       "(default: $MADOGUCHI_DEVICE_TOKEN)")  # fmt: skip
    agent.set_defaults(run=run_agent)


def run_test(args: argparse.Namespace) -> int:
    code, outcome = asyncio.run(print_test(args.printer))
    if outcome is not None:
        audit_if_stored(args, "printer.test", detail=f"{args.printer}: {outcome}")
    return code


async def print_test(uri: str) -> tuple[int, str | None]:
    """(exit status, what became of the page: the printer's state, or why it was not printed; None for a bad
    URI, when no printer was tried)."""
    from printers.errors import PrinterError
    from printers.transport import print_test_page

    try:
        status = await print_test_page(uri)
    except ValueError as exc:
        print(f"bad printer URI: {exc}", file=sys.stderr)
        return 2, None
    except PrinterError as exc:
        print(f"{uri}: not printed: {exc}", file=sys.stderr)
        return 1, f"not printed: {exc}"
    print(f"{uri}: test page sent; printer status {status.state}" + (f" ({status.detail})" if status.detail else ""))
    return (0 if status.state in ("ok", "paper_near_end", "unknown") else 1), status.state


def run_agent(args: argparse.Namespace) -> int:
    from printers.agent import PrintAgent

    token = args.token_file.read_text().strip() if args.token_file else os.environ.get("MADOGUCHI_DEVICE_TOKEN", "")
    if not token:
        print("give the kiosk's device token with --token-file or MADOGUCHI_DEVICE_TOKEN "
              "(from `madoguchi device add --kind kiosk --json`)", file=sys.stderr)  # fmt: skip
        return 2
    try:
        agent = PrintAgent(args.server, token, args.printer)
    except ValueError as exc:
        print(f"bad printer URI: {exc}", file=sys.stderr)
        return 2
    log.info("print agent for %s: printing on %s", args.server, args.printer)
    signal.signal(signal.SIGTERM, exit_on_signal)
    try:
        asyncio.run(agent.run())
    except (KeyboardInterrupt, SystemExit):
        pass
    except PermissionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0
