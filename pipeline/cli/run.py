"""`run`: the whole pipeline on this machine, its inputs checked before TFX
loads and an exit code for each way it can fail."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, List, Tuple

from components.database import span_query
from components.rows import layout
from pipeline import config as config_module
from pipeline.cli import options
from pipeline.cli.exits import (
    EXIT_BUSY,
    EXIT_CODES_EPILOG,
    EXIT_DATA_INVALID,
    EXIT_FAILED,
    EXIT_NOT_BLESSED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    find_cause,
)
from pipeline.cli.terminal import quiet_tensorflow

if TYPE_CHECKING:
    from pipeline import preflight
    from pipeline.runners.local import RunResult

NAME = "run"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="run the whole pipeline locally (Beam's DirectRunner, Spark or Flink)",
        description="Run ExampleGen through Pusher with LocalDagRunner. "
        "Components whose inputs and code did not change are "
        "taken from cache.",
        **EXIT_CODES_EPILOG,
    )
    source = parser.add_mutually_exclusive_group()
    options.add_local_data_root(
        source,
        "folder of quarterly trips CSVs laid out like data/trips (default: the bundled data)",
    )
    source.add_argument(
        "--database",
        nargs="?",
        const=config_module.DEFAULT_DATABASE_URL,
        default=None,
        metavar="URL",
        help="train from a database instead of CSVs: sqlite:///PATH or "
        "postgresql://[USER@]HOST[:PORT]/DBNAME (without a URL: "
        f"{config_module.DEFAULT_DATABASE_URL}, filled by load-db). The "
        "PostgreSQL password comes from PGPASSWORD or the PGPASSFILE file, "
        "never from the URL",
    )
    parser.add_argument(
        "--db-query",
        default=None,
        metavar="SQL",
        help="the span query (with --database), restricting trip_start_timestamp "
        "to {span_begin} <= t < {span_end} and returning the trip_id key "
        f"(default: {span_query.DEFAULT_QUERY})",
    )
    parser.add_argument(
        "--window-spans",
        type=options.positive_int,
        default=None,
        metavar="N",
        help="train and evaluate on the newest N quarters (spans); older ones "
        "are neither ingested nor read (default: every quarter)",
    )
    options.add_output_dir(parser)
    options.add_beam_arg(
        parser,
        "extra Apache Beam pipeline option, repeatable; write it "
        "with '=', e.g. --beam-arg=--direct_num_workers=4. It "
        "overrides the default, chosen by input size: "
        f"{' '.join(config_module.in_process_beam_args())} up to "
        f"{config_module.IN_PROCESS_MAX_ROWS:,} rows, else "
        "multi_processing with one worker per core (StatisticsGen, "
        "which works span by span: by the largest span's rows)",
    )
    options.add_engine_options(parser, local=True)
    parser.add_argument(
        "--analyzer-cache",
        action="store_true",
        help="keep Transform's analyzer cache, so a run analyzes only the "
        "spans it has none for; pays off with large spans on a cluster "
        "runner, not on the DirectRunner (see the README's Spans section)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="re-run every component even if a cached result exists",
    )
    options.add_train_steps(parser, "training steps for the Trainer (default: %(default)s)")
    options.add_serving_sample(
        parser,
        "folder of CSVs of serving requests (every column but tips); the "
        "run checks them against the SERVING schema and for skew against "
        "the training data",
        metavar="DIR",
        value_type=Path,
    )
    options.add_data_gate_options(parser)
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show the full TFX/Beam/TensorFlow log on the terminal and stack traces on errors",
    )


def run(args: argparse.Namespace) -> int:
    from components.database.connection import DatabaseError
    from pipeline import preflight
    from pipeline.runners import engines

    config = _run_config(args)
    try:
        engines.check(config.engine)
    except engines.EngineError as error:
        raise UsageError(str(error)) from None
    try:
        summaries = _check_inputs(args, config)
    except preflight.InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_DATA_INVALID
    except DatabaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for warning in (w for summary in summaries for w in summary.warnings):
        print(f"warning: {warning}", file=sys.stderr)
    training_data = summaries[0]
    if config.engine.name == "direct":
        config = dataclasses.replace(
            config,
            beam_args=_beam_args(args, training_data.rows),
            span_beam_args=_beam_args(args, training_data.largest_span_rows),
        )
    else:  # The engine's own arguments (pipeline.runners.engines), then --beam-arg.
        config = dataclasses.replace(config, beam_args=tuple(args.beam_arg))
    return _run_pipeline(config, args.verbose)


def _run_config(args: argparse.Namespace) -> config_module.PipelineConfig:
    database = _database_source(args)
    if database is None:
        _check_data_root(args.data_root, layout.ALL_QUARTERS_PATTERN)
    if args.serving_sample is not None:
        options.require_directory(args.serving_sample, "serving sample")
    if args.output_dir.exists() and not args.output_dir.is_dir():
        raise UsageError(f"output dir {args.output_dir} exists and is not a directory")
    return config_module.PipelineConfig(
        data_root=args.data_root,
        database=database,
        engine=options.engine(args),
        window_spans=args.window_spans,
        output_dir=args.output_dir,
        enable_cache=not args.no_cache,
        analyzer_cache=args.analyzer_cache,
        **options.train_steps_fields(args),
        **options.serving_sample_fields(args),
        **options.data_gate_fields(args),
    )


def _database_source(args: argparse.Namespace):
    if args.database is None:
        if args.db_query is not None:
            raise UsageError("--db-query needs --database")
        return None
    try:
        return config_module.DatabaseSource(
            url=args.database,
            **({"query": args.db_query} if args.db_query is not None else {}),
        )
    except ValueError as error:
        raise UsageError(str(error)) from None


def _check_data_root(data_root: Path, pattern: str) -> None:
    options.require_directory(data_root, "data root")
    if not any(data_root.glob(pattern)):
        raise UsageError(
            f"data root {data_root} has no files matching {pattern!r}; "
            f"lay the CSVs out like data/trips (one folder per quarter)"
        )


def _check_inputs(
    args: argparse.Namespace, config: config_module.PipelineConfig
) -> List[preflight.InputSummary]:
    """Reads every input once before TFX loads; the training data's summary first."""
    from pipeline import preflight

    limit = config.max_quarantined_fraction
    summaries = [
        preflight.check_database(config.database, config.window_spans)
        if config.database
        else preflight.check_trips(args.data_root, layout.ALL_QUARTERS_PATTERN, limit)
    ]
    if args.serving_sample is not None:
        summaries.append(preflight.check_serving_sample(args.serving_sample, limit))
    return summaries


def _beam_args(args: argparse.Namespace, input_rows: int) -> Tuple[str, ...]:
    """The running mode for this much data; --beam-arg options come last and win."""
    return config_module.beam_args_for(input_rows) + tuple(args.beam_arg)


def _run_pipeline(config: config_module.PipelineConfig, verbose: bool) -> int:
    # Keeps TensorFlow's errors; local.run sends them to the run's log file.
    quiet_tensorflow(level="2")
    # Imports TFX only inside run(), after the log redirection.
    from pipeline.runners import local
    from pipeline.runners.run_lock import OutputDirBusyError

    started = time.monotonic()
    try:
        result = local.run(config, verbose=verbose)
    except OutputDirBusyError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except Exception as error:  # Reported with an exit code per cause.
        if verbose:
            raise
        return _report_failure(error, config)
    _print_outcome(result)
    _report_after_run(config)
    print(f"Done in {time.monotonic() - started:.0f} s.")
    return EXIT_OK


def _report_failure(error: Exception, config: config_module.PipelineConfig) -> int:
    """Says why the pipeline failed; returns the exit code for that cause."""
    from components.anomaly_gate.executor import DataValidationError
    from components.csv_ingest.executor import QuarantineLimitError
    from components.database.connection import DatabaseError
    from pipeline.runners import local

    if invalid := (
        find_cause(error, DataValidationError) or find_cause(error, QuarantineLimitError)
    ):
        print(f"error: {invalid}", file=sys.stderr)
        _report_after_run(config)
        return EXIT_DATA_INVALID
    if unreadable := find_cause(error, DatabaseError):
        print(f"error: {unreadable}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(error, local.ModelNotBlessedError):
        print(f"error: {error}", file=sys.stderr)
        return EXIT_NOT_BLESSED
    print(
        f"error: the pipeline failed: {type(error).__name__}: {error}\n"
        f"The full log is under {config.log_dir}; re-run with "
        f"--verbose for the stack trace.",
        file=sys.stderr,
    )
    return EXIT_FAILED


def _print_outcome(result: RunResult) -> None:
    """The data checks, the anomalies let pass, and the pushed model's metrics."""
    metrics = ", ".join(
        f"{name} {value:.4f}"
        for name, value in sorted(result.metrics.items())
        if name != "example_count"
    )
    for check, outcome in result.data_checks.items():
        print(f"{check.replace('_', ' ').capitalize()}: {outcome}")
    for accepted in result.accepted_anomalies:
        print(f"warning: accepted after review: {accepted}", file=sys.stderr)
    print(f"Model blessed ({metrics}) and pushed to {result.pushed_model_dir}")


def _report_after_run(config: config_module.PipelineConfig) -> None:
    """Points at the statistics review; a failure here never fails the run."""
    from pipeline.review.statistics import write_review

    try:
        report, _ = write_review(Path(config.output_dir), config.pipeline_name)
    except Exception as error:  # The run's own outcome matters more.
        print(f"warning: could not write the statistics report: {error}", file=sys.stderr)
        return
    print(f"Statistics report: {report}")
