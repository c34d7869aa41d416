"""Run the systems side by side, A B A B, and collect what each run cost.

For every dataset size, each repeat runs every system once, in order, so
the systems see the same machine load; ratios are taken per repeat and
then summarised by their median. An incremental system's history and
add-quarter runs belong to the repeat of its cold run, right after it.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from bench import datasets, measure, sklearn_baseline
from bench.systems import System
from pipeline import node_ids
from pipeline.metadata import MetadataNotFoundError, latest_outputs
from pipeline.runners.local import overall_metrics

HELP_REPEATS = 5
PIPELINE_MODES = ("cold", "rerun", "cached")
# The incremental system's quarters added one at a time, a run each.
BY_QUARTER_MODE = "by-quarter"
# The runs whose Evaluator metrics are kept: those of a model trained on every
# quarter, in one go or a quarter at a time. The others evaluate a model again.
METRIC_MODES = ("cold", "add-quarter")


@dataclasses.dataclass
class Run:
    size: str
    rows: int
    system: str
    repeat: int
    # "cold"; "rerun": the same run again on the same output dir (the
    # Evaluator runs again, now against the model the cold run blessed);
    # "cached": a third run, taken from cache throughout. An incremental
    # system, on an output dir of its own: "history" on every quarter but the
    # newest, then "add-quarter" once the newest is linked into its data root;
    # on a third: "by-quarter", one run per quarter added, oldest first.
    mode: str
    wall_seconds: float
    peak_rss_bytes: int
    exit_code: int
    log: str
    component_seconds: Dict[str, float] = dataclasses.field(default_factory=dict)
    # Peak tree RSS while each component ran.
    component_peak_rss_bytes: Dict[str, int] = dataclasses.field(default_factory=dict)
    metrics: Dict[str, float] = dataclasses.field(default_factory=dict)
    # Quarters in the data root of a by-quarter run.
    quarters: Optional[int] = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.wall_seconds

    @property
    def training_seconds(self) -> Optional[float]:
        """The model's fit: a baseline's own timing, or a pipeline's Trainer."""
        return self.metrics.get("training_seconds", self.component_seconds.get(node_ids.TRAINER))


@dataclasses.dataclass(frozen=True)
class Plan:
    sizes: Sequence[str]
    systems: Sequence[System]
    repeats: int
    data_dir: Path
    work_dir: Path
    # Above this many rows TFX's example is skipped and this pipeline runs
    # once, cold: that size is there for the memory target (re-runs would
    # add an Evaluator pass of an hour's order and tell nothing new).
    tfx_max_rows: int
    # Sizes at which the incremental system also adds the quarters one at a
    # time, in the first repeat (sixteen runs: the cost of the k-th quarter).
    by_quarter_sizes: Sequence[str] = ()
    # A smoke run (--quick) runs TFX's example cold only: its re-runs take a
    # minute and check nothing about this pipeline or the harness.
    reference_cold_only: bool = False


def help_seconds(repeats: int = HELP_REPEATS) -> List[float]:
    """Wall times of `python -m pipeline --help`, as a user types it."""
    times = []
    for _ in range(repeats):
        started = time.monotonic()
        measure.run([sys.executable, "-m", "pipeline", "--help"], Path("/dev/null"))
        times.append(time.monotonic() - started)
    return times


def _collect(system: System, output_dir: Path, run: Run, measured: measure.Measurement) -> None:
    """Per-component times and peak memory (ML Metadata's execution times
    against the memory samples); metrics from the Evaluator."""

    where = system.metadata(output_dir)
    try:
        components = latest_outputs(where.path, where.pipeline_name)["components"]
    except MetadataNotFoundError:
        return
    run.component_seconds = {name: component["seconds"] for name, component in components.items()}
    run.component_peak_rss_bytes = {
        name: measured.peak_between(
            component["started_at_ms"] / 1000,
            component["started_at_ms"] / 1000 + component["seconds"],
        )
        for name, component in components.items()
        if component["seconds"] >= 1
    }
    evaluations = components.get(node_ids.EVALUATOR, {}).get("outputs", {}).get("evaluation")
    if evaluations and run.mode in METRIC_MODES:
        run.metrics = overall_metrics(evaluations[0]["uri"])


def _one(
    plan: Plan,
    system: System,
    dataset: datasets.Dataset,
    repeat: int,
    mode: str,
    output_dir: Path,
    report: Callable[[str], None],
    quarters: Optional[int] = None,
) -> Run:
    step = mode if quarters is None else f"{mode}-{quarters}"
    log = plan.work_dir / "logs" / f"{dataset.name}-{system.key}-{repeat}-{step}.log"
    report(f"{dataset.name} {system.key} {step} (repeat {repeat}) ...")
    measured = measure.run(system.command(dataset, output_dir), log)
    run = Run(
        size=dataset.name,
        rows=dataset.rows,
        system=system.key,
        repeat=repeat,
        mode=mode,
        wall_seconds=measured.wall_seconds,
        peak_rss_bytes=measured.peak_rss_bytes,
        exit_code=measured.exit_code,
        log=str(log),
        quarters=quarters,
    )
    report(
        f"  {run.wall_seconds:.1f} s, peak {run.peak_rss_bytes / 2**30:.2f} GiB, "
        f"exit {run.exit_code}"
    )
    if system.is_pipeline:
        _collect(system, output_dir, run, measured)
    if system.examples_of:
        run.metrics = _printed_metrics(log)
    return run


def _printed_metrics(log: Path) -> Dict[str, float]:
    """The metrics a baseline printed (bench/sklearn_baseline.py), if it got that far."""
    for line in log.read_text().splitlines():
        if line.startswith(sklearn_baseline.METRICS_PREFIX):
            return json.loads(line[len(sklearn_baseline.METRICS_PREFIX) :])
    return {}


def _repeat(
    plan: Plan,
    system: System,
    dataset: datasets.Dataset,
    repeat: int,
    large: bool,
    report: Callable[[str], None],
) -> List[Run]:
    """One repeat of `system` in a fresh work dir: its cold run (and re-runs)
    on one output dir; for an incremental system, then its history and
    add-quarter runs on another (and in the first repeat, at the by-quarter
    sizes, the quarters added one at a time on a third). A system that trains on another's examples
    runs once, on that system's cold output dir of the repeat."""
    work_dir = _work_dir(plan, dataset, system, repeat)
    shutil.rmtree(work_dir, ignore_errors=True)

    def one(data: datasets.Dataset, output_dir: Path, mode: str, quarters=None) -> Run:
        return _one(plan, system, data, repeat, mode, output_dir, report, quarters)

    if system.examples_of:
        # Still on disk: work dirs go once every system ran the repeat.
        return [one(dataset, _cold_output_dir(plan, dataset, system.examples_of, repeat), "cold")]
    modes = _modes(plan, system, large)
    runs = [one(dataset, _cold_output_dir(plan, dataset, system, repeat), mode) for mode in modes]
    if system.incremental and not large:
        history = datasets.link_history(dataset, work_dir / "history-data")
        runs.append(one(history, work_dir / "history", "history"))
        datasets.link_next_quarter(dataset, history)
        runs.append(one(history, work_dir / "history", "add-quarter"))
    if system.incremental and repeat == 1 and dataset.name in plan.by_quarter_sizes:
        arriving = datasets.link_quarters(dataset, work_dir / "arriving-data", 0)
        for _ in datasets.quarter_folders(dataset):
            quarters = datasets.link_next_quarter(dataset, arriving)
            runs.append(one(arriving, work_dir / "by-quarter", BY_QUARTER_MODE, quarters))
    return runs


def _modes(plan: Plan, system: System, large: bool) -> Sequence[str]:
    """The runs on a repeat's cold output dir: re-runs only for pipelines,
    and not at the sizes kept for the memory target."""
    reruns = system.is_pipeline and not large
    if plan.reference_cold_only and not system.incremental:
        reruns = False
    return PIPELINE_MODES if reruns else ("cold",)


def _work_dir(plan: Plan, dataset: datasets.Dataset, system: System, repeat: int) -> Path:
    return plan.work_dir / dataset.name / f"{system.key}-{repeat}"


def _cold_output_dir(plan: Plan, dataset: datasets.Dataset, system: System, repeat: int) -> Path:
    """The output dir of a repeat's cold run, and of its re-runs."""
    return _work_dir(plan, dataset, system, repeat) / "all-quarters"


def benchmark(
    plan: Plan,
    report: Callable[[str], None],
    after_size: Callable[[List[Run]], None] = lambda runs: None,
) -> List[Run]:
    """Runs the plan; `after_size` gets the runs so far after each size, so
    an interrupted benchmark still leaves results."""
    runs: List[Run] = []
    for size in plan.sizes:
        dataset = datasets.prepare(size, plan.data_dir)
        large = dataset.rows > plan.tfx_max_rows
        systems = [
            s
            for s in plan.systems
            if not (large and s.key == "tfx_example")
            and (s.max_rows is None or dataset.rows <= s.max_rows)
        ]
        for repeat in range(1, (1 if large else plan.repeats) + 1):
            for system in systems:
                runs += _repeat(plan, system, dataset, repeat, large, report)
            # Pipeline outputs of a 5M run take gigabytes; the figures are kept.
            for system in systems:
                shutil.rmtree(_work_dir(plan, dataset, system, repeat), ignore_errors=True)
        after_size(runs)
    return runs


def median(values: Sequence[float]) -> Optional[float]:
    return statistics.median(values) if values else None
