"""Incremental spans, through five real runs on one output dir: two quarters,
a third quarter lands, a row of an old quarter is edited, a bad quarter
lands (the gate stops it), then its fixed version.

Each run ingests only what is new; old spans' artifacts are reused, and
Transform analyzes only the new span's data."""

import csv
import dataclasses
import shutil
from pathlib import Path

import pytest

from components.rows import layout
from pipeline import node_ids
from pipeline.config import REPO_ROOT, EvaluationThresholds
from tests.support.runs import SLICE_QUARTERS, latest_outputs, slice_config, slice_of_data

pytestmark = pytest.mark.slow

ADDED = "2014-10-01"
BAD = "2015-01-01"


def _edit_cell(path: Path, line: int, column: str, value: str) -> None:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _add_quarter(data_root: Path, quarter: str) -> Path:
    shutil.copytree(REPO_ROOT / "data" / "trips" / quarter, data_root / quarter)
    return data_root / quarter / layout.QUARTER_FILE


def _spans(outputs, node_id, key):
    return [a["properties"]["span_name"] for a in outputs[node_id]["outputs"].get(key, [])]


def _versions(serving_dir: str):
    return sorted(p.name for p in Path(serving_dir).iterdir() if not p.name.startswith("."))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{run: latest outputs}, the config, and what the bad run raised."""
    from components.anomaly_gate.executor import DataValidationError
    from pipeline.runners import local

    tmp = tmp_path_factory.mktemp("incremental")
    data_root = slice_of_data(tmp / "trips")
    # Quality is not what these runs test: every trained model is blessed.
    # With Transform's analyzer cache, which is off by default.
    config = dataclasses.replace(
        slice_config(tmp, data_root),
        analyzer_cache=True,
        train_steps=100,
        thresholds=EvaluationThresholds(min_auc=0.5, min_binary_accuracy=0.5, max_auc_drop=1.0),
    )
    outputs, served = {}, {}

    def run(name):
        result = local.run(config)
        outputs[name] = latest_outputs(config)
        served[name] = _versions(config.serving_dir)
        return result

    run("first")
    _add_quarter(data_root, ADDED)
    added = run("added")
    _edit_cell(data_root / SLICE_QUARTERS[0] / layout.QUARTER_FILE, 2, "fare", "12.25")
    edited = run("edited")
    bad_file = _add_quarter(data_root, BAD)
    _edit_cell(bad_file, 2, "pickup_community_area", "99")
    with pytest.raises(DataValidationError) as refused:
        local.run(config)
    served["bad"] = _versions(config.serving_dir)
    _edit_cell(bad_file, 2, "pickup_community_area", "8")
    fixed = run("fixed")
    return {
        "config": config,
        "outputs": outputs,
        "served": served,
        "refused": refused.value,
        "results": {"added": added, "edited": edited, "fixed": fixed},
    }


def test_adding_a_quarter_ingests_only_that_quarter(runs):
    first, added = runs["outputs"]["first"], runs["outputs"]["added"]
    assert _spans(first, node_ids.CSV_EXAMPLE_GEN, "examples") == list(SLICE_QUARTERS)
    assert _spans(added, node_ids.CSV_EXAMPLE_GEN, "examples") == [ADDED]
    assert _spans(added, node_ids.STATISTICS_GEN, "statistics") == [ADDED]
    [statistics] = added[node_ids.STATISTICS_GEN]["outputs"]["statistics"]
    counted = sum(
        _statistics(statistics, split).datasets[0].num_examples for split in ("train", "eval")
    )
    with (REPO_ROOT / "data" / "trips" / ADDED / layout.QUARTER_FILE).open(newline="") as f:
        assert counted == sum(1 for _ in csv.reader(f)) - 1


def _statistics(artifact, split):
    from tensorflow_metadata.proto.v0 import statistics_pb2

    from components.artifact_files import STATISTICS_FILE, split_dir

    path = Path(artifact["uri"]) / split_dir(split) / STATISTICS_FILE
    return statistics_pb2.DatasetFeatureStatisticsList.FromString(path.read_bytes())


def _execution_inputs(config, execution_id):
    """{input key: [artifact uri]} of one execution, from ML Metadata."""
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    connection = metadata_store_pb2.ConnectionConfig()
    connection.sqlite.filename_uri = config.metadata_path
    store = metadata_store.MetadataStore(connection)
    inputs = {}
    for event in store.get_events_by_execution_ids([execution_id]):
        if event.type == metadata_store_pb2.Event.INPUT:
            [artifact] = store.get_artifacts_by_id([event.artifact_id])
            inputs.setdefault(event.path.steps[0].key, []).append(artifact.uri)
    return inputs


def test_training_reads_the_window_with_the_old_spans_artifacts(runs):
    first, added = runs["outputs"]["first"], runs["outputs"]["added"]
    old = [a["uri"] for a in first[node_ids.CSV_EXAMPLE_GEN]["outputs"]["examples"]]
    new = [a["uri"] for a in added[node_ids.CSV_EXAMPLE_GEN]["outputs"]["examples"]]
    for node_id in (node_ids.TRANSFORM, node_ids.TRAINER):
        inputs = _execution_inputs(runs["config"], added[node_id]["execution_id"])
        assert sorted(inputs["examples"]) == sorted(old + new), node_id


def test_transform_starts_from_the_analyzer_cache_of_the_old_spans(runs):
    first, added = runs["outputs"]["first"], runs["outputs"]["added"]
    inputs = _execution_inputs(runs["config"], added[node_ids.TRANSFORM]["execution_id"])
    [cache] = inputs["analyzer_cache"]
    assert cache == first[node_ids.TRANSFORM]["outputs"]["updated_analyzer_cache"][0]["uri"]
    entries = [p.name for p in Path(cache).iterdir()]
    # One entry per old span's train split; the new span is what TFT analyzes.
    for artifact in first[node_ids.CSV_EXAMPLE_GEN]["outputs"]["examples"]:
        digest = _dataset_digest(artifact["uri"])
        assert any(entry.endswith(digest) for entry in entries), artifact["uri"]
    assert len(entries) == len(SLICE_QUARTERS)


def _dataset_digest(uri: str) -> str:
    import hashlib

    return hashlib.sha256(f"{uri}/Split-train/*".encode()).hexdigest()


def test_editing_a_row_of_an_old_quarter_reingests_that_quarter_only(runs):
    edited = runs["outputs"]["edited"]
    [examples] = edited[node_ids.CSV_EXAMPLE_GEN]["outputs"]["examples"]
    assert examples["properties"]["span_name"] == SLICE_QUARTERS[0]
    assert examples["properties"]["span_version"] == 1
    checks = edited[node_ids.ANOMALY_GATE]["outputs"]["result"][0]["properties"]["checks"]
    assert checks[SLICE_QUARTERS[0]]["restatement"].startswith(
        f"span {SLICE_QUARTERS[0]} version 1 ("
    )
    assert runs["results"]["edited"].data_checks["spans"] == f"ingested {SLICE_QUARTERS[0]}"


def test_a_bad_quarter_stops_at_the_gate_and_the_next_good_one_goes_through(runs):
    refused, served = runs["refused"], runs["served"]
    # The bad row hashed into one split of the bad span; nothing else is named.
    [finding] = refused.findings
    assert finding.startswith(f"split '{BAD}/")
    assert finding.endswith("[pickup_community_area:INT_TYPE_BIG_INT]")
    assert served["bad"] == served["edited"]
    fixed = runs["outputs"]["fixed"]
    assert _spans(fixed, node_ids.CSV_EXAMPLE_GEN, "examples") == [BAD]
    assert len(served["fixed"]) == len(served["edited"]) + 1


def test_incremental_statistics_equal_ingesting_the_quarter_alone(runs, tmp_path):
    """The added quarter's statistics from the third run equal those of a
    fresh pipeline that ingests only that quarter."""
    from tfx.orchestration import metadata
    from tfx.orchestration.local.local_dag_runner import LocalDagRunner
    from tfx.orchestration.pipeline import Pipeline

    from components.per_span.component import SpanStatisticsGen
    from pipeline.pipeline import _example_gen

    alone = tmp_path / "trips"
    _add_quarter(alone, ADDED)
    config = dataclasses.replace(runs["config"], data_root=str(alone), output_dir=str(tmp_path))
    example_gen = _example_gen(config, str(alone))
    statistics_gen = SpanStatisticsGen(examples=example_gen.outputs["examples"]).with_id(
        node_ids.STATISTICS_GEN
    )
    LocalDagRunner().run(
        Pipeline(
            pipeline_name="alone",
            pipeline_root=str(tmp_path / "root"),
            components=[example_gen, statistics_gen],
            metadata_connection_config=metadata.sqlite_metadata_connection_config(
                str(tmp_path / "metadata.sqlite")
            ),
            beam_pipeline_args=list(config.beam_args),
        )
    )
    from pipeline.metadata import latest_outputs as read

    [fresh] = read(tmp_path / "metadata.sqlite", "alone")["components"][node_ids.STATISTICS_GEN][
        "outputs"
    ]["statistics"]
    [incremental] = runs["outputs"]["added"][node_ids.STATISTICS_GEN]["outputs"]["statistics"]
    for split in ("train", "eval"):
        assert _statistics(fresh, split) == _statistics(incremental, split), split
