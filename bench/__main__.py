"""`python -m bench` (or `make bench`): this pipeline against TFX's taxi
example and three baselines, side by side, on scaled copies of the data.

Writes results.json, results.md and results.png into the results dir; see
bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

QUICK_SIZES = ("15k",)
FULL_SIZES = ("15k", "100k", "1m", "5m")
BY_QUARTER_SIZES = ("1m",)


def _parser() -> argparse.ArgumentParser:
    from bench.systems import SYSTEMS

    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: sizes {','.join(QUICK_SIZES)}, one repeat, TFX's "
        "example cold only, "
        f"results under runs/bench/quick unless --results",
    )
    parser.add_argument(
        "--sizes", help=f"comma-separated dataset sizes (default {','.join(FULL_SIZES)})"
    )
    parser.add_argument(
        "--systems",
        default=None,
        help=f"comma-separated, of: {','.join(SYSTEMS)} (default: all; with --quick, "
        "all but the Spark and Flink ones, which tests/pipeline/runners/"
        "test_engines_end_to_end.py runs)",
    )
    parser.add_argument(
        "--repeats", type=int, help="runs of every system per size (default 2: A B A B)"
    )
    parser.add_argument(
        "--tfx-max-rows",
        type=int,
        default=1_000_000,
        help="skip TFX's example above this many rows (default %(default)s)",
    )
    parser.add_argument(
        "--by-quarter",
        help="a size at which this pipeline also adds the quarters one at a "
        "time (default 1m, none with --quick; '' for none)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("runs/bench/data"),
        help="generated datasets, reused across runs (default %(default)s)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path("runs/bench/work"),
        help="run outputs and logs (default %(default)s)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="where results go (default bench/results, or runs/bench/quick with --quick)",
    )
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from bench import datasets, results, run
    from bench.systems import SYSTEMS

    sizes = args.sizes.split(",") if args.sizes else QUICK_SIZES if args.quick else FULL_SIZES
    repeats = args.repeats or (1 if args.quick else 2)
    if args.by_quarter is None:
        by_quarter = () if args.quick else BY_QUARTER_SIZES
    else:
        by_quarter = tuple(size for size in args.by_quarter.split(",") if size)
    if args.systems is None:
        args.systems = ",".join(
            key for key, system in SYSTEMS.items() if not (args.quick and system.engine)
        )
    unknown = [key for key in args.systems.split(",") if key not in SYSTEMS]
    try:
        for size in [*sizes, *by_quarter]:
            datasets.rows_for(size)
        if len(by_quarter) > 1:
            # results.md and by_quarter.png hold one size's by-quarter runs.
            raise ValueError(f"--by-quarter takes one size, got {','.join(by_quarter)}")
        if set(by_quarter) - set(sizes):
            raise ValueError(
                f"--by-quarter sizes {sorted(set(by_quarter) - set(sizes))} "
                "are not among the benchmark's sizes"
            )
        if unknown:
            raise ValueError(f"unknown system(s) {unknown}; choose from {list(SYSTEMS)}")
        if repeats < 1:
            raise ValueError("--repeats must be at least 1")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    results_dir = args.results or Path("runs/bench/quick" if args.quick else "bench/results")
    plan = run.Plan(
        sizes=sizes,
        systems=[SYSTEMS[k] for k in args.systems.split(",")],
        repeats=repeats,
        data_dir=args.data_dir.resolve(),
        work_dir=args.work_dir.resolve(),
        tfx_max_rows=args.tfx_max_rows,
        by_quarter_sizes=by_quarter,
        reference_cold_only=args.quick,
    )
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    def report(line: str) -> None:
        print(line, flush=True)

    help_seconds = run.help_seconds()
    report(f"python -m pipeline --help: {run.median(help_seconds):.2f} s")
    runs = run.benchmark(
        plan,
        report,
        after_size=lambda so_far: results.write(
            so_far, help_seconds, started, repeats, results_dir
        ),
    )
    paths = results.write(runs, help_seconds, started, repeats, results_dir)
    for target in results.targets(runs, help_seconds):
        report(results.verdict_line(target))
    report("results: " + ", ".join(str(p) for p in paths.values()))
    failed = [r for r in runs if r.exit_code != 0]
    for r in failed:
        print(
            f"error: {r.system} on {r.size} ({r.mode}, repeat {r.repeat}) exited "
            f"{r.exit_code}; log: {r.log}",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
