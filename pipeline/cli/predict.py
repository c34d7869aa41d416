"""`predict`: trips scored with the pushed model, into a CSV file or upserted
into a database table (reverse ETL).

The scoring modules load TensorFlow only with a model and Beam only in a
job, so, unlike the other commands, this one imports them up front.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from components.database.connection import DatabaseError, parse_url
from components.locations import is_uri
from pipeline.cli import options
from pipeline.cli.exits import EXIT_CODES_EPILOG, EXIT_DATA_INVALID, EXIT_OK, EXIT_USAGE, UsageError
from pipeline.cli.terminal import print_progress, quiet_tensorflow
from pipeline.scoring import csv_scoring, reverse_etl
from pipeline.scoring.model import Model, PredictError, latest_model, model_at

NAME = "predict"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="score trips with the pushed model into a CSV file, or "
        "upsert the scores into a database table (reverse ETL)",
        description="Score trips with the newest pushed model. To a CSV file "
        "(--to OUT.csv): every row of a CSV file or folder, in "
        "order, with its probability, decision and model version; "
        "rows are checked like `serve` checks requests, and the "
        "file appears only when complete. To a database: every "
        "trip of a CSV file or folder, or of a database table, "
        "in a Beam job, upserting one row per trip key (trip_id, "
        "or a hash of the row's fields) with the probability, the "
        "decision, the model version and the time. Re-running "
        "replaces rows; a failed job changes nothing.",
        **EXIT_CODES_EPILOG,
    )
    parser.add_argument(
        "--source",
        required=True,
        metavar="CSV|URL",
        help="a CSV file, a folder of CSVs, or a database URL",
    )
    parser.add_argument(
        "--to",
        required=True,
        metavar="FILE.csv|URL",
        dest="target",
        help="a CSV file to write, or a database to upsert the scores into "
        "(SQLite or PostgreSQL URL)",
    )
    parser.add_argument(
        "--table", default=reverse_etl.TABLE, help="table for the scores (default: %(default)s)"
    )
    parser.add_argument(
        "--source-query",
        default=None,
        metavar="SQL",
        help="rows to score from a database source, with the trip_id key "
        "(default: SELECT * FROM trips)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        metavar="DIR",
        help="a SavedModel folder (default: the newest version Pusher wrote under OUTPUT_DIR)",
    )
    options.add_run_selection(parser)
    options.add_beam_arg(
        parser,
        "Apache Beam pipeline option, repeatable, written "
        "with '=' (default: the in-process DirectRunner)",
    )


def run(args: argparse.Namespace) -> int:
    if csv_scoring.is_csv_target(args.target):
        return _score_into_csv(args)
    return _score_into_database(args)


def _score_into_csv(args: argparse.Namespace) -> int:
    _check_csv_scoring_args(args)
    model = _model_to_score_with(args)
    try:
        outcome = csv_scoring.score_csv(Path(args.source), Path(args.target), model, print_progress)
    except PredictError as error:
        print(file=sys.stderr)  # Ends the progress line.
        return _predict_error(error)
    print(f"\nScored {outcome.scored} trips with model version {model.version} into {outcome.path}")
    return EXIT_OK


def _check_csv_scoring_args(args: argparse.Namespace) -> None:
    if is_uri(args.source):
        raise UsageError(
            "a CSV target takes a CSV file or folder as --source; "
            "write scores of a database source to a database"
        )
    _check_source_exists(args.source)
    database_only = {
        "--table": args.table != reverse_etl.TABLE,
        "--source-query": args.source_query is not None,
        "--beam-arg": bool(args.beam_arg),
    }
    for option, given in database_only.items():
        if given:
            raise UsageError(f"{option} is for database targets and sources, not a CSV target")


def _score_into_database(args: argparse.Namespace) -> int:
    try:
        parse_url(args.target)
        if is_uri(args.source):
            parse_url(args.source)
        else:
            _check_source_exists(args.source)
    except ValueError as error:
        raise UsageError(str(error)) from None
    model = _model_to_score_with(args)
    try:
        outcome = reverse_etl.predict(
            args.source,
            args.target,
            model,
            table=args.table,
            source_query=args.source_query or reverse_etl.DEFAULT_SOURCE_QUERY,
            beam_args=tuple(args.beam_arg),
        )
    except PredictError as error:
        return _predict_error(error)
    except DatabaseError as error:
        print(f"error: {error}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"Scored {outcome.scored} trips with model version {model.version}; "
        f"{outcome.rows_in_table} rows in table {outcome.table} of "
        f"{parse_url(args.target).url}"
    )
    return EXIT_OK


def _check_source_exists(source: str) -> None:
    if not Path(source).exists():
        raise UsageError(f"source {source} does not exist")


def _model_to_score_with(args: argparse.Namespace) -> Model:
    """--model, or the newest version pushed for the selected run; says which."""
    try:
        model = (
            model_at(args.model)
            if args.model
            else latest_model(Path(options.selected_run(args).serving_dir))
        )
    except PredictError as error:
        raise UsageError(str(error)) from None
    quiet_tensorflow(level="3")
    print(f"Scoring {args.source} with model version {model.version} ...", file=sys.stderr)
    return model


def _predict_error(error: Exception) -> int:
    # Beam appends the step the error came from; the message names the row.
    message = re.sub(r" \[while running '[^']*'\]", "", str(error))
    print(f"error: {message}; nothing was written", file=sys.stderr)
    return EXIT_DATA_INVALID
