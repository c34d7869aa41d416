"""`load-db`: the trips CSVs upserted into a database table, all or nothing."""

from __future__ import annotations

import argparse
import sys

from components.rows import layout
from pipeline import config as config_module
from pipeline.cli import options
from pipeline.cli.exits import EXIT_CODES_EPILOG, EXIT_DATA_INVALID, EXIT_OK, EXIT_USAGE, UsageError
from pipeline.cli.terminal import print_progress

NAME = "load-db"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="load the trips CSVs into a database table (trips)",
        description="Create the trips table (a column per raw feature, typed "
        "from the feature spec, and the key trip_id) and upsert "
        "every row of the CSVs. Loading the same files again "
        "replaces rows; the first unparsable row fails the load "
        "and nothing is committed.",
        **EXIT_CODES_EPILOG,
    )
    parser.add_argument(
        "--database",
        default=config_module.DEFAULT_DATABASE_URL,
        metavar="URL",
        help="sqlite:///PATH or postgresql://[USER@]HOST[:PORT]/DBNAME (default: %(default)s)",
    )
    options.add_local_data_root(
        parser, "folder of quarterly trips CSVs (default: the bundled data)"
    )


def run(args: argparse.Namespace) -> int:
    from components.database.connection import DatabaseError, parse_url
    from pipeline.loading.load_db import LoadError, load

    try:
        database = parse_url(args.database)
    except ValueError as error:
        raise UsageError(str(error)) from None
    options.require_directory(args.data_root, "data root")
    try:
        rows = load(database, args.data_root, layout.ALL_QUARTERS_PATTERN, print_progress)
    except LoadError as error:
        print(f"\nerror: {error}; nothing was loaded", file=sys.stderr)
        return EXIT_DATA_INVALID
    except DatabaseError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"\nLoaded {rows} trips into table trips of {database.url}")
    return EXIT_OK
