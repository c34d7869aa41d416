"""Runs the pipeline with LocalDagRunner, one run per output dir at a time,
with progress on the terminal and the full log in a file
(`pipeline/runners/progress.py`), the Beam components on the configured
engine (`pipeline/runners/engines.py` starts a Spark or Flink job server for
the run), then reads what the Evaluator decided.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
from pathlib import Path
from typing import List, Optional, TextIO

from pipeline import node_ids
from pipeline.config import PipelineConfig
from pipeline.metadata import cancel_stale_executions, latest_outputs
from pipeline.runners.engines import running_job_server
from pipeline.runners.progress import output_to_log, progress_lines
from pipeline.runners.refusal import refusal_reasons
from pipeline.runners.run_lock import run_lock

# How TFX's Evaluator names the new model when it compares it to a baseline.
CANDIDATE_MODEL = "candidate"


class ModelNotBlessedError(RuntimeError):
    """The pipeline ran, but the Evaluator did not bless the new model.

    The message puts each missed threshold on a line of its own (a reason may
    hold a semicolon), so a person reads which bar was missed and by how much.
    """

    def __init__(self, reasons: List[str]):
        self.reasons = list(reasons) or ["no threshold failure recorded; see the Evaluator output"]
        super().__init__(
            "the Evaluator did not bless the new model, so nothing was pushed:"
            + "".join(f"\n  - {reason}" for reason in self.reasons)
        )


@dataclasses.dataclass
class RunResult:
    pushed_model_dir: Optional[str]
    metrics: dict
    log_path: Optional[Path]
    # What the drift/skew check compared, e.g. {"span_drift": "span ... "}.
    data_checks: dict = dataclasses.field(default_factory=dict)
    # Gate findings a person accepted with --accept-anomaly.
    accepted_anomalies: list = dataclasses.field(default_factory=list)


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
    """Overall-slice metrics, and why the latest Evaluator run refused the
    model if it did (`failures`, one sentence per missed threshold)."""
    import tensorflow_model_analysis as tfma

    components = latest_outputs(Path(config.metadata_path), config.pipeline_name)["components"]
    evaluation_uri = components[node_ids.EVALUATOR]["outputs"]["evaluation"][0]["uri"]
    metrics = overall_metrics(evaluation_uri)
    validation = tfma.load_validation_result(evaluation_uri)
    failures = refusal_reasons(validation, metrics)
    pushed = components.get(node_ids.PUSHER, {}).get("outputs", {}).get("pushed_model", [])
    pushed_dir = None
    if pushed and pushed[0]["properties"].get("pushed"):
        pushed_dir = pushed[0]["properties"].get("pushed_destination")
    [gate] = components[node_ids.ANOMALY_GATE]["outputs"]["result"]
    return {
        "metrics": metrics,
        "blessed": validation.validation_ok,
        "failures": failures,
        "pushed_model_dir": pushed_dir,
        "data_checks": {
            **span_checks(gate["properties"]),
            "quarantine": _quarantine_summary(components),
        },
        "accepted_anomalies": gate["properties"].get("accepted_anomalies", []),
    }


def span_checks(gate: dict) -> dict:
    """What the gate judged in this run: the spans it ingested, and the
    newest one's checks (every span's are in the gate's result)."""
    spans = gate.get("spans", [])
    if not spans:
        return {"spans": "none new: every span of the window was ingested before"}
    checks = gate.get("checks", {}).get(spans[-1], {})
    listed = ", ".join(spans) if len(spans) <= 3 else f"{len(spans)}, {spans[0]} to {spans[-1]}"
    return {"spans": f"ingested {listed}", **checks}


def _quarantine_summary(components: dict) -> str:
    parts = []
    for name in node_ids.QUARANTINING_EXAMPLE_GENS:
        if name in components:
            [quarantine] = components[name]["outputs"]["quarantine"]
            count = quarantine["properties"]["quarantined_rows"]
            rows = quarantine["properties"]["rows"]
            parts.append(
                f"{name}: {count} of {rows} rows" + (f", in {quarantine['uri']}" if count else "")
            )
    return "; ".join(parts)


def local_pipeline(config: PipelineConfig):
    """The pipeline as a local run sees it: the config's own values, the
    schema file hashed where it is, ML Metadata in SQLite under the output dir."""
    from tfx.orchestration import metadata

    from components.curated_schema.executor import file_sha256
    from pipeline.pipeline import RunnerInputs, create_pipeline, train_args

    return create_pipeline(
        config,
        RunnerInputs(
            data_root=config.data_root,
            train_args=train_args(config),
            schema_sha256=file_sha256(config.schema_path),
            metadata_connection=metadata.sqlite_metadata_connection_config(config.metadata_path),
        ),
    )


def _run_pipeline(config: PipelineConfig, console: TextIO, inline: bool) -> None:
    from tfx.orchestration.local.local_dag_runner import LocalDagRunner

    from components.trainer.tf_keras_autograph import skip_tf_keras_conversion

    # Components run in this process; the Evaluator traces the Keras model too.
    skip_tf_keras_conversion()
    pipeline = local_pipeline(config)
    with progress_lines(len(pipeline.components), console, inline):
        LocalDagRunner().run(pipeline)


def run(
    config: PipelineConfig, verbose: bool = False, console: Optional[TextIO] = None
) -> RunResult:
    """Runs the whole pipeline; raises if a component fails or nothing is pushed.
    Progress goes to `console`, by default the stderr of the moment of the call.

    Raises OutputDirBusyError, before doing anything, if another run uses the
    output dir.
    """

    console = console or sys.stderr
    log_path = None
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    job_server_log = Path(config.log_dir) / f"{config.engine.name}-job-server-{stamp}.log"
    with run_lock(Path(config.output_dir)), running_job_server(config.engine, job_server_log):
        stale = cancel_stale_executions(Path(config.metadata_path))
        if stale:
            console.write(
                f"Marked {len(stale)} execution(s) of an interrupted run "
                f"as canceled (ids {', '.join(map(str, stale))}).\n"
            )
        if verbose:
            _run_pipeline(config, console, inline=False)
        else:
            log_path = Path(config.log_dir) / f"run-{stamp}.log"
            console.write(f"Running the pipeline; full log: {log_path}\n")
            # TensorFlow's import-time messages go to the log too.
            with output_to_log(log_path) as terminal:
                _run_pipeline(config, terminal, inline=True)
    evaluation = evaluation_summary(config)
    if not evaluation["blessed"]:
        raise ModelNotBlessedError(evaluation["failures"])
    return RunResult(
        pushed_model_dir=evaluation["pushed_model_dir"],
        metrics=evaluation["metrics"],
        log_path=log_path,
        data_checks=evaluation["data_checks"],
        accepted_anomalies=evaluation["accepted_anomalies"],
    )
