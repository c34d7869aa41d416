"""preprocessing_fn run through tft_beam on a handful of rows with known outputs."""

import datetime
import tempfile

import numpy as np
import pytest

from components import features
from tests.support.raw_trips import ROWS, raw_row, serialized


@pytest.fixture(scope="module")
def transformed(curated_schema, tmp_path_factory):
    """Transformed rows, and the transform output the Trainer would read."""
    import tensorflow_transform as tft
    import tensorflow_transform.beam as tft_beam
    from tensorflow_transform.tf_metadata import dataset_metadata

    from components.transform.preprocessing import preprocessing_fn

    metadata = dataset_metadata.DatasetMetadata(curated_schema)
    output_dir = str(tmp_path_factory.mktemp("transform_output"))
    with (
        tempfile.TemporaryDirectory() as temp_dir,
        tft_beam.Context(temp_dir=temp_dir, force_tf_compat_v1=False),
    ):
        (rows, _), transform_fn = (ROWS, metadata) | tft_beam.AnalyzeAndTransformDataset(
            preprocessing_fn, output_record_batches=False
        )
        _ = transform_fn | tft_beam.WriteTransformFn(output_dir)
    return rows, tft.TFTransformOutput(output_dir)


def _column(rows, name):
    return np.array([row[name] for row in rows])


def test_label_is_tip_over_twenty_percent_of_fare(transformed):
    rows, _ = transformed
    np.testing.assert_array_equal(_column(rows, "big_tipper"), [1, 0, 0, 1, 0])


def test_time_parts_come_from_the_timestamp(transformed):
    rows, _ = transformed
    assert list(_column(rows, "start_hour")) == [19, 19, 23, 19, 19]
    # 0 = Sunday: Friday is 5, Tuesday is 2.
    assert list(_column(rows, "start_weekday")) == [5, 5, 2, 5, 5]
    # Zero-based months: May is 4, December 11.
    assert list(_column(rows, "start_month")) == [4, 4, 11, 4, 4]
    np.testing.assert_allclose(
        _column(rows, "start_hour_cos")[2], np.cos(2 * np.pi * 23 / 24), rtol=1e-6
    )


def test_missing_numeric_is_imputed_with_the_mean(transformed):
    rows, _ = transformed
    seconds = _column(rows, "trip_seconds_z")
    assert seconds[2] == pytest.approx(0.0, abs=1e-6)
    present = np.log1p([600, 600, 600, 1200])
    expected_last = (np.log1p(1200) - present.mean()) / present.std()
    assert seconds[3] == pytest.approx(expected_last, rel=1e-4)


def test_missing_and_out_of_range_codes_share_id_zero(transformed):
    rows, _ = transformed
    assert list(_column(rows, "pickup_community_area_id")) == [8, 8, 0, 8, 0]


def test_missing_category_is_a_vocabulary_token(transformed):
    rows, _ = transformed
    company = _column(rows, "company_id")
    # Flash Cab (4 rows) outranks the missing token (1 row, below min frequency).
    assert company[0] == 0
    assert company[2] != company[0]


def test_missing_coordinate_gets_its_own_bucket(transformed):
    rows, schema = transformed
    spec = features.raw_feature("pickup_latitude").encoding
    latitude = _column(rows, "pickup_latitude_bucket")
    assert latitude[2] == spec.num_buckets
    assert all(0 <= value < spec.num_buckets for value in np.delete(latitude, 2))
    grid = _column(rows, "pickup_grid")
    assert grid[2] // (spec.num_buckets + 1) == spec.num_buckets


def test_categorical_outputs_declare_their_id_range(transformed):
    _, transform_output = transformed
    buckets = transform_output.num_buckets_for_transformed_feature
    assert buckets("start_hour") == 24
    assert buckets("start_month") == 12
    assert buckets("pickup_community_area_id") == 78  # 77 areas + unknown
    lat_buckets = features.raw_feature("pickup_latitude").encoding.num_buckets
    assert buckets("pickup_grid") == (lat_buckets + 1) ** 2
    # Vocabularies: seen values (Cash, Credit Card) plus one OOV bucket.
    assert buckets("payment_type_id") == 3


def test_outputs_are_model_inputs_and_label_only(transformed):
    _, transform_output = transformed
    spec = transform_output.transformed_feature_spec()
    raw_names = set(features.raw_feature_names())
    assert not raw_names & set(spec), "transformed names never shadow raw ones"
    assert spec["big_tipper"].dtype.name == "int64"
    assert {name for name, feature in spec.items() if feature.dtype.name == "float32"} == {
        "fare_z",
        "trip_miles_z",
        "trip_seconds_z",
        *features.HOUR_CYCLE_FEATURES,
    }


def test_civil_month_matches_the_calendar():
    import tensorflow as tf

    from components.transform.preprocessing import civil_month

    days = np.arange(-800, 60000, dtype=np.int64)  # 1967 to 2134
    months = civil_month(tf.constant(days)).numpy()
    epoch = datetime.date(1970, 1, 1)
    expected = [(epoch + datetime.timedelta(days=int(d))).month for d in days]
    np.testing.assert_array_equal(months, expected)


def test_an_unseen_company_gets_an_out_of_vocabulary_id(transformed, curated_schema):
    import tensorflow as tf
    from tensorflow_transform.tf_metadata import schema_utils

    _, transform_output = transformed
    raw = tf.io.parse_example(
        [serialized(raw_row()), serialized(raw_row(company=[b"Brand New Cab Co"]))],
        schema_utils.schema_as_feature_spec(curated_schema).feature_spec,
    )
    company = transform_output.transform_features_layer()(raw)["company_id"].numpy()
    buckets = transform_output.num_buckets_for_transformed_feature("company_id")
    oov_buckets = features.raw_feature("company").encoding.oov_buckets
    assert company[0] == 0  # Flash Cab, the most frequent.
    assert buckets - oov_buckets <= company[1] < buckets
