"""What the benchmark runs, each as its own process, on one dataset.

  pipeline     this pipeline end to end (`python -m pipeline run`)
  tfx_example  TFX's own taxi_pipeline_native_keras.py (bench/tfx_taxi.py)
  tfdv         plain tfdv.generate_statistics_from_csv
  polars       polars read + describe, the parsing floor
  sklearn      scikit-learn on this pipeline's train/eval split (bench/sklearn_baseline.py)
  pipeline_spark_1, _2, pipeline_flink_1, _2
               this pipeline with its Beam components on Spark or Flink (the job
               server's embedded cluster, 1 or 2 cores/slots), up to 1M rows

The two pipelines are run again on their output dir right after the cold
run, to time a fully cached re-run. This pipeline, which ingests one
artifact per quarter, is also timed adding the newest quarter to a history
of the others (bench/run.py).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Callable, List, Optional

from bench.datasets import Dataset
from bench.tfx_taxi import PIPELINE_NAME as TFX_PIPELINE_NAME
from bench.tfx_taxi import metadata_path as tfx_metadata_path
from pipeline.config import PipelineConfig


@dataclasses.dataclass(frozen=True)
class Metadata:
    """Where a pipeline system's ML Metadata is, for component times and metrics."""

    path: Path
    pipeline_name: str


@dataclasses.dataclass(frozen=True)
class System:
    key: str
    label: str
    command: Callable[[Dataset, Path], List[str]]
    metadata: Optional[Callable[[Path], Metadata]] = None
    # Ingests each quarter once: a quarter added to its data root is the
    # only one a run on the same output dir ingests, so adding one is timed.
    incremental: bool = False
    # Trains on the examples that this system's cold run of the same repeat
    # wrote: `command` gets that run's output dir, not one of its own.
    examples_of: Optional["System"] = None
    # Runs only on datasets of at most this many rows (None: every size).
    max_rows: Optional[int] = None
    # The Beam engine it runs on, if not the DirectRunner.
    engine: Optional[str] = None

    @property
    def is_pipeline(self) -> bool:
        return self.metadata is not None


def _module(*args) -> List[str]:
    return [sys.executable, "-m", *map(str, args)]


PIPELINE = System(
    key="pipeline",
    label="this pipeline",
    command=lambda data, out: _module(
        "pipeline", "run", "--data-root", data.trips, "--output-dir", out
    ),
    metadata=lambda out: Metadata(out / "metadata.sqlite", PipelineConfig.pipeline_name),
    incremental=True,
)
TFX_EXAMPLE = System(
    key="tfx_example",
    label="TFX taxi example",
    command=lambda data, out: _module("bench.tfx_taxi", data.flat, out),
    metadata=lambda out: Metadata(tfx_metadata_path(out), TFX_PIPELINE_NAME),
)
TFDV = System(
    key="tfdv",
    label="tfdv.generate_statistics_from_csv",
    command=lambda data, out: _module("bench.baselines", "tfdv", data.csv_pattern, out),
)
POLARS = System(
    key="polars",
    label="polars read + describe",
    command=lambda data, out: _module("bench.baselines", "polars", data.csv_pattern),
)

SKLEARN = System(
    key="sklearn",
    label="scikit-learn HistGradientBoosting",
    command=lambda data, pipeline_out: _module("bench.sklearn_baseline", pipeline_out),
    examples_of=PIPELINE,
)

# The engines' job-server port; one bench process runs one system at a time.
ENGINE_JOB_PORT = 18099


def _on_engine(engine: str, parallelism: int) -> System:
    """This pipeline with its Beam components on `engine`'s embedded cluster
    of `parallelism` cores or task slots, up to 1M rows."""
    return System(
        key=f"pipeline_{engine}_{parallelism}",
        label=f"this pipeline on {engine.capitalize()} ({parallelism} slot(s))",
        command=lambda data, out: PIPELINE.command(data, out)
        + ["--runner", engine, "--parallelism", str(parallelism)]
        + ["--job-port", str(ENGINE_JOB_PORT)],
        metadata=PIPELINE.metadata,
        max_rows=1_000_000,
        engine=engine,
    )


ENGINE_SYSTEMS = tuple(_on_engine(e, n) for e in ("spark", "flink") for n in (1, 2))
SYSTEMS = {
    system.key: system for system in (PIPELINE, TFX_EXAMPLE, TFDV, POLARS, SKLEARN, *ENGINE_SYSTEMS)
}
