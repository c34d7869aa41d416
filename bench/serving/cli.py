"""`python -m bench.serving` (or `make bench-serving`): a bounded load test
of the REST model server, `python -m pipeline serve`.

Starts the server on the newest model version in the serving dir, then, per
batch size, runs concurrent closed-loop clients (send, wait, send) from this
process, each over one keep-alive HTTP/1.1 connection, after a warm-up that
is not recorded, while sampling the server's resident memory. Writes
serving.json and serving.md into the results dir and prints a verdict per
target; see bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bench.serving import results
from bench.serving.instances import load_instances
from bench.serving.measurement import measure
from bench.serving.plan import POOL_ROWS, Plan
from bench.serving.server import ServerError, running_server, server_command, wait_ready
from pipeline.config import DEFAULT_DATA_ROOT, PipelineConfig
from pipeline.scoring.model import Model, latest_model, version_folders
from pipeline.serving.ports import free_port


def _batch_sizes(text: str) -> Tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not comma-separated whole numbers: {text!r}") from None
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be at least 1: {text!r}")
    return sizes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.serving",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--serving-dir",
        type=Path,
        default=Path(os.path.relpath(PipelineConfig().serving_dir)),
        help="numbered model versions, as `make run` pushes them; "
        "the newest is served (default %(default)s)",
    )
    parser.add_argument(
        "--model-name",
        help="the name in the predict URL (default: the serving "
        "dir's folder name, as the server's)",
    )
    parser.add_argument(
        "--batch-sizes",
        type=_batch_sizes,
        default=(1, 64),
        metavar="N[,N...]",
        help="instances per request (default 1,64)",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=8,
        help="concurrent closed-loop clients (default %(default)s)",
    )
    parser.add_argument(
        "--seconds-per-batch-size",
        type=float,
        default=25.0,
        help="recorded load per batch size (default %(default)s)",
    )
    parser.add_argument(
        "--warmup-seconds",
        type=float,
        default=2.0,
        help="unrecorded load per batch size first (default %(default)s)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="where the server listens (default %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="the server's port (default: a free one)"
    )
    parser.add_argument(
        "--data-root",
        type=Path,
        default=Path(DEFAULT_DATA_ROOT),
        help="quarterly trips CSVs the instances come from (default: the bundled data)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("bench/results"),
        help="where serving.json and serving.md go (default %(default)s)",
    )
    parser.add_argument(
        "--server-log",
        type=Path,
        default=Path("runs/bench/serving/server.log"),
        help="the server's output (default %(default)s)",
    )
    return parser


def _plan(args: argparse.Namespace) -> Plan:
    if args.clients < 1:
        raise ValueError("--clients must be at least 1")
    if args.seconds_per_batch_size <= 0 or args.warmup_seconds < 0:
        raise ValueError(
            "--seconds-per-batch-size must be positive and --warmup-seconds not negative"
        )
    return Plan(args.batch_sizes, args.clients, args.warmup_seconds, args.seconds_per_batch_size)


def _inputs(args: argparse.Namespace) -> Tuple[Plan, Model, List[Dict[str, Any]]]:
    """The plan, the model to serve and the instances to send; ValueError
    names an unusable argument, a missing or an unservable model."""
    plan = _plan(args)
    if not version_folders(args.serving_dir):
        raise ValueError(
            f"no pushed model version under {args.serving_dir}; "
            f"run `make run` first, or pass --serving-dir"
        )
    model = latest_model(args.serving_dir)  # A PredictError names an unservable one.
    instances = load_instances(args.data_root, max(POOL_ROWS, *plan.batch_sizes))
    if len(instances) < max(plan.batch_sizes):
        raise ValueError(
            f"{len(instances)} trips under {args.data_root}, fewer "
            f"than a batch of {max(plan.batch_sizes)}"
        )
    return plan, model, instances


def _report(line: str) -> None:
    print(line, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    try:
        plan, model, instances = _inputs(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    model_name = args.model_name or args.serving_dir.resolve().name
    address = (args.host, args.port or free_port(args.host))
    command = server_command(args.serving_dir.resolve(), address, model_name)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    _report(
        f"serving {model.path} as {model_name!r} on {address[0]}:{address[1]}; "
        f"{plan.load_seconds:g} s of load in all"
    )
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        with running_server(command, args.server_log) as server:
            ready_seconds = wait_ready(server, address, args.server_log)
            _report(f"server ready in {ready_seconds:.1f} s")
            phases, memory = measure(
                plan,
                address,
                f"/v1/models/{model_name}:predict",
                instances,
                server,
                args.server_log,
                _report,
            )
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the server is stopped, no results written", file=sys.stderr)
        return 128 + signal.SIGINT
    document = results.document(
        started=started,
        command=shlex.join(["python", "-m", "bench.serving", *argv]),
        server_command=command,
        ready_seconds=ready_seconds,
        model=model,
        model_name=model_name,
        plan=plan,
        distinct_instances=len(instances),
        phases=phases,
        memory=memory,
    )
    paths = results.write(document, args.results)
    for target in results.targets(phases, memory):
        _report(results.target_line(target))
    _report("results: " + ", ".join(str(p) for p in paths))
    return 0
