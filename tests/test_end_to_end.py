"""The real pipeline on a slice of the bundled data, asserted on real artifacts."""

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from components import features
from components.features import RawType
from components.rows import layout
from components.trainer.contract import PROBABILITY_OUTPUT, SERVING_SIGNATURE, TRANSFORM_SIGNATURE
from pipeline.config import REPO_ROOT
from tests.support.runs import SLICE_QUARTERS, latest_outputs

pytestmark = pytest.mark.slow

ALL_COMPONENTS = {
    "CsvExampleGen",
    "StatisticsGen",
    "SchemaGen",
    "CuratedSchemaImporter",
    "ExampleValidator",
    "DriftSkewCheck",
    "AnomalyGate",
    "StatisticsHistory",
    "SpanWindow",
    "Transform",
    "Trainer",
    "LatestBlessedModel",
    "Evaluator",
    "Pusher",
}


def test_every_component_ran_and_wrote_its_artifacts(small_run):
    _, _, components = small_run
    assert set(components) == ALL_COMPONENTS
    for name, component in components.items():
        assert component["state"] == "COMPLETE", name
        for artifacts in component["outputs"].values():
            for artifact in artifacts:
                uri = Path(artifact["uri"])
                assert uri.exists() and any(uri.rglob("*")), (name, uri)


def test_the_gate_recorded_both_splits_of_each_span(small_run):
    _, _, components = small_run
    counts = components["AnomalyGate"]["outputs"]["result"][0]["properties"]["examples_per_split"]
    assert sum(counts.values()) == 2683
    for span, rows in zip(SLICE_QUARTERS, (1380, 1303)):
        train, evaluation = counts[f"{span}/train"], counts[f"{span}/eval"]
        assert train + evaluation == rows
        assert evaluation > 0.1 * train


def test_each_span_has_its_own_artifacts(small_run):
    _, _, components = small_run
    for node_id, key in (
        ("CsvExampleGen", "examples"),
        ("StatisticsGen", "statistics"),
        ("ExampleValidator", "anomalies"),
        ("DriftSkewCheck", "anomalies"),
    ):
        spans = [a["properties"]["span_name"] for a in components[node_id]["outputs"][key]]
        assert spans == list(SLICE_QUARTERS), node_id


def test_the_newest_span_was_compared_with_the_one_before(small_run):
    _, result, _ = small_run
    assert result.data_checks == {
        "spans": "ingested 2014-04-01, 2014-07-01",
        "span_drift": "span 2014-07-01 (1045 train examples) against span 2014-04-01 (1116)",
        "restatement": "not checked: first version of the span",
        "serving_skew": "not checked: no serving sample given",
        "quarantine": "CsvExampleGen: 0 of 2683 rows",
    }
    assert result.accepted_anomalies == []


def test_model_is_blessed_and_pushed(small_run):
    config, result, components = small_run
    blessing = components["Evaluator"]["outputs"]["blessing"][0]["properties"]
    assert blessing["blessed"] == 1
    pushed = Path(result.pushed_model_dir)
    assert pushed.parent == Path(config.serving_dir)
    assert (pushed / "saved_model.pb").is_file()
    assert result.metrics["auc"] >= config.thresholds.min_auc


def _raw_examples(path: Path):
    """Serialized raw tf.Examples as a client would send them: no label source."""
    import tensorflow as tf

    serving = set(features.serving_feature_names())
    examples, payment_types = [], []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            feature = {}
            for name in serving:
                spec, cell = features.raw_feature(name), row[name]
                if spec.raw_type == RawType.INT:
                    values = tf.train.Feature(
                        int64_list=tf.train.Int64List(value=[int(cell)] if cell else [])
                    )
                elif spec.raw_type == RawType.FLOAT:
                    values = tf.train.Feature(
                        float_list=tf.train.FloatList(value=[float(cell)] if cell else [])
                    )
                else:
                    values = tf.train.Feature(
                        bytes_list=tf.train.BytesList(value=[cell.encode()] if cell else [])
                    )
                feature[name] = values
            examples.append(
                tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()
            )
            payment_types.append(row["payment_type"])
    return examples, np.array(payment_types)


def test_pushed_model_serves_raw_examples(small_run):
    import tensorflow as tf

    _, result, _ = small_run
    model = tf.saved_model.load(result.pushed_model_dir)
    assert {SERVING_SIGNATURE, TRANSFORM_SIGNATURE} <= set(model.signatures)
    examples, payment_types = _raw_examples(
        REPO_ROOT / "data" / "trips" / "2015-01-01" / layout.QUARTER_FILE
    )
    outputs = model.signatures[SERVING_SIGNATURE](examples=tf.constant(examples))
    probabilities = outputs[PROBABILITY_OUTPUT].numpy()
    assert probabilities.shape == (len(examples), 1)
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    # Cash tips are not recorded, so a cash trip is never a big tipper.
    by_type = {
        kind: probabilities[payment_types == kind].mean() for kind in ("Cash", "Credit Card")
    }
    assert by_type["Cash"] < 0.1 < 0.5 < by_type["Credit Card"]


def test_transform_signature_yields_model_inputs_and_label(small_run):
    import tensorflow as tf

    _, result, _ = small_run
    model = tf.saved_model.load(result.pushed_model_dir)
    path = REPO_ROOT / "data" / "trips" / "2015-01-01" / layout.QUARTER_FILE
    examples, _ = _raw_examples(path)
    # With the label source added back, the label comes out too.
    with_tips = []
    with path.open(newline="") as handle:
        for serialized, row in zip(examples, csv.DictReader(handle)):
            example = tf.train.Example.FromString(serialized)
            example.features.feature["tips"].float_list.value.append(float(row["tips"]))
            with_tips.append(example.SerializeToString())
    transformed = model.signatures[TRANSFORM_SIGNATURE](examples=tf.constant(with_tips))
    assert features.LABEL.name in transformed
    assert "fare_z" in transformed and "start_hour" in transformed


TRAINING = ("Transform", "Trainer", "LatestBlessedModel", "Evaluator", "Pusher")


def test_unchanged_data_ingests_and_trains_nothing(small_run):
    from pipeline.runners import local

    config, _, before = small_run
    pushed_before = sorted(os.listdir(config.serving_dir))
    second = local.run(config)
    after = latest_outputs(config)
    # The driver finds every span ingested: ExampleGen publishes nothing, and
    # the window, so everything after it, is the first run's. The baseline is
    # looked up once per candidate model, so nothing is pushed again.
    assert "examples" not in after["CsvExampleGen"]["outputs"]
    assert second.data_checks["spans"].startswith("none new")
    for name in TRAINING:
        assert after[name]["state"] == "CACHED", name
        assert after[name]["outputs"] == before[name]["outputs"], name
    assert sorted(os.listdir(config.serving_dir)) == pushed_before
    # Once the empty ingestion is recorded, the next run is wholly cached.
    local.run(config)
    third = latest_outputs(config)
    for name in ALL_COMPONENTS - {"StatisticsHistory", "SpanWindow"}:
        assert third[name]["state"] == "CACHED", name


def test_anomalies_stop_the_run_before_transform(gate_failed_run):
    config, error = gate_failed_run
    assert any("feature 'pickup_community_area'" in finding for finding in error.findings)
    components = latest_outputs(config)
    assert "ExampleValidator" in components
    assert not {"AnomalyGate", "Transform", "Trainer", "Pusher"} & set(components)
    assert not Path(config.serving_dir).exists()
