"""The curated schema agrees with the feature spec and accepts the bundled data."""

import csv
import shutil

import pytest

from components import features
from components.features import LabelSource
from components.rows import layout
from pipeline.config import REPO_ROOT

DATA_ROOT = REPO_ROOT / "data" / "trips"


def _schema_types(schema):
    from tensorflow_metadata.proto.v0 import schema_pb2

    return {f.name: schema_pb2.FeatureType.Name(f.type) for f in schema.feature}


def test_schema_and_feature_spec_name_the_same_columns_with_the_same_types(curated_schema):
    expected = {f.name: f.raw_type.value for f in features.RAW_FEATURES}
    assert _schema_types(curated_schema) == expected


def test_only_the_label_source_is_absent_at_serving(curated_schema):
    not_serving = {f.name for f in curated_schema.feature if "SERVING" in f.not_in_environment}
    label_sources = {f.name for f in features.RAW_FEATURES if isinstance(f.encoding, LabelSource)}
    assert not_serving == label_sources
    assert set(curated_schema.default_environment) == {"TRAINING", "SERVING"}


def test_schema_columns_match_the_bundled_csv_header(curated_schema):
    for path in sorted(DATA_ROOT.glob(layout.ALL_QUARTERS_PATTERN)):
        with path.open(newline="") as handle:
            header = next(csv.reader(handle))
        assert sorted(header) == sorted(_schema_types(curated_schema)), path


def _anomalies(data_root, schema):
    """Validates `data_root` the way the pipeline does."""
    import tensorflow_data_validation as tfdv

    from tests.support.pipeline_statistics import statistics_of_csvs

    statistics = statistics_of_csvs(
        data_root, layout.ALL_QUARTERS_PATTERN, data_root.parent / "stats.tfrecord"
    )
    return tfdv.validate_statistics(statistics, schema)


def _copy_with_edit(tmp_path, column, value, row_index=0):
    """A copy of two bundled quarters with one cell replaced."""
    root = tmp_path / "trips"
    for quarter in ("2014-04-01", "2014-07-01"):
        shutil.copytree(DATA_ROOT / quarter, root / quarter)
    path = root / "2014-04-01" / layout.QUARTER_FILE
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1 + row_index][rows[0].index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return root


@pytest.mark.slow
def test_bundled_data_has_no_anomalies(curated_schema):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as temp_dir:
        data_root = Path(temp_dir) / "trips"
        shutil.copytree(DATA_ROOT, data_root)
        anomalies = _anomalies(data_root, curated_schema)
    assert dict(anomalies.anomaly_info) == {}


@pytest.mark.slow
@pytest.mark.parametrize(
    "column, value, feature, reason",
    [
        # ("fare", "N/A") never reaches the schema: ExampleGen, typed by the
        # feature spec, quarantines the row (tests/test_preflight.py,
        # components/csv_ingest/) where CsvExampleGen made the column strings.
        ("pickup_community_area", "99", "pickup_community_area", "INT_TYPE_BIG_INT"),
        ("payment_type", "Bitcoin", "payment_type", "ENUM_TYPE_UNEXPECTED_STRING_VALUES"),
        ("tips", "", "tips", "FEATURE_TYPE_LOW_NUMBER_VALUES"),
        ("fare", "NaN", "fare", "FLOAT_TYPE_HAS_NAN"),
        ("pickup_latitude", "nan", "pickup_latitude", "FLOAT_TYPE_HAS_NAN"),
        ("fare", "inf", "fare", "FLOAT_TYPE_HAS_INF"),
    ],
)
def test_corrupted_copy_yields_the_expected_anomaly(
    tmp_path, curated_schema, column, value, feature, reason
):
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    anomalies = _anomalies(_copy_with_edit(tmp_path, column, value), curated_schema)
    assert feature in anomalies.anomaly_info, dict(anomalies.anomaly_info)
    reasons = {
        anomalies_pb2.AnomalyInfo.Type.Name(r.type) for r in anomalies.anomaly_info[feature].reason
    }
    assert reason in reasons


def _copy_with_column_emptied(tmp_path, column):
    root = tmp_path / "trips"
    for quarter in ("2014-04-01", "2014-07-01"):
        shutil.copytree(DATA_ROOT / quarter, root / quarter)
        path = root / quarter / layout.QUARTER_FILE
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        index = rows[0].index(column)
        for row in rows[1:]:
            row[index] = ""
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return root


@pytest.mark.slow
@pytest.mark.parametrize(
    "column, expected",
    [
        # Required in every row: the schema sees it.
        ("tips", {"tips": {"FEATURE_TYPE_LOW_NUMBER_VALUES"}}),
        # May be empty per row, so the schema passes an empty column; AnomalyGate
        # stops it (components/anomaly_gate: valueless_features).
        ("company", {}),
        # Unused by the model and nearly always empty: allowed (preflight warns).
        ("pickup_census_tract", {}),
    ],
)
def test_all_null_column(tmp_path, curated_schema, column, expected):
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    anomalies = _anomalies(_copy_with_column_emptied(tmp_path, column), curated_schema)
    assert {
        feature: {anomalies_pb2.AnomalyInfo.Type.Name(r.type) for r in info.reason}
        for feature, info in anomalies.anomaly_info.items()
    } == expected
