"""`report`: the latest run's statistics as one HTML page that opens offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.cli import options
from pipeline.cli.exits import EXIT_OK, EXIT_USAGE
from pipeline.cli.terminal import quiet_tensorflow

NAME = "report"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="write a self-contained HTML review of the latest run's statistics",
        description="Write one HTML file that opens offline: per-feature "
        "statistics and distributions, train against eval, span "
        "drift and ExampleValidator anomalies. TFDV's Facets page "
        "(which needs the internet) is written beside it.",
    )
    options.add_run_selection(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="where to write the report (default: OUTPUT_DIR/report/statistics.html)",
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.metadata import MetadataNotFoundError

    quiet_tensorflow(level="3")
    from pipeline.review.statistics import write_review

    try:
        report, facets = write_review(args.output_dir.resolve(), args.pipeline_name, args.out)
    except MetadataNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Statistics report (works offline): {report}")
    print(f"TFDV Facets page (needs the internet): {facets}")
    return EXIT_OK
