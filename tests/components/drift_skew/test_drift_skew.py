"""DriftSkewCheck: which stored statistics each new span is compared with,
and TFDV's comparators with the curated schema's thresholds on real
quarters of the bundled data."""

import csv
import os

import pytest
from tensorflow_metadata.proto.v0 import anomalies_pb2

from components.artifact_files import ANOMALIES_FILE, STATISTICS_FILE, split_dir
from components.drift_skew import executor
from components.rows import layout
from components.spans.record import Span, span_of, tag
from pipeline.config import REPO_ROOT

PREVIOUS, CURRENT = "2016-07-01", "2016-10-01"  # The newest two bundled spans.


@pytest.fixture(scope="module")
def curated_schema():
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(REPO_ROOT / "schema" / "schema.pbtxt"))


def _rows(quarter):
    path = REPO_ROOT / "data" / "trips" / quarter / layout.QUARTER_FILE
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def _statistics(tmp_path, name, rows):
    from tests.support.pipeline_statistics import statistics_of_csvs

    (tmp_path / name).mkdir()
    with (tmp_path / name / "rows.csv").open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return statistics_of_csvs(tmp_path / name, "*.csv", tmp_path / f"{name}.pb")


def _set(rows, column, value):
    index = rows[0].index(column)
    return [rows[0]] + [row[:index] + [value(row[index])] + row[index + 1 :] for row in rows[1:]]


def _drop(rows, column):
    index = rows[0].index(column)
    return [row[:index] + row[index + 1 :] for row in rows]


def _found(anomalies):
    found = {
        (feature, anomalies_pb2.AnomalyInfo.Type.Name(reason.type))
        for feature, info in anomalies.anomaly_info.items()
        for reason in info.reason
    }
    return found | {
        ("dataset", anomalies_pb2.AnomalyInfo.Type.Name(reason.type))
        for reason in anomalies.dataset_anomaly_info.reason
    }


@pytest.fixture(scope="module")
def statistics(tmp_path_factory):
    """Statistics of the newest two spans, and of edited copies of the newest."""
    tmp = tmp_path_factory.mktemp("drift")
    previous, current = _rows(PREVIOUS), _rows(CURRENT)
    variants = {
        "previous": previous,
        "current": current,
        "all_cash": _set(current, "payment_type", lambda _: "Cash"),
        "fares_quadrupled": _set(current, "fare", lambda v: str(float(v) * 4)),
        "previous_fares_quadrupled": _set(previous, "fare", lambda v: str(float(v) * 4)),
        "tenth": current[: 1 + (len(current) - 1) // 10],
        "serving": _drop(_rows("2016-04-01"), "tips"),
        "serving_one_company": _set(
            _drop(_rows("2016-04-01"), "tips"), "company", lambda _: "Taxi Affiliation Services"
        ),
    }
    return {name: _statistics(tmp, name, rows) for name, rows in variants.items()}


def _drift(statistics, schema, current):
    return _found(executor.drift(statistics[current], statistics["previous"], schema))


@pytest.mark.slow
def test_the_newest_bundled_span_does_not_drift(statistics, curated_schema):
    assert _drift(statistics, curated_schema, "current") == set()


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant, finding",
    [
        ("all_cash", ("payment_type", "COMPARATOR_L_INFTY_HIGH")),
        ("fares_quadrupled", ("fare", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH")),
        ("tenth", ("dataset", "COMPARATOR_LOW_NUM_EXAMPLES")),
    ],
)
def test_a_shifted_span_drifts(statistics, curated_schema, variant, finding):
    assert finding in _drift(statistics, curated_schema, variant)


def _tagged(name, version=0, artifact_id=0):
    from tfx.types import standard_artifacts

    artifact = standard_artifacts.ExampleStatistics()
    artifact.uri = f"/statistics/{artifact_id}/{name}"
    artifact.id = artifact_id
    tag(artifact, Span(name, f"content-{version}", version))
    return artifact


def test_a_span_is_compared_with_the_newest_version_of_the_span_before_it():
    known = executor.newest_versions(
        [_tagged("2014-01-01"), _tagged("2014-04-01"), _tagged("2014-04-01", 1)]
    )
    previous = executor.previous_span(Span("2014-07-01"), known)
    assert span_of(previous) == Span("2014-04-01", "content-1", 1)
    assert executor.previous_span(Span("2014-01-01"), known) is None


def test_a_restated_span_is_compared_with_the_version_it_replaces():
    history = [_tagged("2014-04-01"), _tagged("2014-04-01", 1), _tagged("2014-07-01")]
    replaced = executor.replaced_version(Span("2014-04-01", "content-2", 2), history)
    assert span_of(replaced).version == 1
    assert executor.replaced_version(Span("2014-07-01", "content-0"), history) is None


def _statistics_artifact(root, name, version, statistics, artifact_id):
    """A per-span statistics artifact as SpanStatisticsGen writes it."""
    from tfx.types import artifact_utils
    from tfx.utils import io_utils

    artifact = _tagged(name, version, artifact_id)
    artifact.uri = str(root / str(artifact_id) / name)
    artifact.split_names = artifact_utils.encode_split_names(["train"])
    io_utils.write_bytes_file(
        os.path.join(artifact.uri, split_dir("train"), STATISTICS_FILE),
        statistics.SerializeToString(),
    )
    return artifact


def _check(tmp_path, current, history):
    """Runs the executor; {span: {split: findings}} and what it compared."""
    from tfx.types import artifact_utils, standard_artifacts
    from tfx.utils import io_utils

    schema = standard_artifacts.Schema()
    schema.uri = str(REPO_ROOT / "schema")
    template = standard_artifacts.ExampleAnomalies()
    template.uri = str(tmp_path / "anomalies")
    outputs = {executor.ANOMALIES_KEY: [template]}
    executor.Executor().Do(
        {executor.STATISTICS_KEY: current, executor.HISTORY_KEY: history, "schema": [schema]},
        outputs,
        {},
    )
    found, compared = {}, {}
    for artifact in outputs[executor.ANOMALIES_KEY]:
        name = span_of(artifact).name
        found[name] = {
            split: _found(
                anomalies_pb2.Anomalies.FromString(
                    io_utils.read_bytes_file(
                        os.path.join(
                            artifact_utils.get_split_uri([artifact], split), ANOMALIES_FILE
                        )
                    )
                )
            )
            for split in artifact_utils.decode_split_names(artifact.split_names)
        }
        compared[name] = artifact.get_string_custom_property(executor.RESTATEMENT_CHECK)
    return found, compared


@pytest.mark.slow
def test_a_restated_history_is_caught_though_each_span_looks_like_its_neighbour(
    tmp_path, statistics
):
    """Every quarter re-sent with fares quadrupled: each new version is like
    the span before it (also quadrupled), but not like the version it replaces."""
    history = [
        _statistics_artifact(tmp_path, PREVIOUS, 0, statistics["previous"], 1),
        _statistics_artifact(tmp_path, CURRENT, 0, statistics["current"], 2),
    ]
    current = [
        _statistics_artifact(tmp_path, PREVIOUS, 1, statistics["previous_fares_quadrupled"], 3),
        _statistics_artifact(tmp_path, CURRENT, 1, statistics["fares_quadrupled"], 4),
    ]
    found, compared = _check(tmp_path, current, history)
    quadrupled = ("fare", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH")
    assert quadrupled not in found[CURRENT][executor.DRIFT_SPLIT]
    assert quadrupled in found[CURRENT][executor.RESTATEMENT_SPLIT]
    assert quadrupled in found[PREVIOUS][executor.RESTATEMENT_SPLIT]
    assert compared[CURRENT].startswith(f"span {CURRENT} version 1 (")


@pytest.mark.slow
def test_a_new_span_is_compared_with_the_stored_span_before_it(tmp_path, statistics):
    history = [_statistics_artifact(tmp_path, PREVIOUS, 0, statistics["previous"], 1)]
    current = [_statistics_artifact(tmp_path, CURRENT, 0, statistics["fares_quadrupled"], 2)]
    found, compared = _check(tmp_path, current, history)
    assert ("fare", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH") in found[CURRENT][
        executor.DRIFT_SPLIT
    ]
    assert executor.RESTATEMENT_SPLIT not in found[CURRENT]
    assert compared[CURRENT] == "not checked: first version of the span"


@pytest.mark.slow
def test_a_serving_sample_like_training_passes(statistics, curated_schema):
    checks = executor.serving_checks(statistics["previous"], statistics["serving"], curated_schema)
    assert {split: _found(a) for split, a in checks.items()} == {
        executor.SERVING_SCHEMA_SPLIT: set(),
        executor.SKEW_SPLIT: set(),
    }


@pytest.mark.slow
def test_serving_skew_is_found(statistics, curated_schema):
    checks = executor.serving_checks(
        statistics["previous"], statistics["serving_one_company"], curated_schema
    )
    assert _found(checks[executor.SKEW_SPLIT]) == {("company", "COMPARATOR_L_INFTY_HIGH")}


@pytest.mark.slow
def test_serving_sample_with_the_label_breaks_the_serving_schema(statistics, curated_schema):
    checks = executor.serving_checks(statistics["previous"], statistics["previous"], curated_schema)
    assert ("tips", "SCHEMA_NEW_COLUMN") in _found(checks[executor.SERVING_SCHEMA_SPLIT])


def test_only_comparator_findings_are_kept():
    anomalies = anomalies_pb2.Anomalies()
    for feature, kind in (
        ("fare", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH"),
        ("fare", "FLOAT_TYPE_BIG_FLOAT"),
        ("company", "ENUM_TYPE_UNEXPECTED_STRING_VALUES"),
    ):
        anomalies.anomaly_info[feature].reason.add(type=anomalies_pb2.AnomalyInfo.Type.Value(kind))
    anomalies.dataset_anomaly_info.reason.add(
        type=anomalies_pb2.AnomalyInfo.COMPARATOR_LOW_NUM_EXAMPLES
    )
    assert _found(executor.comparator_findings(anomalies)) == {
        ("fare", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH"),
        ("dataset", "COMPARATOR_LOW_NUM_EXAMPLES"),
    }


def test_every_drift_monitored_feature_has_thresholds(curated_schema):
    from components import features

    compared = {
        f.name: (f.HasField("drift_comparator"), f.HasField("skew_comparator"))
        for f in curated_schema.feature
        if f.HasField("drift_comparator") or f.HasField("skew_comparator")
    }
    expected = {
        f.name: (True, f.present_at_serving) for f in features.RAW_FEATURES if f.drift_monitored
    }
    assert compared == expected
    assert curated_schema.dataset_constraints.HasField("num_examples_drift_comparator")


def test_strings_use_l_infinity_and_numbers_jensen_shannon(curated_schema):
    from tensorflow_metadata.proto.v0 import schema_pb2

    for feature in curated_schema.feature:
        if feature.HasField("drift_comparator"):
            expected = (
                "infinity_norm" if feature.type == schema_pb2.BYTES else "jensen_shannon_divergence"
            )
            for comparator in (feature.drift_comparator, feature.skew_comparator):
                if comparator.ByteSize():
                    assert comparator.HasField(expected), feature.name
                    assert 0 < getattr(comparator, expected).threshold < 1
