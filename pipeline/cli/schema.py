"""`schema diff` and `schema update`: the curated schema against the latest run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline import config as config_module
from pipeline.cli import options
from pipeline.cli.exits import EXIT_OK, EXIT_USAGE, UsageError
from pipeline.cli.terminal import quiet_tensorflow

NAME = "schema"
_ACTION_SUMMARIES = {
    "diff": "show how the latest inferred schema (SchemaGen) differs from the curated one",
    "update": "relax the curated schema to accept the latest statistics and write it "
    "back, for review in git",
}


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="compare or update the curated schema against the data",
        description="Review the curated schema against the latest run.",
    )
    actions = parser.add_subparsers(dest="schema_command", metavar="ACTION", required=True)
    for action, summary in _ACTION_SUMMARIES.items():
        sub = actions.add_parser(action, help=summary, description=summary)
        options.add_run_selection(sub)
        sub.add_argument(
            "--schema",
            type=Path,
            default=Path(config_module.DEFAULT_SCHEMA),
            help="the curated schema file (default: %(default)s)",
        )


def run(args: argparse.Namespace) -> int:
    from pipeline.metadata import MetadataNotFoundError

    if not args.schema.is_file():
        raise UsageError(f"curated schema {args.schema} does not exist")
    try:
        (_diff if args.schema_command == "diff" else _update)(args)
    except (MetadataNotFoundError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _diff(args: argparse.Namespace) -> None:
    from pipeline.review import schema as schema_review

    changes, inferred = schema_review.diff(
        args.schema, args.output_dir.resolve(), args.pipeline_name
    )
    print(
        changes or f"no differences between {args.schema} and {inferred}",
        end="" if changes else "\n",
    )


def _update(args: argparse.Namespace) -> None:
    from pipeline.review import schema as schema_review

    quiet_tensorflow(level="3")
    changes = schema_review.update(args.schema, args.output_dir.resolve(), args.pipeline_name)
    print(
        changes or f"{args.schema} already accepts the latest statistics",
        end="" if changes else "\n",
    )
    if changes:
        print(
            f"Wrote {args.schema}; review it with `git diff` (comments "
            f"inside feature blocks are not kept) before committing."
        )
