"""The exported PipelineSpec's whole DAG, run here task by task as KFP runs it.

Three runs share one pipeline root and KFP's cache (tests/kfp_launcher.py):
the first on two quarters pushes a model; the second, after an older quarter
landed in the same data root, reads all three and compares its candidate
with the first run's model; the third, on data the gate refuses, stops at
the gate.
"""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from components.artifact_files import STATISTICS_FILE, split_dir
from components.atomic_pusher.layout import SAVED_MODEL_FILE
from pipeline.config import REPO_ROOT, in_process_beam_args
from pipeline.runners import kubeflow
from tests.pipeline.runners.test_kubeflow import IMAGE, differences, statistics_by_feature
from tests.support.kfp_launcher import LocalKfp
from tests.support.runs import slice_of_data

pytestmark = pytest.mark.slow

PIPELINE_ROOT = "gs://taxi-dag-test/root"
DOWNSTREAM_OF_GATE = {"Transform", "Trainer", "LatestBlessedModel", "Evaluator", "Pusher"}
# Trips neither model trained on.
UNSEEN_QUARTERS = ("2016-07-01", "2016-10-01")
# Lands before the second run, older than the two the first run read, so the
# span drift check compares the same two quarters in both runs.
LATE_QUARTER = "2014-01-01"


def _train_args(steps: int) -> str:
    return json.dumps({"numSteps": steps})


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The export as a user makes it, a bucket folder standing in for the
    pipeline root, and this checkout for the image's project folder."""
    tmp = tmp_path_factory.mktemp("kfp_dag")
    # One Beam worker in process: the tasks share this machine's two cores,
    # where each pod would have its own.
    config = kubeflow.kubeflow_config(PIPELINE_ROOT, beam_args=in_process_beam_args())
    spec = yaml.safe_load(kubeflow.export(config, IMAGE, tmp / "spec.yaml").read_text())
    bucket = tmp / "bucket"
    kfp = LocalKfp(
        spec, tmp, {PIPELINE_ROOT: str(bucket), kubeflow.IMAGE_PROJECT_DIR: str(REPO_ROOT)}
    )
    serving_dir = Path(config.serving_dir.replace(PIPELINE_ROOT, str(bucket)))
    return kfp, serving_dir


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    return slice_of_data(tmp_path_factory.mktemp("landing") / "trips")


@pytest.fixture(scope="module")
def first_run(cluster, small_run, data_root):
    """On the local run's two quarters with its train steps."""
    kfp, _ = cluster
    config, _, _ = small_run
    return kfp.run(
        "run-1", {"data_root": str(data_root), "train_args": _train_args(config.train_steps)}
    )


@pytest.fixture(scope="module")
def second_run(cluster, small_run, data_root, first_run):
    """The same parameters, after a quarter landed in the data root."""
    kfp, _ = cluster
    config, _, _ = small_run
    shutil.copytree(REPO_ROOT / "data" / "trips" / LATE_QUARTER, data_root / LATE_QUARTER)
    return kfp.run(
        "run-2", {"data_root": str(data_root), "train_args": _train_args(config.train_steps)}
    )


@pytest.fixture(scope="module")
def refused_run(cluster, second_run, tmp_path_factory):
    """On two quarters with one out-of-range cell, after the two good runs."""
    kfp, serving_dir = cluster
    pushed_before = sorted(p.name for p in serving_dir.iterdir())
    data_root = slice_of_data(
        tmp_path_factory.mktemp("refused") / "trips", edit=("pickup_community_area", "99")
    )
    run = kfp.run("run-3", {"data_root": str(data_root)})
    return run, pushed_before


def _pushed(run) -> Path:
    pushed = run.artifact("Pusher", "pushed_model")["metadata"]
    assert pushed["pushed"] == 1
    return Path(pushed["pushed_destination"])


def test_first_run_runs_every_task_and_pushes_a_model(cluster, first_run):
    kfp, serving_dir = cluster
    assert first_run.failed is None, first_run.failure_log
    assert set(first_run.executed) == set(kfp.spec["root"]["dag"]["tasks"])
    assert first_run.cached == []
    baseline = first_run.artifact("LatestBlessedModel", "baseline")
    assert baseline["metadata"]["no_model_pushed"] == 1
    blessing = first_run.artifact("Evaluator", "blessing")["metadata"]
    assert blessing["blessed"] == 1 and "baseline_model" not in blessing
    pushed = _pushed(first_run)
    assert pushed.parent == serving_dir and (pushed / SAVED_MODEL_FILE).is_file()


def test_statistics_equal_the_local_runs_span_by_span(first_run, small_run):
    """KFP records one artifact per output: the folder that lists the span
    artifacts, which every consumer expands (components/spans/manifest.py)."""
    from components.spans.manifest import MANIFEST_FILE

    _, _, local = small_run
    ours = Path(first_run.artifact("StatisticsGen", "statistics")["uri"])
    assert (ours / MANIFEST_FILE).is_file()
    for artifact in local["StatisticsGen"]["outputs"]["statistics"]:
        span = artifact["properties"]["span_name"]
        theirs = Path(artifact["uri"])
        for split in ("train", "eval"):
            mine = statistics_by_feature(ours / span / split_dir(split) / STATISTICS_FILE)
            assert int(mine["datasets"][0]["numExamples"]) > 0
            assert (
                differences(
                    mine, statistics_by_feature(theirs / split_dir(split) / STATISTICS_FILE)
                )
                == []
            ), (span, split)


def _unseen_instances(checks):
    from pipeline.scoring.checks import csv_instance

    instances = []
    for quarter in UNSEEN_QUARTERS:
        with (REPO_ROOT / "data" / "trips" / quarter / "trips.csv").open(newline="") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                instances.append(
                    checks.check(csv_instance(list(row), list(row.values())), f"{quarter}:{line}")
                )
    return instances


def test_pushed_model_answers_like_the_local_runs_model(first_run, small_run):
    """Same examples, same steps, same seed: the same model, although the
    two ran on different orchestrators (measured: equal to the last bit)."""
    from pipeline.scoring.model import LoadedModel

    _, result, _ = small_run
    ours = LoadedModel(_pushed(first_run))
    theirs = LoadedModel(Path(result.pushed_model_dir))
    instances = _unseen_instances(ours.checks)
    mine, local = np.array(ours.predict(instances)), np.array(theirs.predict(instances))
    assert len(instances) > 300
    np.testing.assert_allclose(mine, local, rtol=0, atol=1e-6)


def _gated_metrics(evaluation_uri: str):
    """The overall slice's TFMA metrics (the ones the thresholds gate, with
    example_weighted set; Keras's compiled metrics have it unset)."""
    import tensorflow_model_analysis as tfma

    [overall] = [m for m in tfma.load_metrics(evaluation_uri) if not m.slice_key.single_slice_keys]
    return {
        (kv.key.name, kv.key.model_name, kv.key.is_diff): kv.value.double_value.value
        for kv in overall.metric_keys_and_values
        if kv.key.HasField("example_weighted")
    }


def _examples(run) -> int:
    counts = run.artifact("AnomalyGate", "result")["metadata"]["examples_per_split"]
    return sum(counts.values())


def test_second_run_reads_the_quarter_that_landed(first_run, second_run):
    """No driver fingerprints the data on Kubeflow, so the export turns the
    span ExampleGen's cache off: same parameters, new files, new examples,
    every span of the window read again. Only the schema import, a
    constant, is cached."""
    assert second_run.failed is None, second_run.failure_log
    assert second_run.cached == ["CuratedSchemaImporter"]
    late_rows = (
        len((REPO_ROOT / "data" / "trips" / LATE_QUARTER / "trips.csv").read_text().splitlines())
        - 1
    )
    assert _examples(second_run) == _examples(first_run) + late_rows


def test_second_run_is_judged_against_the_first_runs_model(first_run, second_run):
    assert second_run.failed is None, second_run.failure_log
    first_push = _pushed(first_run)
    baseline = second_run.artifact("LatestBlessedModel", "baseline")
    assert baseline["metadata"]["pushed_version"] == first_push.name
    copied = Path(baseline["uri"]) / "Format-Serving" / SAVED_MODEL_FILE
    assert copied.read_bytes() == (first_push / SAVED_MODEL_FILE).read_bytes()
    blessing = second_run.artifact("Evaluator", "blessing")["metadata"]
    assert blessing["baseline_model"] == baseline["uri"]

    metrics = _gated_metrics(second_run.artifact("Evaluator", "evaluation")["uri"])
    assert metrics["auc", "baseline", False] > 0.85
    assert metrics["auc", "candidate", True] == pytest.approx(
        metrics["auc", "candidate", False] - metrics["auc", "baseline", False], abs=1e-6
    )


def test_refused_data_stops_the_dag_at_the_gate(cluster, refused_run):
    _, serving_dir = cluster
    run, pushed_before = refused_run
    assert run.failed == "AnomalyGate"
    assert "pickup_community_area" in run.failure_log
    assert not DOWNSTREAM_OF_GATE & set(run.executed)
    assert sorted(p.name for p in serving_dir.iterdir()) == pushed_before
