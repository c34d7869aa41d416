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
        "statistics with standard and quantile histograms, train against "
        "eval, the curated schema's domains, span drift against the gate's "
        "thresholds, every feature's history over the spans and the "
        "anomalies with the override that lets each pass. TFDV's Facets "
        "page (which needs the internet) is written beside it.",
    )
    options.add_run_selection(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="where to write the report (default: OUTPUT_DIR/report/statistics.html)",
    )
    parser.add_argument(
        "--against",
        default="",
        metavar="RUN_OR_SPAN",
        help="put other statistics beside the newest span's: another run's "
        "output dir (its newest span) or a span of this run, e.g. 2014-04-01",
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.metadata import MetadataNotFoundError

    quiet_tensorflow(level="3")
    from pipeline.review.statistics import AgainstNotFoundError, write_review

    try:
        report, facets = write_review(
            args.output_dir.resolve(), args.pipeline_name, args.out, args.against
        )
    except (MetadataNotFoundError, AgainstNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Statistics report (works offline): {report}")
    print(f"TFDV Facets page (needs the internet): {facets}")
    return EXIT_OK
