"""`artifacts`: each component's latest successful outputs, from ML Metadata."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline.cli import options
from pipeline.cli.exits import EXIT_OK, EXIT_USAGE

NAME = "artifacts"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="print each component's latest successful outputs as JSON",
        description="Read ML Metadata and print, for each component, its "
        "latest successful (run or cached) execution with the URIs "
        "and properties of its output artifacts.",
    )
    options.add_run_selection(parser)


def run(args: argparse.Namespace) -> int:
    from pipeline.metadata import MetadataNotFoundError, latest_outputs

    selected = options.selected_run(args)
    try:
        outputs = latest_outputs(Path(selected.metadata_path), selected.pipeline_name)
    except MetadataNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        json.dump(outputs, sys.stdout, indent=2)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK
