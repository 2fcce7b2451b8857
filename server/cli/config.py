"""``madoguchi config check FILE``: every error of a configuration file, each with its key path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.cli.common import Options, Subcommands
from server.config import check_config, load_config


def register(sub: Subcommands, options: Options) -> None:
    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="report every error of a configuration file with its key path")
    check.add_argument("file", type=Path)
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    path: Path = args.file
    problems = check_config(path)
    if problems:
        print(f"{path}: {len(problems)} error(s)", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    cfg = load_config(path)
    print(f"{path}: OK ({len(cfg.sites)} sites, {len(cfg.services)} services, "
          f"{len(cfg.sunday_openings)} Sunday openings, {len(cfg.outreach_events)} outreach events)")  # fmt: skip
    return 0
