"""Typed configuration: everything a run can vary, in one dataclass.

No TensorFlow or TFX imports here, so the CLI can build and check a config
instantly.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from pathlib import Path
from typing import Optional, Tuple

from components.anomaly_gate.accepted import AcceptedAnomaly, parse_accepted
from components.database import span_query
from components.database.connection import parse_url
from components.locations import is_uri
from components.trainer.hyperparameters import Hyperparameters

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_SUBDIR = "data/trips"
SCHEMA_SUBPATH = "schema/schema.pbtxt"
DEFAULT_DATA_ROOT = str(REPO_ROOT / DATA_SUBDIR)
DEFAULT_SCHEMA = str(REPO_ROOT / SCHEMA_SUBPATH)
DEFAULT_OUTPUT_DIR = "runs"
# Where `load-db` puts the trips by default (SQLite, embedded).
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_OUTPUT_DIR}/trips.sqlite"


def _absolute(location) -> str:
    location = str(location)
    return location if is_uri(location) else str(Path(location).resolve())


# Up to this many input rows Beam runs inside the pipeline's own process:
# each multi-processing worker imports TensorFlow first (about 10 s, per
# component), which costs more than a second core saves on small data.
IN_PROCESS_MAX_ROWS = 250_000


def default_beam_args(workers: int = 2) -> Tuple[str, ...]:
    """Multi-processing on `workers` cores: for large data and cluster runs."""
    return ("--direct_running_mode=multi_processing", f"--direct_num_workers={workers}")


def in_process_beam_args() -> Tuple[str, ...]:
    return ("--direct_running_mode=in_memory", "--direct_num_workers=1")


def beam_args_for(rows: int, cpus: Optional[int] = None) -> Tuple[str, ...]:
    """The DirectRunner mode for an input of `rows` rows: in process when
    small, else one worker process per core."""
    if rows <= IN_PROCESS_MAX_ROWS:
        return in_process_beam_args()
    return default_beam_args(max(1, cpus or os.cpu_count() or 1))


@dataclasses.dataclass(frozen=True)
class EvaluationThresholds:
    """What the Evaluator requires before it blesses a model for pushing."""

    min_auc: float = 0.9
    min_binary_accuracy: float = 0.85
    # A candidate may trail the latest blessed model by at most this much AUC,
    # so training noise does not block every push, but a regression does.
    max_auc_drop: float = 0.01


# Beam's default job-server port; a fixed port keeps the Beam arguments, and
# so TFX's cache keys, the same from run to run.
DEFAULT_JOB_PORT = 8099
ENGINE_NAMES = ("direct", "spark", "flink")
WORKER_KINDS = ("loopback", "external", "docker")


@dataclasses.dataclass(frozen=True)
class Engine:
    """Where the Beam components run.

    `name`: direct (Beam's DirectRunner, in this process or its workers),
    spark or flink (a Beam job server this project starts). `master`: the
    cluster (spark://HOST:7077, or a Flink JobManager's HOST:8081); None: a
    cluster embedded in the job server with `parallelism` cores or slots.
    `workers`: where the Python workers run: loopback (inside this process),
    external=HOST:PORT (a Beam worker pool), docker=IMAGE (the project's
    image, as on Kubernetes). `job_server`: HOST:PORT of a Beam job server
    that is already running (as a cluster service); None: one is started on
    127.0.0.1:`job_port` for the run.
    """

    name: str = "direct"
    master: Optional[str] = None
    workers: str = "loopback"
    parallelism: int = 2
    job_port: int = DEFAULT_JOB_PORT
    job_server: Optional[str] = None

    @property
    def job_endpoint(self) -> str:
        return self.job_server or f"localhost:{self.job_port}"

    def __post_init__(self):
        if self.name not in ENGINE_NAMES:
            raise ValueError(f"engine {self.name!r}: choose one of {', '.join(ENGINE_NAMES)}")
        kind, _, where = self.workers.partition("=")
        if kind not in WORKER_KINDS or (kind == "loopback") != (where == ""):
            raise ValueError(
                f"workers {self.workers!r}: loopback, external=HOST:PORT or docker=IMAGE"
            )
        if self.parallelism < 1:
            raise ValueError(f"parallelism must be at least 1, got {self.parallelism}")


@dataclasses.dataclass(frozen=True)
class DatabaseSource:
    """Training data from a database instead of CSVs: a span query.

    The URL never holds a password (PGPASSWORD or PGPASSFILE supply it). The
    query restricts trips to the span window with `{span_begin}` and
    `{span_end}`; spans are calendar quarters, one query per quarter with
    rows (`PipelineConfig.window_spans` keeps only the newest ones).
    """

    url: str = DEFAULT_DATABASE_URL
    query: str = span_query.DEFAULT_QUERY
    key_column: str = span_query.KEY_COLUMN
    # Key ranges read in parallel, each on its own connection.
    read_partitions: int = 4

    def __post_init__(self):
        # Normalized (an absolute SQLite path), and a password refused here.
        object.__setattr__(self, "url", parse_url(self.url).url)
        span_query.check_template(self.query)
        if self.read_partitions < 1:
            raise ValueError(f"read_partitions must be at least 1, got {self.read_partitions}")


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    """A run of the taxi pipeline.

    Locations are local paths (made absolute on construction) or URIs such as
    gs://bucket/dir, which Kubeflow runs use.
    """

    # Kubeflow allows lowercase letters, digits and dashes only.
    pipeline_name: str = "chicago-taxi"
    # The trips CSVs (one folder per quarter), unless `database` is set.
    data_root: str = DEFAULT_DATA_ROOT
    # Set: ingest from this database instead of `data_root`.
    database: Optional[DatabaseSource] = None
    # The rolling window: Transform, Trainer and Evaluator read the newest
    # this many spans (quarters); None: every span.
    window_spans: Optional[int] = None
    output_dir: str = DEFAULT_OUTPUT_DIR
    # Where artifacts go; default <output_dir>/pipeline.
    pipeline_root_override: Optional[str] = None
    # Read by the schema importer where the pipeline runs (inside the image,
    # for Kubeflow).
    schema_path: str = DEFAULT_SCHEMA
    # Hash-based split of every input file's rows, train:eval.
    train_buckets: int = 4
    eval_buckets: int = 1
    train_steps: int = 1000
    # Batches of eval data Keras validates on after each epoch (~ the eval split).
    eval_steps: int = 12
    hyperparameters: Hyperparameters = Hyperparameters()
    thresholds: EvaluationThresholds = EvaluationThresholds()
    # The CLI picks these by input size (beam_args_for); the default suits
    # the bundled 15k rows.
    beam_args: Tuple[str, ...] = in_process_beam_args()
    # The engine the Beam components run on; a cluster engine's Beam args
    # come from pipeline.runners.engines.
    engine: Engine = Engine()
    # StatisticsGen works span by span, so the CLI picks its Beam args by
    # the largest span's rows (in process for a 1M-row history: 57 s
    # against 110 s with worker processes, 16 spans); None: `beam_args`.
    span_beam_args: Optional[Tuple[str, ...]] = None
    enable_cache: bool = True
    # Transform keeps per-span analyzer results and, on the next run,
    # analyzes only spans it has none for. Off by default: TFT analyzes each
    # span as a dataset of its own, at a fixed cost in Beam transforms per
    # span, analyzed or read from cache. On the DirectRunner that costs more
    # than re-analyzing the window saves (README, "Spans").
    analyzer_cache: bool = False
    # CSVs of serving requests to check for skew against training; None skips
    # the skew check (the run says so).
    serving_data_root: Optional[str] = None
    # Anomalies a person reviewed and lets pass, as "FEATURE:TYPE" or parsed.
    accepted_anomalies: Tuple[AcceptedAnomaly, ...] = ()
    # Share of unparsable CSV rows ExampleGen may quarantine instead of
    # failing the run; 0 fails on the first one.
    max_quarantined_fraction: float = 0.0

    def __post_init__(self):
        for name in ("data_root", "output_dir", "schema_path"):
            object.__setattr__(self, name, _absolute(getattr(self, name)))
        for name in ("pipeline_root_override", "serving_data_root"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _absolute(getattr(self, name)))
        object.__setattr__(
            self,
            "accepted_anomalies",
            tuple(
                a if isinstance(a, AcceptedAnomaly) else parse_accepted(a)
                for a in self.accepted_anomalies
            ),
        )
        if self.window_spans is not None and self.window_spans < 1:
            raise ValueError(f"window_spans must be at least 1, got {self.window_spans}")
        if self.train_steps < 1:
            raise ValueError(f"train_steps must be at least 1, got {self.train_steps}")
        if self.eval_steps < 1:
            raise ValueError(f"eval_steps must be at least 1, got {self.eval_steps}")
        if not 0.0 <= self.max_quarantined_fraction < 1.0:
            raise ValueError(
                f"max_quarantined_fraction must be in [0, 1), got {self.max_quarantined_fraction}"
            )

    @property
    def pipeline_root(self) -> str:
        return self.pipeline_root_override or posixpath.join(self.output_dir, "pipeline")

    @property
    def metadata_path(self) -> str:
        """SQLite ML Metadata of local runs (Kubeflow brings its own)."""
        return posixpath.join(self.output_dir, "metadata.sqlite")

    @property
    def serving_dir(self) -> str:
        """Where Pusher writes blessed models, one numbered version each."""
        return posixpath.join(self.output_dir, "serving", self.pipeline_name)

    @property
    def log_dir(self) -> str:
        return posixpath.join(self.output_dir, "logs")
