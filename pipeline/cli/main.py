"""`python -m pipeline`: the top-level parser, each command's subparser added
by its module, and running the command the arguments name.

Only the standard library and light modules load up front, so `--help` and
argument errors answer at once; TensorFlow and TFX load when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType
from typing import Dict, Optional, Sequence

from pipeline.cli import artifacts, export_kubeflow, load_db, predict, report, run, schema, serve
from pipeline.cli.exits import EXIT_CODES_EPILOG, EXIT_INTERRUPTED, EXIT_USAGE, UsageError

# Each module has NAME, add_parser(commands) and run(args) -> exit code;
# `--help` lists them in this order.
COMMANDS: Dict[str, ModuleType] = {
    command.NAME: command
    for command in (run, artifacts, report, schema, load_db, predict, serve, export_kubeflow)
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="TFX pipeline on the Chicago taxi trips data: validate, "
        "transform, train, evaluate and push a big-tipper model.",
        **EXIT_CODES_EPILOG,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS.values():
        command.add_parser(commands)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
