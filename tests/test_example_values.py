"""Serving builds examples from lists of values, ingestion from single
cells: both must give the model the same tf.Example."""

import pytest

from components.example_values import example, example_of_values
from components.features import RawType

TYPES = {"fare": RawType.FLOAT, "trip_seconds": RawType.INT, "company": RawType.BYTES}


@pytest.mark.parametrize("values", [
    {"fare": 9.25, "trip_seconds": 720, "company": "Flash Cab"},
    {"fare": None, "trip_seconds": None, "company": None},
    {"fare": 3, "trip_seconds": 0, "company": "Ünïcode Cab"},
])
def test_lists_of_values_give_the_ingested_example(values):
    as_lists = {name: [] if value is None else [value] for name, value in values.items()}
    assert example_of_values(TYPES, as_lists) == example(TYPES, values)


def test_a_missing_value_is_a_present_feature_without_values():
    built = example_of_values(TYPES, {"company": []})
    assert built.features.feature["company"].WhichOneof("kind") == "bytes_list"
    assert list(built.features.feature["company"].bytes_list.value) == []
