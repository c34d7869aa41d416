"""The served model: the newest pushed version, swapped in when a newer one
lands, without a failed request.

Pusher renames each finished version into the serving dir as a numbered
folder. `ServedVersions` polls the dir, loads a newer version beside the one
serving, warms it up with the model's own warm-up requests, and only then
replaces the reference requests read: one assignment, so a request runs
wholly on the old version or wholly on the new one, and in-flight requests
finish on the version they started with. A version that fails to load is
reported in the status and skipped; the previous one keeps serving.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from components.atomic_pusher.layout import SAVED_MODEL_FILE, versions_newest_first
from components.contract import (EXAMPLES_INPUT, PROBABILITY_OUTPUT, SCHEMA_FILE,
                                 SERVING_SIGNATURE, WARMUP_FILE)
from pipeline.serving.instances import ServingChecks

log = logging.getLogger(__name__)


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
            f"carried their schema; re-run the pipeline to push a new one")


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
            raise ModelLoadError(f"{path}: cannot load the SavedModel's "
                                 f"{SERVING_SIGNATURE} signature: {error}") from None

    def predict_serialized(self, examples: List[bytes]) -> List[float]:
        import tensorflow as tf

        output = self._serve(**{EXAMPLES_INPUT: tf.constant(examples, dtype=tf.string)})
        return output[PROBABILITY_OUTPUT].numpy().reshape(-1).tolist()

    def predict(self, instances: List[Dict[str, list]]) -> List[float]:
        """Probabilities for instances already checked by `self.checks`."""
        from components.example_values import example_of_values

        return self.predict_serialized([
            example_of_values(self._types, values).SerializeToString()
            for values in instances])

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


def _freeze_heap() -> None:
    """Moves every live object out of the garbage collector's sight.

    A loaded model is hundreds of thousands of Python objects, and each full
    collection walked them all while holding the GIL: at batch 64 that put
    a 290 ms stall into 1 request in 100 (p99 52 ms once frozen, by
    `python -m bench.serving`). Collected first, so the version just replaced goes
    unless a request still holds it.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def version_folders(serving_dir: Path) -> List[Path]:
    """Complete versions, newest first (saved_model.pb is copied last by
    TFX's Pusher; ours renames the finished folder into place)."""
    if not serving_dir.is_dir():
        return []
    folders = (serving_dir / name for name in
               versions_newest_first(p.name for p in serving_dir.iterdir()))
    return [folder for folder in folders if (folder / SAVED_MODEL_FILE).is_file()]


@dataclasses.dataclass(frozen=True)
class VersionFailure:
    version: str
    error: str


class ServedVersions:
    """The newest loadable version of a serving dir, kept current by polling."""

    def __init__(self, serving_dir: Path, poll_seconds: float = 1.0,
                 load: Callable[[Path], LoadedModel] = LoadedModel):
        self.serving_dir = serving_dir
        self.poll_seconds = poll_seconds
        self._load = load
        self.current: Optional[LoadedModel] = None
        self.failures: Dict[str, VersionFailure] = {}
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def refresh(self) -> bool:
        """Serves the newest version that loads, if it is not already
        serving; returns whether the served version changed."""
        for folder in version_folders(self.serving_dir):
            version = folder.name
            if self.current is not None and self.current.version == version:
                return False
            if version in self.failures:
                continue
            try:
                started = time.monotonic()
                model = self._load(folder)
                warmed = model.warm_up()
            except Exception as error:  # Any broken push must leave serving up.
                self.failures[version] = VersionFailure(version, str(error))
                log.error("version %s not served: %s", version, error)
                continue
            replaced = self.current.version if self.current else None
            self.current = model
            _freeze_heap()
            log.info("serving version %s (loaded and warmed up on %d examples in "
                     "%.1f s)%s", version, warmed, time.monotonic() - started,
                     f", replacing version {replaced}" if replaced else "")
            return True
        return False

    def start(self) -> None:
        """Polls the serving dir in a background thread until `stop`."""
        self._thread = threading.Thread(target=self._poll, name="model-versions",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
            except Exception:  # e.g. the dir briefly unreadable; try again.
                log.exception("polling %s failed", self.serving_dir)

    def status(self) -> List[Dict]:
        """TF Serving's model_version_status entries, newest first."""
        entries = [{"version": failure.version, "state": "END",
                    "status": {"error_code": "UNKNOWN", "error_message": failure.error}}
                   for failure in self.failures.values()]
        if self.current is not None:
            entries.append({"version": self.current.version, "state": "AVAILABLE",
                            "status": {"error_code": "OK", "error_message": ""}})
        return sorted(entries, key=lambda e: int(e["version"]), reverse=True)
