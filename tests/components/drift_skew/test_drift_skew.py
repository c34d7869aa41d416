"""DriftSkewCheck: span slicing, and TFDV's comparators with the curated
schema's thresholds on real quarters of the bundled data."""

import csv

import pyarrow as pa
import pytest
from tensorflow_metadata.proto.v0 import anomalies_pb2

from components.drift_skew import executor
from components.rows import layout
from pipeline.config import REPO_ROOT

PREVIOUS, CURRENT = "2016-07-01", "2016-10-01"  # The newest two bundled spans.


@pytest.fixture(scope="module")
def curated_schema():
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(REPO_ROOT / "schema" / "schema.pbtxt"))


def test_rows_are_sliced_by_the_quarter_they_started_in():
    timestamps = pa.array(
        [[1404172800], [1404172799], None, [], [1412121600]], type=pa.list_(pa.int64())
    )  # 2014-07-01T00:00 UTC ...
    fares = pa.array([[1.0], [2.0], [3.0], [4.0], [5.0]], type=pa.list_(pa.float32()))
    batch = pa.RecordBatch.from_arrays([timestamps, fares], ["trip_start_timestamp", "fare"])
    sliced = {key: part.column(1).to_pylist() for key, part in executor.slice_by_span(batch)}
    # Rows without a start time belong to no span.
    assert sliced == {"2014-04-01": [[2.0]], "2014-07-01": [[1.0]], "2014-10-01": [[5.0]]}


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
        "tenth": current[: 1 + (len(current) - 1) // 10],
        "serving": _drop(_rows("2016-04-01"), "tips"),
        "serving_one_company": _set(
            _drop(_rows("2016-04-01"), "tips"), "company", lambda _: "Taxi Affiliation Services"
        ),
    }
    return {name: _statistics(tmp, name, rows) for name, rows in variants.items()}


def _drift(statistics, schema, current):
    previous_span, current_span, anomalies = executor.span_drift(
        {PREVIOUS: statistics["previous"], CURRENT: statistics[current]}, schema
    )
    assert (previous_span, current_span) == (PREVIOUS, CURRENT)
    return _found(anomalies)


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


def test_one_span_is_not_compared(curated_schema):
    assert executor.span_drift({CURRENT: None}, curated_schema) is None


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
