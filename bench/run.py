"""Run the systems side by side, A B A B, and collect what each run cost.

For every dataset size, each repeat runs every system once, in order, so
the systems see the same machine load; ratios are taken per repeat and
then summarised by their median.
"""

from __future__ import annotations

import dataclasses
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from bench import datasets, measure
from bench.systems import System
from pipeline import node_ids
from pipeline.metadata import MetadataNotFoundError, latest_outputs
from pipeline.runners.local import overall_metrics

HELP_REPEATS = 5
PIPELINE_MODES = ("cold", "rerun", "cached")


@dataclasses.dataclass
class Run:
    size: str
    rows: int
    system: str
    repeat: int
    # "cold"; "rerun": the same run again on the same output dir (the
    # Evaluator runs again, now against the model the cold run blessed);
    # "cached": a third run, taken from cache throughout.
    mode: str
    wall_seconds: float
    peak_rss_bytes: int
    exit_code: int
    log: str
    component_seconds: Dict[str, float] = dataclasses.field(default_factory=dict)
    # Peak tree RSS while each component ran.
    component_peak_rss_bytes: Dict[str, int] = dataclasses.field(default_factory=dict)
    metrics: Dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.wall_seconds


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
    if evaluations and run.mode == "cold":
        run.metrics = overall_metrics(evaluations[0]["uri"])


def _one(
    plan: Plan,
    system: System,
    dataset: datasets.Dataset,
    repeat: int,
    mode: str,
    report: Callable[[str], None],
) -> Run:
    output_dir = plan.work_dir / dataset.name / f"{system.key}-{repeat}"
    if mode == "cold" and output_dir.exists():
        shutil.rmtree(output_dir)
    log = plan.work_dir / "logs" / f"{dataset.name}-{system.key}-{repeat}-{mode}.log"
    report(f"{dataset.name} {system.key} {mode} (repeat {repeat}) ...")
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
    )
    report(
        f"  {run.wall_seconds:.1f} s, peak {run.peak_rss_bytes / 2**30:.2f} GiB, "
        f"exit {run.exit_code}"
    )
    if system.is_pipeline:
        _collect(system, output_dir, run, measured)
    return run


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
        systems = [s for s in plan.systems if not (large and s.key == "tfx_example")]
        for repeat in range(1, (1 if large else plan.repeats) + 1):
            for system in systems:
                modes = PIPELINE_MODES if system.is_pipeline and not large else ("cold",)
                runs += [_one(plan, system, dataset, repeat, mode, report) for mode in modes]
            # Pipeline outputs of a 5M run take gigabytes; the figures are kept.
            for system in systems:
                shutil.rmtree(
                    plan.work_dir / dataset.name / f"{system.key}-{repeat}", ignore_errors=True
                )
        after_size(runs)
    return runs


def median(values: Sequence[float]) -> Optional[float]:
    return statistics.median(values) if values else None
