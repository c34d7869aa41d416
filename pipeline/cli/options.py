"""Argument types and the options several commands share. An option group that
sets PipelineConfig fields also maps the parsed arguments to them, so the
commands restate neither."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, Dict

from pipeline import config as config_module
from pipeline.cli.exits import UsageError


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {value}")
    return value


def port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value}")
    return value


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {value}")
    return value


def accepted_anomaly(text: str):
    from components.anomaly_gate.accepted import parse_accepted

    try:
        return parse_accepted(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def require_directory(path: Path, what: str) -> None:
    if not path.is_dir():
        raise UsageError(f"{what} {path} is not a directory")


def add_data_gate_options(parser: argparse.ArgumentParser) -> None:
    """How much bad input a run tolerates: the same for local and Kubeflow runs."""
    parser.add_argument(
        "--accept-anomaly",
        action="append",
        default=[],
        metavar="FEATURE:TYPE",
        type=accepted_anomaly,
        help="let one reviewed anomaly pass the gate, as the gate's message "
        "names it (e.g. company:COMPARATOR_L_INFTY_HIGH); repeatable; "
        "recorded in ML Metadata",
    )
    parser.add_argument(
        "--max-quarantined",
        type=fraction,
        default=0.0,
        metavar="FRACTION",
        help="share of unparsable CSV rows (wrong field count, not UTF-8, a cell "
        "not of its column's type) to set aside in a quarantine artifact "
        "instead of failing, e.g. 0.001; default 0: fail on the first one",
    )


def data_gate_fields(args: argparse.Namespace) -> Dict[str, Any]:
    return {
        "accepted_anomalies": tuple(args.accept_anomaly),
        "max_quarantined_fraction": args.max_quarantined,
    }


def add_train_steps(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--train-steps",
        type=positive_int,
        default=config_module.PipelineConfig.train_steps,
        help=help_text,
    )


def train_steps_fields(args: argparse.Namespace) -> Dict[str, Any]:
    return {"train_steps": args.train_steps}


def add_serving_sample(
    parser: argparse.ArgumentParser,
    help_text: str,
    *,
    metavar: str,
    value_type: Callable[[str], Any] = str,
) -> None:
    """Serving requests to check for skew; none given, the run skips the check."""
    parser.add_argument(
        "--serving-sample", type=value_type, default=None, metavar=metavar, help=help_text
    )


def serving_sample_fields(args: argparse.Namespace) -> Dict[str, Any]:
    return {"serving_data_root": args.serving_sample}


def add_local_data_root(parser: argparse._ActionsContainer, help_text: str) -> None:
    """The trips CSVs on this machine (Kubeflow runs name theirs by URI)."""
    parser.add_argument(
        "--data-root", type=Path, default=Path(config_module.DEFAULT_DATA_ROOT), help=help_text
    )


def add_beam_arg(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--beam-arg", action="append", default=[], metavar="ARG", help=help_text)


def add_pipeline_name(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "--pipeline-name", default=config_module.PipelineConfig.pipeline_name, help=help_text
    )


def add_output_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path(config_module.DEFAULT_OUTPUT_DIR),
        help="where pipeline artifacts, ML Metadata, logs and the serving "
        "directory live (default: %(default)s)",
    )


def add_run_selection(parser: argparse.ArgumentParser) -> None:
    """Which finished run a reading command looks at."""
    add_output_dir(parser)
    add_pipeline_name(parser, "pipeline name in ML Metadata (default: %(default)s)")


def selected_run(args: argparse.Namespace) -> config_module.PipelineConfig:
    """The config of the run add_run_selection's options name, for its paths."""
    return config_module.PipelineConfig(
        output_dir=args.output_dir, pipeline_name=args.pipeline_name
    )


def add_engine_options(parser: argparse.ArgumentParser, local: bool) -> None:
    """Where the Beam components run. `local`: a job server may be started
    here; otherwise (a compiled spec) the cluster's own job server is named."""
    engine = parser.add_argument_group(
        "engine", "where the Beam components run (see the README's Scaling out)"
    )
    engine.add_argument(
        "--runner",
        choices=config_module.ENGINE_NAMES,
        default="direct",
        help="Beam's DirectRunner, or Apache Spark or Flink through a Beam job server"
        + (" this command starts (`make engines` installs them)" if local else "")
        + " (default: %(default)s)",
    )
    engine.add_argument(
        "--job-server",
        default=None,
        metavar="HOST:PORT",
        help="a Beam job server that is already running, e.g. a cluster service"
        + (" (default: start one on 127.0.0.1:--job-port)" if local else " (needed with --runner)"),
    )
    engine.add_argument(
        "--workers",
        default="loopback" if local else None,
        metavar="WHERE",
        help="where the Python workers run: loopback (in this process; the cluster must "
        "reach this machine), external=HOST:PORT (a Beam worker pool of this install), "
        "docker=IMAGE (the project's image) (default: "
        + ("loopback)" if local else "docker=--image)"),
    )
    engine.add_argument(
        "--parallelism",
        type=positive_int,
        default=2,
        metavar="N",
        help="Flink's parallelism and the cores (Spark) or task slots (Flink) of an "
        "embedded cluster (default: %(default)s)",
    )
    if local:
        engine.add_argument(
            "--master",
            default=None,
            metavar="URL",
            help="the cluster the started job server submits to: spark://HOST:7077 or a "
            "Flink JobManager's HOST:8081 (default: a cluster embedded in the job server)",
        )
        engine.add_argument(
            "--job-port",
            type=positive_int,
            default=config_module.DEFAULT_JOB_PORT,
            metavar="PORT",
            help="the started job server's port on 127.0.0.1 (default: %(default)s)",
        )


def engine(args: argparse.Namespace, default_workers: str = "loopback") -> config_module.Engine:
    """The Engine add_engine_options' options describe; UsageError if they do not fit."""
    cluster_options = [
        option
        for option, given in (
            ("--master", getattr(args, "master", None)),
            ("--job-server", args.job_server),
            ("--workers", args.workers not in (None, "loopback")),
        )
        if given
    ]
    if args.runner == "direct" and cluster_options:
        raise UsageError(f"{', '.join(cluster_options)} need --runner spark or flink")
    try:
        return config_module.Engine(
            name=args.runner,
            master=getattr(args, "master", None),
            workers=args.workers or default_workers,
            parallelism=args.parallelism,
            job_port=getattr(args, "job_port", config_module.DEFAULT_JOB_PORT),
            job_server=args.job_server,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
