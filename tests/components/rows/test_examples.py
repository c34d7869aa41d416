"""Values to tf.Examples: serving builds them from lists of values, ingestion
from single cells, and both must give the model the same tf.Example; a
database value of the wrong type is named."""

import pytest

from components.features import RawType
from components.rows.examples import example, example_of_values, value_problem

TYPES = {"fare": RawType.FLOAT, "trip_seconds": RawType.INT, "company": RawType.BYTES}


@pytest.mark.parametrize(
    "values",
    [
        {"fare": 9.25, "trip_seconds": 720, "company": "Flash Cab"},
        {"fare": None, "trip_seconds": None, "company": None},
        {"fare": 3, "trip_seconds": 0, "company": "Ünïcode Cab"},
    ],
)
def test_lists_of_values_give_the_ingested_example(values):
    as_lists = {name: [] if value is None else [value] for name, value in values.items()}
    assert example_of_values(TYPES, as_lists) == example(TYPES, values)


def test_a_missing_value_is_a_present_feature_without_values():
    built = example_of_values(TYPES, {"company": []})
    assert built.features.feature["company"].WhichOneof("kind") == "bytes_list"
    assert list(built.features.feature["company"].bytes_list.value) == []


def test_database_values_are_typed_by_the_spec():
    assert value_problem(RawType.INT, 3) is None
    assert value_problem(RawType.INT, 3.0) is None
    assert value_problem(RawType.INT, 3.5) == "3.5 is not an integer"
    assert value_problem(RawType.INT, True) == "True is not an integer"
    assert value_problem(RawType.FLOAT, "N/A") == "'N/A' is not a number"
    assert value_problem(RawType.BYTES, 17031) == "17031 is not text"
    assert value_problem(RawType.FLOAT, None) is None
