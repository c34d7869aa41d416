"""Typed configuration: everything a run can vary, in one dataclass.

No TensorFlow or TFX imports here, so the CLI can build and check a config
instantly.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Tuple

from components.hyperparameters import Hyperparameters
from pipeline import datasets

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_ROOT = REPO_ROOT / "data" / "trips"
DEFAULT_SCHEMA = REPO_ROOT / "schema" / "schema.pbtxt"
DEFAULT_OUTPUT_DIR = Path("runs")


def default_beam_args(workers: int = 2) -> Tuple[str, ...]:
    return ("--direct_running_mode=multi_processing",
            f"--direct_num_workers={workers}")


@dataclasses.dataclass(frozen=True)
class EvaluationThresholds:
    """What the Evaluator requires before it blesses a model for pushing."""

    min_auc: float = 0.9
    min_binary_accuracy: float = 0.85
    # A candidate may trail the latest blessed model by at most this much AUC,
    # so training noise does not block every push, but a regression does.
    max_auc_drop: float = 0.01


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    """A run of the taxi pipeline. Paths may be relative to the working dir."""

    pipeline_name: str = "chicago_taxi"
    data_root: Path = DEFAULT_DATA_ROOT
    input_pattern: str = datasets.ALL_QUARTERS_PATTERN
    output_dir: Path = DEFAULT_OUTPUT_DIR
    schema_path: Path = DEFAULT_SCHEMA
    # Hash-based split of every input file's rows, train:eval.
    train_buckets: int = 4
    eval_buckets: int = 1
    train_steps: int = 1000
    # Batches of eval data Keras validates on after each epoch (~ the eval split).
    eval_steps: int = 12
    hyperparameters: Hyperparameters = Hyperparameters()
    thresholds: EvaluationThresholds = EvaluationThresholds()
    beam_args: Tuple[str, ...] = default_beam_args()
    enable_cache: bool = True

    def __post_init__(self):
        if self.train_steps < 1:
            raise ValueError(f"train_steps must be at least 1, got {self.train_steps}")
        if self.eval_steps < 1:
            raise ValueError(f"eval_steps must be at least 1, got {self.eval_steps}")

    @property
    def pipeline_root(self) -> Path:
        return self.output_dir / "pipeline"

    @property
    def metadata_path(self) -> Path:
        return self.output_dir / "metadata.sqlite"

    @property
    def serving_dir(self) -> Path:
        """Where Pusher writes blessed models, one numbered version each."""
        return self.output_dir / "serving" / self.pipeline_name
