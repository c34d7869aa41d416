"""Runs the pipeline with LocalDagRunner, showing one progress line per component.

TensorFlow, Beam and TFX log thousands of lines; they go to a log file under
the output dir (`--verbose` keeps them on the terminal instead), while the
terminal shows which component runs, whether it came from cache, and how
long it took.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Iterator, Optional, TextIO

from pipeline.config import PipelineConfig
from pipeline.run_lock import run_lock


# How TFX's Evaluator names the new model when it compares it to a baseline.
CANDIDATE_MODEL = "candidate"


class ModelNotBlessedError(RuntimeError):
    """The pipeline ran, but the Evaluator did not bless the new model."""


@dataclasses.dataclass
class RunResult:
    pushed_model_dir: Optional[str]
    metrics: dict
    log_path: Optional[Path]
    # What the drift/skew check compared, e.g. {"span_drift": "span ... "}.
    data_checks: dict = dataclasses.field(default_factory=dict)
    # Gate findings a person accepted with --accept-anomaly.
    accepted_anomalies: list = dataclasses.field(default_factory=list)


class ProgressHandler(logging.Handler):
    """Turns TFX's per-component log lines into short progress lines."""

    _RUNNING = re.compile(r"Component (\S+) is running\.")
    _CACHED = re.compile(r"A cached execution \d+ is used\.")
    _FINISHED = re.compile(r"Component (\S+) is finished\.")

    def __init__(self, total: int, console: TextIO, inline: bool):
        super().__init__(logging.INFO)
        self._total = total
        self._console = console
        # Inline: "[ 3/11] StatisticsGen ... done (4.2 s)" on one line, when
        # nothing else writes to the console in between.
        self._inline = inline
        self._done = 0
        self._started = 0.0
        self._cached = False
        self._running: Optional[str] = None

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if match := self._RUNNING.match(message):
            self._started, self._cached = time.monotonic(), False
            self._running = match.group(1)
            start = f"[{self._done + 1:2d}/{self._total}] {match.group(1)} ..."
            self._write(start + (" " if self._inline else "\n"))
        elif self._CACHED.match(message):
            self._cached = True
        elif match := self._FINISHED.match(message):
            self._done += 1
            self._running = None
            how = "cached" if self._cached else f"{time.monotonic() - self._started:.1f} s"
            prefix = "" if self._inline else f"[{self._done:2d}/{self._total}] {match.group(1)} "
            self._write(f"{prefix}done ({how})\n")

    def fail(self) -> None:
        """Ends the line of the component that was running when the run failed."""
        if self._running is not None:
            prefix = "" if self._inline else f"[{self._done + 1:2d}/{self._total}] {self._running} "
            self._write(f"{prefix}failed\n")
            self._running = None

    def _write(self, text: str) -> None:
        self._console.write(text)
        self._console.flush()


@contextlib.contextmanager
def _output_to_log(log_path: Path) -> Iterator[TextIO]:
    """Sends fds 1 and 2 (and Beam's worker processes) to the log file.

    Yields a stream on the real terminal for progress lines.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    console = os.fdopen(os.dup(saved[2]), "w", buffering=1)
    with log_path.open("ab") as log:
        for fd in saved:
            os.dup2(log.fileno(), fd)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, original in saved.items():
                os.dup2(original, fd)
                os.close(original)
            console.close()


@contextlib.contextmanager
def _progress(total: int, console: TextIO, inline: bool) -> Iterator[None]:
    from absl import logging as absl_logging

    previous_verbosity = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.INFO)
    logger = logging.getLogger("absl")
    handler = ProgressHandler(total, console, inline)
    logger.addHandler(handler)
    try:
        yield
    except BaseException:
        handler.fail()
        raise
    finally:
        logger.removeHandler(handler)
        absl_logging.set_verbosity(previous_verbosity)


def overall_metrics(evaluation_uri: str) -> dict:
    """The candidate model's metrics on the overall slice of an evaluation
    artifact (ours, or any TFX Evaluator's)."""
    import tensorflow_model_analysis as tfma

    metrics = {}
    for slice_metrics in tfma.load_metrics(evaluation_uri):
        if not slice_metrics.slice_key.single_slice_keys:  # The overall slice.
            for key in slice_metrics.metric_keys_and_values:
                if key.key.model_name in ("", CANDIDATE_MODEL) and not key.key.is_diff:
                    metrics[key.key.name] = key.value.double_value.value
    return metrics


def evaluation_summary(config: PipelineConfig) -> dict:
    """Overall-slice metrics and threshold failures of the latest Evaluator run."""
    import tensorflow_model_analysis as tfma

    from pipeline.metadata import latest_outputs

    components = latest_outputs(Path(config.metadata_path),
                                config.pipeline_name)["components"]
    evaluation_uri = components["Evaluator"]["outputs"]["evaluation"][0]["uri"]
    metrics = overall_metrics(evaluation_uri)
    validation = tfma.load_validation_result(evaluation_uri)
    failures = [f"{failure.metric_key.name}: {failure.message}"
                for slice_failures in validation.metric_validations_per_slice
                for failure in slice_failures.failures]
    pushed = components.get("Pusher", {}).get("outputs", {}).get("pushed_model", [])
    pushed_dir = None
    if pushed and pushed[0]["properties"].get("pushed"):
        pushed_dir = pushed[0]["properties"].get("pushed_destination")
    [gate] = components["AnomalyGate"]["outputs"]["result"]
    return {"metrics": metrics, "blessed": validation.validation_ok,
            "failures": failures, "pushed_model_dir": pushed_dir,
            "data_checks": {**gate["properties"].get("checks", {}),
                            "quarantine": _quarantine_summary(components)},
            "accepted_anomalies": gate["properties"].get("accepted_anomalies", [])}


def _quarantine_summary(components: dict) -> str:
    parts = []
    for name in ("CsvExampleGen", "ServingExampleGen"):
        if name in components:
            [quarantine] = components[name]["outputs"]["quarantine"]
            count = quarantine["properties"]["quarantined_rows"]
            rows = quarantine["properties"]["rows"]
            parts.append(f"{name}: {count} of {rows} rows"
                         + (f", in {quarantine['uri']}" if count else ""))
    return "; ".join(parts)


def _run_pipeline(config: PipelineConfig, console: TextIO, inline: bool) -> None:
    from tfx.orchestration.local.local_dag_runner import LocalDagRunner

    from components.tf_keras_autograph import skip_tf_keras_conversion
    from pipeline.assembly import create_pipeline

    # Components run in this process; the Evaluator traces the Keras model too.
    skip_tf_keras_conversion()
    pipeline = create_pipeline(config)
    with _progress(len(pipeline.components), console, inline):
        LocalDagRunner().run(pipeline)


def run(config: PipelineConfig, verbose: bool = False,
        console: TextIO = sys.stderr) -> RunResult:
    """Runs the whole pipeline; raises if a component fails or nothing is pushed.

    Raises OutputDirBusyError, before doing anything, if another run uses the
    output dir.
    """
    from pipeline.metadata import cancel_stale_executions

    log_path = None
    with run_lock(Path(config.output_dir)):
        stale = cancel_stale_executions(Path(config.metadata_path))
        if stale:
            console.write(f"Marked {len(stale)} execution(s) of an interrupted run "
                          f"as canceled (ids {', '.join(map(str, stale))}).\n")
        if verbose:
            _run_pipeline(config, console, inline=False)
        else:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            log_path = Path(config.log_dir) / f"run-{stamp}.log"
            console.write(f"Running the pipeline; full log: {log_path}\n")
            # TensorFlow's import-time messages go to the log too.
            with _output_to_log(log_path) as terminal:
                _run_pipeline(config, terminal, inline=True)
    evaluation = evaluation_summary(config)
    if not evaluation["blessed"]:
        raise ModelNotBlessedError(
            "the Evaluator did not bless the new model, so nothing was pushed: "
            + "; ".join(evaluation["failures"] or ["see the Evaluator output"]))
    return RunResult(pushed_model_dir=evaluation["pushed_model_dir"],
                     metrics=evaluation["metrics"], log_path=log_path,
                     data_checks=evaluation["data_checks"],
                     accepted_anomalies=evaluation["accepted_anomalies"])
