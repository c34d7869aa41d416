"""Typed values to tf.Examples, the same way for every source.

A missing value (an empty CSV cell, a SQL NULL) is a feature without values,
as CsvExampleGen writes it; the curated schema decides whether that is allowed.
"""

from __future__ import annotations

import decimal
import numbers
from typing import Any, Dict, List, Optional

import tensorflow as tf
from tensorflow.core.example import example_pb2

from components.features import RawType
from components.rows.csv_records import TYPE_WORDS


def value_problem(raw_type: RawType, value: Any) -> Optional[str]:
    """Why a database value cannot be a value of its column, or None."""
    if value is None:
        return None
    if raw_type == RawType.BYTES:
        ok = isinstance(value, str)
    elif isinstance(value, bool):
        ok = False
    elif raw_type == RawType.INT:
        ok = isinstance(value, numbers.Integral) or (
            isinstance(value, (float, decimal.Decimal)) and value == int(value)
        )
    else:
        ok = isinstance(value, (numbers.Real, decimal.Decimal))
    return None if ok else f"{value!r} is not {TYPE_WORDS[raw_type]}"


def feature(raw_type: RawType, value: Any) -> tf.train.Feature:
    """One column's value (None: missing) as a tf.train.Feature."""
    if raw_type == RawType.INT:
        return tf.train.Feature(
            int64_list=tf.train.Int64List(value=[] if value is None else [int(value)])
        )
    if raw_type == RawType.FLOAT:
        return tf.train.Feature(
            float_list=tf.train.FloatList(value=[] if value is None else [float(value)])
        )
    return tf.train.Feature(
        bytes_list=tf.train.BytesList(value=[] if value is None else [value.encode("utf-8")])
    )


def example(types: Dict[str, RawType], values: Dict[str, Any]) -> tf.train.Example:
    return tf.train.Example(
        features=tf.train.Features(
            feature={name: feature(types[name], value) for name, value in values.items()}
        )
    )


_VALUE_LISTS = {RawType.INT: "int64_list", RawType.FLOAT: "float_list", RawType.BYTES: "bytes_list"}


def example_of_values(
    types: Dict[str, RawType], values: Dict[str, List[Any]]
) -> example_pb2.Example:
    """An example from each feature's list of values (empty: missing), the
    same as `example` gives for one value or None. Filled in place, which
    is twice as fast as building Feature messages: it runs per instance of
    every serving request."""
    result = example_pb2.Example()
    features = result.features.feature
    for name, feature_values in values.items():
        raw_type = types[name]
        value_list = getattr(features[name], _VALUE_LISTS[raw_type])
        value_list.SetInParent()  # Present without values, as for an empty cell.
        value_list.value.extend(
            [v.encode("utf-8") for v in feature_values]
            if raw_type == RawType.BYTES
            else feature_values
        )
    return result
