"""The feature spec is self-consistent; no TensorFlow needed."""

from components import features
from components.features import Coordinate, LabelSource, RawType, Unused


def test_raw_feature_names_are_unique():
    names = features.raw_feature_names()
    assert len(names) == len(set(names))


def test_unknown_feature_lookup_names_the_feature():
    try:
        features.raw_feature("tip_percent")
    except KeyError as error:
        assert "tip_percent" in str(error)
    else:
        raise AssertionError("lookup of an unknown feature succeeded")


def test_label_is_built_from_numeric_raw_columns():
    for name in (features.LABEL.tips, features.LABEL.fare):
        assert features.raw_feature(name).raw_type == RawType.FLOAT
    assert isinstance(features.raw_feature(features.LABEL.tips).encoding, LabelSource)
    assert features.LABEL.name not in features.raw_feature_names()


def test_label_source_is_not_sent_at_serving():
    serving = features.serving_feature_names()
    assert features.LABEL.tips not in serving
    assert features.LABEL.fare in serving
    assert len(serving) == len(features.RAW_FEATURES) - 1


def test_location_grids_cross_two_coordinates():
    for grid in features.LOCATION_GRIDS:
        for name in (grid.latitude, grid.longitude):
            assert isinstance(features.raw_feature(name).encoding, Coordinate)


def test_unused_features_say_why():
    unused = [f for f in features.RAW_FEATURES if isinstance(f.encoding, Unused)]
    assert unused, "the spec documents the columns it leaves out"
    assert all(f.encoding.reason and not f.is_model_input for f in unused)


def test_model_inputs_exclude_label_source_and_unused():
    inputs = {f.name for f in features.RAW_FEATURES if f.is_model_input}
    assert "tips" not in inputs and "trip_start_hour" not in inputs
    assert {"fare", "payment_type", "trip_start_timestamp"} <= inputs


def test_transformed_names_say_how_the_feature_was_encoded():
    assert features.transformed_name(features.raw_feature("fare")) == "fare_z"
    assert features.transformed_name(features.raw_feature("company")) == "company_id"
    assert (
        features.transformed_name(features.raw_feature("pickup_latitude"))
        == "pickup_latitude_bucket"
    )


def test_features_without_a_single_output_have_no_transformed_name():
    for name in ("tips", "trip_start_timestamp", "trip_start_hour"):
        try:
            features.transformed_name(features.raw_feature(name))
        except ValueError as error:
            assert name in str(error)
        else:
            raise AssertionError(f"{name} got a transformed name")
