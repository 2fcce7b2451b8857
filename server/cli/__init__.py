"""The ``madoguchi`` command (DESIGN §9): one module per command group, each adding its parser with
``register(subcommands, options)`` and naming the function that runs it (``set_defaults(run=...)``)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from server.cli import config, day, device, export, printer, report, reservations, serve, staff, sync
from server.cli.common import Command, Options
from server.config import ConfigError
from server.queue.errors import DomainError
from server.settings import SettingsError

GROUPS = (serve, config, day, report, export, sync, reservations, staff, device, printer)
"""In the order ``madoguchi --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="Queue and reception system for service counters")
    sub = parser.add_subparsers(dest="command", required=True)
    options = Options()
    for group in GROUPS:
        group.register(sub, options)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    run: Command = args.run
    try:
        return run(args)
    except DomainError as exc:
        print(f"{exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except ConfigError as exc:
        print("the configuration has errors:", *(f"  {p}" for p in exc.errors), sep="\n", file=sys.stderr)
        return 2
