"""Typed values to tf.Examples, the same way for every source.

A missing value (an empty CSV cell, a SQL NULL) is a feature without values,
as CsvExampleGen writes it; the curated schema decides whether that is allowed.
"""

from __future__ import annotations

import decimal
import numbers
from typing import Any, Dict, List, Optional

import tensorflow as tf

from components.csv_rows import TYPE_WORDS
from components.features import RawType

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
            isinstance(value, (float, decimal.Decimal)) and value == int(value))
    else:
        ok = isinstance(value, (numbers.Real, decimal.Decimal))
    return None if ok else f"{value!r} is not {TYPE_WORDS[raw_type]}"


def feature(raw_type: RawType, value: Any) -> tf.train.Feature:
    """One column's value (None: missing) as a tf.train.Feature."""
    return feature_of_values(raw_type, [] if value is None else [value])


def feature_of_values(raw_type: RawType, values: List[Any]) -> tf.train.Feature:
    if raw_type == RawType.INT:
        return tf.train.Feature(int64_list=tf.train.Int64List(
            value=[int(v) for v in values]))
    if raw_type == RawType.FLOAT:
        return tf.train.Feature(float_list=tf.train.FloatList(
            value=[float(v) for v in values]))
    return tf.train.Feature(bytes_list=tf.train.BytesList(
        value=[v.encode("utf-8") for v in values]))


def example(types: Dict[str, RawType], values: Dict[str, Any]) -> tf.train.Example:
    return tf.train.Example(features=tf.train.Features(feature={
        name: feature(types[name], value) for name, value in values.items()}))


def example_of_values(types: Dict[str, RawType],
                      values: Dict[str, List[Any]]) -> tf.train.Example:
    """An example from each feature's list of values (empty: missing)."""
    return tf.train.Example(features=tf.train.Features(feature={
        name: feature_of_values(types[name], feature_values)
        for name, feature_values in values.items()}))
