"""Command line: `python -m pipeline` (also installed as `taxi-pipeline`).

Only the standard library is imported up front, so `--help` and argument
errors answer at once; TensorFlow and TFX load when a command runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Optional, Sequence, Tuple

from components import span_query
from pipeline import config as config_module
from pipeline import datasets

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DATA_INVALID = 3
EXIT_NOT_BLESSED = 4
EXIT_BUSY = 5

EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}  success
  {EXIT_FAILED}  a component failed (see the log file named in the message)
  {EXIT_USAGE}  bad arguments or input paths, or a database that cannot be read
     (unreachable, credentials refused, missing table, failing query)
  {EXIT_DATA_INVALID}  the data is unreadable, broke the curated schema or drifted; nothing was trained
  {EXIT_NOT_BLESSED}  the new model missed the evaluation thresholds; nothing was pushed
  {EXIT_BUSY}  another run is using the output dir; nothing was done
"""


PREDICT_DEFAULT_TABLE = "trip_predictions"


class UsageError(Exception):
    """Bad arguments or paths, found before any heavy work starts."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {value}")
    return value


def _accepted_anomaly(text: str):
    from components.accepted_anomalies import parse_accepted

    try:
        return parse_accepted(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def _add_data_gate_options(parser: argparse.ArgumentParser) -> None:
    """How much bad input a run tolerates: the same for local and Kubeflow runs."""
    parser.add_argument(
        "--accept-anomaly", action="append", default=[], metavar="FEATURE:TYPE",
        type=_accepted_anomaly,
        help="let one reviewed anomaly pass the gate, as the gate's message "
             "names it (e.g. company:COMPARATOR_L_INFTY_HIGH); repeatable; "
             "recorded in ML Metadata")
    parser.add_argument(
        "--max-quarantined", type=_fraction, default=0.0, metavar="FRACTION",
        help="share of unparsable CSV rows (wrong field count, not UTF-8, a cell "
             "not of its column's type) to set aside in a quarantine artifact "
             "instead of failing, e.g. 0.001; default 0: fail on the first one")


def _add_beam_arg(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--beam-arg", action="append", default=[], metavar="ARG",
                        help=help_text)


def _add_output_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-dir", type=Path, default=Path(config_module.DEFAULT_OUTPUT_DIR),
        help="where pipeline artifacts, ML Metadata, logs and the serving "
             "directory live (default: %(default)s)")


def _add_run_selection(parser: argparse.ArgumentParser) -> None:
    """Which finished run a reading command looks at."""
    _add_output_dir(parser)
    parser.add_argument(
        "--pipeline-name", default=config_module.PipelineConfig.pipeline_name,
        help="pipeline name in ML Metadata (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="TFX pipeline on the Chicago taxi trips data: validate, "
                    "transform, train, evaluate and push a big-tipper model.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     required=True)

    run = commands.add_parser(
        "run", help="run the whole pipeline locally (Beam DirectRunner)",
        description="Run ExampleGen through Pusher with LocalDagRunner. "
                    "Components whose inputs and code did not change are "
                    "taken from cache.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    source = run.add_mutually_exclusive_group()
    source.add_argument(
        "--data-root", type=Path, default=Path(config_module.DEFAULT_DATA_ROOT),
        help="folder of quarterly trips CSVs laid out like data/trips "
             "(default: the bundled data)")
    source.add_argument(
        "--database", nargs="?", const=config_module.DEFAULT_DATABASE_URL,
        default=None, metavar="URL",
        help="train from a database instead of CSVs: sqlite:///PATH or "
             "postgresql://[USER@]HOST[:PORT]/DBNAME (without a URL: "
             f"{config_module.DEFAULT_DATABASE_URL}, filled by load-db). The "
             "PostgreSQL password comes from PGPASSWORD or the PGPASSFILE file, "
             "never from the URL")
    run.add_argument(
        "--db-query", default=None, metavar="SQL",
        help="the span query (with --database), restricting trip_start_timestamp "
             "to {span_begin} <= t < {span_end} and returning the trip_id key "
             f"(default: {span_query.DEFAULT_QUERY})")
    run.add_argument(
        "--db-spans", type=_positive_int, default=None, metavar="N",
        help="with --database: ingest only the newest N quarters (default: "
             "every quarter with rows)")
    _add_output_dir(run)
    _add_beam_arg(run, "extra Apache Beam pipeline option, repeatable; write it "
                       "with '=', e.g. --beam-arg=--direct_num_workers=4. It "
                       "overrides the default, chosen by input size: "
                       f"{' '.join(config_module.in_process_beam_args())} up to "
                       f"{config_module.IN_PROCESS_MAX_ROWS:,} rows, else "
                       "multi_processing with one worker per core")
    run.add_argument("--no-cache", action="store_true",
                     help="re-run every component even if a cached result exists")
    run.add_argument(
        "--train-steps", type=_positive_int,
        default=config_module.PipelineConfig.train_steps,
        help="training steps for the Trainer (default: %(default)s)")
    run.add_argument(
        "--serving-sample", type=Path, default=None, metavar="DIR",
        help="folder of CSVs of serving requests (every column but tips); the "
             "run checks them against the SERVING schema and for skew against "
             "the training data")
    _add_data_gate_options(run)
    run.add_argument("--verbose", action="store_true",
                     help="show the full TFX/Beam/TensorFlow log on the terminal "
                          "and stack traces on errors")

    artifacts = commands.add_parser(
        "artifacts",
        help="print each component's latest successful outputs as JSON",
        description="Read ML Metadata and print, for each component, its "
                    "latest successful (run or cached) execution with the URIs "
                    "and properties of its output artifacts.")
    _add_run_selection(artifacts)

    report = commands.add_parser(
        "report",
        help="write a self-contained HTML review of the latest run's statistics",
        description="Write one HTML file that opens offline: per-feature "
                    "statistics and distributions, train against eval, span "
                    "drift and ExampleValidator anomalies. TFDV's Facets page "
                    "(which needs the internet) is written beside it.")
    _add_run_selection(report)
    report.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="where to write the report (default: "
                             "OUTPUT_DIR/report/statistics.html)")

    schema = commands.add_parser(
        "schema", help="compare or update the curated schema against the data",
        description="Review the curated schema against the latest run.")
    schema_commands = schema.add_subparsers(dest="schema_command", metavar="ACTION",
                                            required=True)
    for action, summary in (
            ("diff", "show how the latest inferred schema (SchemaGen) differs "
                     "from the curated one"),
            ("update", "relax the curated schema to accept the latest statistics "
                       "and write it back, for review in git")):
        sub = schema_commands.add_parser(action, help=summary, description=summary)
        _add_run_selection(sub)
        sub.add_argument("--schema", type=Path,
                         default=Path(config_module.DEFAULT_SCHEMA),
                         help="the curated schema file (default: %(default)s)")

    load_db = commands.add_parser(
        "load-db", help="load the trips CSVs into a database table (trips)",
        description="Create the trips table (a column per raw feature, typed "
                    "from the feature spec, and the key trip_id) and upsert "
                    "every row of the CSVs. Loading the same files again "
                    "replaces rows; the first unparsable row fails the load "
                    "and nothing is committed.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    load_db.add_argument(
        "--database", default=config_module.DEFAULT_DATABASE_URL, metavar="URL",
        help="sqlite:///PATH or postgresql://[USER@]HOST[:PORT]/DBNAME "
             "(default: %(default)s)")
    load_db.add_argument(
        "--data-root", type=Path, default=Path(config_module.DEFAULT_DATA_ROOT),
        help="folder of quarterly trips CSVs (default: the bundled data)")

    predict = commands.add_parser(
        "predict", help="score trips with the pushed model into a CSV file, or "
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
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    predict.add_argument(
        "--source", required=True, metavar="CSV|URL",
        help="a CSV file, a folder of CSVs, or a database URL")
    predict.add_argument(
        "--to", required=True, metavar="FILE.csv|URL", dest="target",
        help="a CSV file to write, or a database to upsert the scores into "
             "(SQLite or PostgreSQL URL)")
    predict.add_argument("--table", default=PREDICT_DEFAULT_TABLE,
                         help="table for the scores (default: %(default)s)")
    predict.add_argument(
        "--source-query", default=None, metavar="SQL",
        help="rows to score from a database source, with the trip_id key "
             "(default: SELECT * FROM trips)")
    predict.add_argument(
        "--model", type=Path, default=None, metavar="DIR",
        help="a SavedModel folder (default: the newest version Pusher wrote "
             "under OUTPUT_DIR)")
    _add_run_selection(predict)
    _add_beam_arg(predict, "Apache Beam pipeline option, repeatable, written "
                           "with '=' (default: the in-process DirectRunner)")

    serve = commands.add_parser(
        "serve", help="serve the pushed model over TensorFlow Serving's REST API",
        description="Serve the newest model version Pusher wrote, with TF "
                    "Serving's REST API: POST /v1/models/NAME:predict with "
                    "{\"instances\": [{raw trip}, ...]} returns "
                    "{\"predictions\": [[probability], ...]}; GET "
                    "/v1/models/NAME gives the version status, GET /healthz "
                    "the health. Each instance is checked against the SERVING "
                    "environment of the schema the model was trained under; a "
                    "bad one gets a 400 naming the field. A newer version "
                    "pushed while serving is loaded, warmed up and swapped in "
                    "without failing a request.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    default_serving_dir = Path(config_module.PipelineConfig().serving_dir)
    serve.add_argument(
        "--serving-dir", type=Path, default=default_serving_dir, metavar="DIR",
        help="the folder of numbered model versions Pusher writes "
             "(default: %(default)s, where `run` pushes)")
    serve.add_argument("--model-name", default=None,
                       help="NAME in the URLs (default: the serving dir's "
                            f"folder name, {default_serving_dir.name})")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on; 0.0.0.0 for every interface, "
                            "e.g. in a container (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=8501,
                       help="TCP port (default: %(default)s, TF Serving's REST port)")
    serve.add_argument("--poll-seconds", type=_positive_float, default=1.0,
                       help="how often to look for a newer version "
                            "(default: %(default)s)")
    serve.add_argument(
        "--max-request-bytes", type=_positive_int,
        default=4 * 1024 * 1024,
        help="larger request bodies get 413 (default: %(default)s)")

    export = commands.add_parser(
        "export-kubeflow",
        help="compile the pipeline for Kubeflow Pipelines v2 or Vertex AI",
        description="Compile the same pipeline `run` executes, through "
                    "KubeflowV2DagRunner. Works offline: it touches neither the "
                    "pipeline root nor the data. data_root and train_args are "
                    "runtime parameters, changeable per run in the KFP UI.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    export.add_argument("--image", required=True,
                        help="container image every task runs (built from the "
                             "Dockerfile), with a tag or digest, e.g. "
                             "ghcr.io/org/taxi-pipeline:1.0")
    export.add_argument("--pipeline-root", required=True, metavar="URI",
                        help="where the tasks write artifacts and push models, "
                             "e.g. gs://bucket/taxi")
    export.add_argument(
        "--pipeline-name", default=config_module.PipelineConfig.pipeline_name,
        help="lowercase letters, digits and dashes (default: %(default)s)")
    export.add_argument("--output", required=True, type=Path, metavar="FILE",
                        help="FILE.yaml: PipelineSpec for open-source KFP; "
                             "FILE.json: Vertex AI PipelineJob")
    export.add_argument("--data-root", metavar="URI", default=None,
                        help="default of the data_root runtime parameter "
                             "(default: the data bundled in the image)")
    _add_beam_arg(export, "Beam option for the cluster's runs, repeatable, "
                          "written with '=', e.g. --beam-arg=--runner=DataflowRunner; "
                          "credentials are refused")
    export.add_argument("--serving-sample", metavar="URI", default=None,
                        help="folder of serving-request CSVs to check for skew "
                             "(default: no skew check)")
    _add_data_gate_options(export)
    export.add_argument(
        "--train-steps", type=_positive_int,
        default=config_module.PipelineConfig.train_steps,
        help="default of the train_args runtime parameter (default: %(default)s)")
    return parser


def _check_data_root(data_root: Path, pattern: str) -> None:
    if not data_root.is_dir():
        raise UsageError(f"data root {data_root} is not a directory")
    if not any(data_root.glob(pattern)):
        raise UsageError(f"data root {data_root} has no files matching {pattern!r}; "
                         f"lay the CSVs out like data/trips (one folder per quarter)")


def _database_source(args: argparse.Namespace):
    if args.database is None:
        if args.db_query is not None or args.db_spans is not None:
            raise UsageError("--db-query and --db-spans need --database")
        return None
    try:
        return config_module.DatabaseSource(
            url=args.database, num_spans=args.db_spans,
            **({"query": args.db_query} if args.db_query is not None else {}))
    except ValueError as error:
        raise UsageError(str(error)) from None


def _run_config(args: argparse.Namespace) -> config_module.PipelineConfig:
    database = _database_source(args)
    if database is None:
        _check_data_root(args.data_root, datasets.ALL_QUARTERS_PATTERN)
    if args.serving_sample is not None and not args.serving_sample.is_dir():
        raise UsageError(f"serving sample {args.serving_sample} is not a directory")
    if args.output_dir.exists() and not args.output_dir.is_dir():
        raise UsageError(f"output dir {args.output_dir} exists and is not a directory")
    return config_module.PipelineConfig(
        data_root=args.data_root,
        database=database,
        output_dir=args.output_dir,
        train_steps=args.train_steps,
        enable_cache=not args.no_cache,
        serving_data_root=args.serving_sample,
        accepted_anomalies=tuple(args.accept_anomaly),
        max_quarantined_fraction=args.max_quarantined)


def _beam_args(args: argparse.Namespace, input_rows: int) -> Tuple[str, ...]:
    """The running mode for this much data; --beam-arg options come last and win."""
    return config_module.beam_args_for(input_rows) + tuple(args.beam_arg)


def _find_cause(error: BaseException, cls: type) -> Optional[BaseException]:
    while error is not None:
        if isinstance(error, cls):
            return error
        error = error.__cause__ or error.__context__
    return None


def _command_run(args: argparse.Namespace) -> int:
    from pipeline import preflight

    from components.database import DatabaseError

    config = _run_config(args)
    try:
        limit = config.max_quarantined_fraction
        summaries = [
            preflight.check_database(config.database) if config.database
            else preflight.check_trips(args.data_root, config.input_pattern, limit)]
        if args.serving_sample is not None:
            summaries.append(preflight.check_serving_sample(args.serving_sample, limit))
    except preflight.InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_DATA_INVALID
    except DatabaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for warning in (w for summary in summaries for w in summary.warnings):
        print(f"warning: {warning}", file=sys.stderr)
    config = dataclasses.replace(config, beam_args=_beam_args(args, summaries[0].rows))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Imports TFX only inside run(), after the log redirection.
    from pipeline import local_run

    from pipeline.run_lock import OutputDirBusyError

    started = time.monotonic()
    try:
        result = local_run.run(config, verbose=args.verbose)
    except OutputDirBusyError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except Exception as error:  # Reported below with an exit code per cause.
        if args.verbose:
            raise
        from components.anomaly_gate import DataValidationError
        from components.csv_ingest import QuarantineLimitError

        if invalid := (_find_cause(error, DataValidationError)
                       or _find_cause(error, QuarantineLimitError)):
            print(f"error: {invalid}", file=sys.stderr)
            _report_after_run(config)
            return EXIT_DATA_INVALID
        if unreadable := _find_cause(error, DatabaseError):
            print(f"error: {unreadable}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(error, local_run.ModelNotBlessedError):
            print(f"error: {error}", file=sys.stderr)
            return EXIT_NOT_BLESSED
        print(f"error: the pipeline failed: {type(error).__name__}: {error}\n"
              f"The full log is under {config.log_dir}; re-run with "
              f"--verbose for the stack trace.", file=sys.stderr)
        return EXIT_FAILED
    metrics = ", ".join(f"{name} {value:.4f}" for name, value in
                        sorted(result.metrics.items()) if name != "example_count")
    for check, outcome in result.data_checks.items():
        print(f"{check.replace('_', ' ').capitalize()}: {outcome}")
    for accepted in result.accepted_anomalies:
        print(f"warning: accepted after review: {accepted}", file=sys.stderr)
    print(f"Model blessed ({metrics}) and pushed to {result.pushed_model_dir}")
    _report_after_run(config)
    print(f"Done in {time.monotonic() - started:.0f} s.")
    return EXIT_OK


def _report_after_run(config: config_module.PipelineConfig) -> None:
    """Points at the statistics review; a failure here never fails the run."""
    from pipeline.review import write_review

    try:
        report, _ = write_review(Path(config.output_dir), config.pipeline_name)
    except Exception as error:  # The run's own outcome matters more.
        print(f"warning: could not write the statistics report: {error}",
              file=sys.stderr)
        return
    print(f"Statistics report: {report}")


def _command_report(args: argparse.Namespace) -> int:
    from pipeline.metadata import MetadataNotFoundError

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from pipeline.review import write_review

    try:
        report, facets = write_review(args.output_dir.resolve(), args.pipeline_name,
                                      args.out)
    except MetadataNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Statistics report (works offline): {report}")
    print(f"TFDV Facets page (needs the internet): {facets}")
    return EXIT_OK


def _command_artifacts(args: argparse.Namespace) -> int:
    from pipeline.metadata import MetadataNotFoundError, latest_outputs

    metadata_path = config_module.PipelineConfig(output_dir=args.output_dir).metadata_path
    try:
        outputs = latest_outputs(Path(metadata_path), args.pipeline_name)
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


def _command_schema(args: argparse.Namespace) -> int:
    from pipeline import schema_review
    from pipeline.metadata import MetadataNotFoundError

    if not args.schema.is_file():
        raise UsageError(f"curated schema {args.schema} does not exist")
    try:
        if args.schema_command == "diff":
            changes, inferred = schema_review.diff(
                args.schema, args.output_dir.resolve(), args.pipeline_name)
            print(changes or f"no differences between {args.schema} and {inferred}",
                  end="" if changes else "\n")
        else:
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            changes = schema_review.update(args.schema, args.output_dir.resolve(),
                                           args.pipeline_name)
            print(changes or f"{args.schema} already accepts the latest statistics",
                  end="" if changes else "\n")
            if changes:
                print(f"Wrote {args.schema}; review it with `git diff` (comments "
                      f"inside feature blocks are not kept) before committing.")
    except (MetadataNotFoundError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _command_export_kubeflow(args: argparse.Namespace) -> int:
    from pipeline import kubeflow

    try:
        config = kubeflow.kubeflow_config(
            pipeline_root=args.pipeline_root,
            data_root=args.data_root or kubeflow.IMAGE_DATA_ROOT,
            beam_args=tuple(args.beam_arg), train_steps=args.train_steps,
            serving_data_root=args.serving_sample,
            accepted_anomalies=tuple(args.accept_anomaly),
            max_quarantined_fraction=args.max_quarantined,
            pipeline_name=args.pipeline_name)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        output = kubeflow.export(config, args.image, args.output)
    except kubeflow.ExportError as error:
        raise UsageError(str(error)) from error
    print(f"Wrote {output} for image {args.image}, pipeline root {args.pipeline_root}")
    return EXIT_OK


def _command_load_db(args: argparse.Namespace) -> int:
    from components.database import DatabaseError, parse_url
    from pipeline.load_db import LoadError, load

    try:
        database = parse_url(args.database)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if not args.data_root.is_dir():
        raise UsageError(f"data root {args.data_root} is not a directory")

    def progress(rows: int) -> None:
        print(f"\r{rows} rows", end="", file=sys.stderr, flush=True)

    try:
        rows = load(database, args.data_root, datasets.ALL_QUARTERS_PATTERN, progress)
    except LoadError as error:
        print(f"\nerror: {error}; nothing was loaded", file=sys.stderr)
        return EXIT_DATA_INVALID
    except DatabaseError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"\nLoaded {rows} trips into table trips of {database.url}")
    return EXIT_OK


def _model_to_score_with(args: argparse.Namespace):
    from pipeline import predict

    try:
        return (predict.model_at(args.model) if args.model else predict.latest_model(
            Path(config_module.PipelineConfig(
                output_dir=args.output_dir, pipeline_name=args.pipeline_name
            ).serving_dir)))
    except predict.PredictError as error:
        raise UsageError(str(error)) from None


def _predict_error(error: Exception) -> int:
    # Beam appends the step the error came from; the message names the row.
    message = re.sub(r" \[while running '[^']*'\]", "", str(error))
    print(f"error: {message}; nothing was written", file=sys.stderr)
    return EXIT_DATA_INVALID


def _command_score_csv(args: argparse.Namespace) -> int:
    from pipeline import batch_scoring, predict

    if predict.is_database(args.source):
        raise UsageError("a CSV target takes a CSV file or folder as --source; "
                         "write scores of a database source to a database")
    if not Path(args.source).exists():
        raise UsageError(f"source {args.source} does not exist")
    database_only = {"--table": args.table != PREDICT_DEFAULT_TABLE,
                     "--source-query": args.source_query is not None,
                     "--beam-arg": bool(args.beam_arg)}
    for option, given in database_only.items():
        if given:
            raise UsageError(f"{option} is for database targets and sources, "
                             f"not a CSV target")
    model = _model_to_score_with(args)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(f"Scoring {args.source} with model version {model.version} ...",
          file=sys.stderr)

    def progress(rows: int) -> None:
        print(f"\r{rows} rows", end="", file=sys.stderr, flush=True)

    try:
        outcome = batch_scoring.score_csv(Path(args.source), Path(args.target),
                                          model, progress)
    except predict.PredictError as error:
        print(file=sys.stderr)
        return _predict_error(error)
    print(f"\nScored {outcome.scored} trips with model version {model.version} "
          f"into {outcome.path}")
    return EXIT_OK


def _command_predict(args: argparse.Namespace) -> int:
    from components.database import DatabaseError, parse_url
    from pipeline import batch_scoring, predict

    if batch_scoring.is_csv_target(args.target):
        return _command_score_csv(args)
    try:
        parse_url(args.target)
        if predict.is_database(args.source):
            parse_url(args.source)
        elif not Path(args.source).exists():
            raise UsageError(f"source {args.source} does not exist")
    except ValueError as error:
        raise UsageError(str(error)) from None
    model = _model_to_score_with(args)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(f"Scoring {args.source} with model version {model.version} ...",
          file=sys.stderr)
    try:
        outcome = predict.predict(
            args.source, args.target, model, table=args.table,
            source_query=args.source_query or predict.DEFAULT_SOURCE_QUERY,
            beam_args=tuple(args.beam_arg))
    except predict.PredictError as error:
        return _predict_error(error)
    except DatabaseError as error:
        print(f"error: {error}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    print(f"Scored {outcome.scored} trips with model version {model.version}; "
          f"{outcome.rows_in_table} rows in table {outcome.table} of "
          f"{parse_url(args.target).url}")
    return EXIT_OK


def _command_serve(args: argparse.Namespace) -> int:
    import logging

    from pipeline.serving.models import ServedVersions, version_folders
    from pipeline.serving.server import check_listenable, uvicorn_server

    if not version_folders(args.serving_dir):
        raise UsageError(f"no pushed model under {args.serving_dir}; run "
                         f"`python -m pipeline run` (or `make run`) first")
    try:
        check_listenable(args.host, args.port)
    except OSError as error:
        raise UsageError(f"{error}; pick another with --port") from None
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    name = args.model_name or args.serving_dir.resolve().name
    print(f"Loading the newest model under {args.serving_dir} ...", file=sys.stderr)
    versions = ServedVersions(args.serving_dir, args.poll_seconds)
    if not versions.refresh():
        failures = "; ".join(f.error for f in versions.failures.values())
        print(f"error: no version under {args.serving_dir} could be served: "
              f"{failures}", file=sys.stderr)
        return EXIT_USAGE
    versions.start()
    server = uvicorn_server(versions, name, args.host, args.port,
                            args.max_request_bytes)
    print(f"Serving {name!r} version {versions.current.version} on "
          f"http://{args.host}:{args.port}/v1/models/{name} (Ctrl-C stops)",
          file=sys.stderr)
    # Uvicorn shuts down gracefully on SIGINT or SIGTERM, then re-raises the
    # signal; either is how a server is meant to stop, so it exits 0.
    signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        server.run()
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        versions.stop()
    if not server.started:  # e.g. the port is taken; uvicorn said why.
        return EXIT_USAGE
    print("Stopped.", file=sys.stderr)
    return EXIT_OK


class _Stopped(Exception):
    """SIGTERM, raised where the server ran."""


def _raise_stopped(signum, frame) -> None:
    raise _Stopped()


COMMANDS = {"run": _command_run, "serve": _command_serve, "load-db": _command_load_db,
            "predict": _command_predict, "artifacts": _command_artifacts,
            "report": _command_report, "schema": _command_schema,
            "export-kubeflow": _command_export_kubeflow}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
