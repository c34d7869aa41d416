"""The pushed model as scoring sees it: which version, whether it is
servable, its schema's checks and its `serving_default` signature; and what a
score is called and decides (the output columns of every scoring path).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, List

from components.atomic_pusher.layout import SAVED_MODEL_FILE, versions_newest_first
from components.features import LABEL
from components.trainer.contract import (
    EXAMPLES_INPUT,
    PROBABILITY_OUTPUT,
    SCHEMA_FILE,
    SERVING_SIGNATURE,
    WARMUP_FILE,
)
from pipeline.scoring.checks import ServingChecks

# Output columns of batch scoring and reverse ETL, beside PROBABILITY_OUTPUT.

DECISION = LABEL.name
MODEL_VERSION = "model_version"
DECISION_THRESHOLD = 0.5
# Examples per call of the signature.
BATCH = 512


class ModelLoadError(RuntimeError):
    """A version folder that is not a servable model; names the folder."""


def check_servable(path: Path) -> None:
    """ModelLoadError unless `path` holds a SavedModel with the schema the
    Trainer exports beside it; cheap, before TensorFlow loads anything."""
    if not (path / SAVED_MODEL_FILE).is_file():
        raise ModelLoadError(f"{path} is not a SavedModel (no saved_model.pb)")
    if not (path / SCHEMA_FILE).is_file():
        raise ModelLoadError(
            f"{path} has no {SCHEMA_FILE}: it was trained before models "
            f"carried their schema; re-run the pipeline to push a new one"
        )


class LoadedModel:
    """One version: its schema checks and its `serving_default` signature."""

    def __init__(self, path: Path):
        import tensorflow as tf

        check_servable(path)
        self.path = path
        self.version = path.name
        self.checks = ServingChecks.from_file(path / SCHEMA_FILE)
        self._types = self.checks.types
        try:
            # Held, so nothing the signature captures can be released.
            self._saved_model = tf.saved_model.load(str(path))
            self._serve = self._saved_model.signatures[SERVING_SIGNATURE]
        except (OSError, ValueError, KeyError, tf.errors.OpError) as error:
            raise ModelLoadError(
                f"{path}: cannot load the SavedModel's {SERVING_SIGNATURE} signature: {error}"
            ) from None

    def predict_serialized(self, examples: List[bytes]) -> List[float]:
        import tensorflow as tf

        output = self._serve(**{EXAMPLES_INPUT: tf.constant(examples, dtype=tf.string)})
        return output[PROBABILITY_OUTPUT].numpy().reshape(-1).tolist()

    def predict(self, instances: List[Dict[str, list]]) -> List[float]:
        """Probabilities for instances already checked by `self.checks`."""
        from components.rows.examples import example_of_values

        return self.predict_serialized(
            [example_of_values(self._types, values).SerializeToString() for values in instances]
        )

    def warm_up(self) -> int:
        """Runs the warm-up requests (TF Serving's format); returns how many
        examples they held. Lazy initialisation happens here, not in the
        first client's request."""
        import tensorflow as tf
        from tensorflow_serving.apis import prediction_log_pb2

        path = self.path / WARMUP_FILE
        if not path.is_file():
            return 0
        warmed = 0
        for record in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
            request = prediction_log_pb2.PredictionLog.FromString(record).predict_log.request
            examples = tf.make_ndarray(request.inputs[EXAMPLES_INPUT]).reshape(-1).tolist()
            self.predict_serialized(examples)
            warmed += len(examples)
        return warmed


def version_folders(serving_dir: Path) -> List[Path]:
    """Complete versions, newest first (saved_model.pb is copied last by
    TFX's Pusher; ours renames the finished folder into place)."""
    if not serving_dir.is_dir():
        return []
    folders = (
        serving_dir / name for name in versions_newest_first(p.name for p in serving_dir.iterdir())
    )
    return [folder for folder in folders if (folder / SAVED_MODEL_FILE).is_file()]


def decision(probability: float) -> int:
    """The 0/1 big-tipper decision of a probability."""
    return int(probability >= DECISION_THRESHOLD)


class PredictError(ValueError):
    """Bad source or model; names the file, line, key or folder."""


@dataclasses.dataclass(frozen=True)
class Model:
    """A pushed version to score with, checked servable."""

    path: Path
    version: str


def latest_model(serving_dir: Path) -> Model:
    """The newest complete version Pusher wrote (staging skipped)."""
    versions = version_folders(serving_dir)
    if not versions:
        raise PredictError(
            f"no pushed model under {serving_dir}; run "
            f"`python -m pipeline run` first, or pass --model"
        )
    return model_at(versions[0])


def model_at(path: Path) -> Model:
    """The model in `path`, checked before any scoring starts."""
    try:
        check_servable(path)
    except ModelLoadError as error:
        raise PredictError(str(error)) from None
    return Model(path, path.name)
