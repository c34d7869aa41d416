"""`preprocessing_fn` for the Transform component, driven by `features.py`.

Every raw feature is read as a (possibly missing) single value. Outputs are
either float32 scalars (dense model inputs) or int64 scalars with a declared
id range (categorical model inputs); the model tells them apart by dtype and
reads each range from the transform output, so no feature list is repeated
there. Output names differ from raw names (`fare_z`, `company_id`), so a
transformed feature is never mistaken for the raw one, e.g. when TFMA
slices by `payment_type`.
"""

from __future__ import annotations

import math
from typing import Dict, Tuple

import tensorflow as tf
import tensorflow_transform as tft
from tensorflow_transform import schema_inference

from components import features
from components.features import Coordinate, IntegerRange, LogZScore, StartTime, Vocabulary

_SECONDS_PER_DAY = 86400
_SECONDS_PER_HOUR = 3600


def _dense(value: tf.SparseTensor, default) -> Tuple[tf.Tensor, tf.Tensor]:
    """A single-valued feature as a rank-1 tensor, plus where it was present.

    Missing values are `default`; the mask lets callers treat them explicitly.
    """
    if not isinstance(value, tf.SparseTensor):  # FixedLen: always present.
        flat = tf.reshape(value, [-1])
        return flat, tf.ones_like(flat, dtype=tf.bool)
    shape = [value.dense_shape[0], 1]
    values = tf.sparse.to_dense(tf.SparseTensor(value.indices, value.values, shape), default)
    present = tf.sparse.to_dense(
        tf.SparseTensor(value.indices, tf.ones_like(value.values, tf.bool), shape), False
    )
    return tf.squeeze(values, axis=1), tf.squeeze(present, axis=1)


def _declare_range(ids: tf.Tensor, cardinality: int) -> tf.Tensor:
    """Records ids in [0, cardinality) in the transformed schema."""
    schema_inference.set_tensor_schema_override(
        ids, tf.constant(0, tf.int64), tf.constant(cardinality - 1, tf.int64)
    )
    return ids


def _log_z_score(value: tf.SparseTensor) -> tf.Tensor:
    raw, present = _dense(tf.cast(value, tf.float32), 0.0)
    logged = tf.math.log1p(tf.maximum(raw, 0.0))
    present_values = tf.boolean_mask(logged, present)
    mean = tft.mean(present_values)
    std = tf.sqrt(tft.var(present_values))
    filled = tf.where(present, logged, mean)
    return tf.math.divide_no_nan(filled - mean, std)


def _vocabulary(name: str, value: tf.SparseTensor, spec: Vocabulary) -> tf.Tensor:
    if value.dtype != tf.string:
        value = tf.SparseTensor(
            value.indices, tf.strings.as_string(value.values), value.dense_shape
        )
    tokens, _ = _dense(value, features.MISSING_TOKEN)
    return tft.compute_and_apply_vocabulary(
        tokens,
        top_k=spec.top_k,
        frequency_threshold=spec.min_frequency,
        num_oov_buckets=spec.oov_buckets,
        vocab_filename=name,
    )


def _integer_range(value: tf.SparseTensor, spec: IntegerRange) -> tf.Tensor:
    raw, present = _dense(tf.cast(value, tf.int64), 0)
    known = present & (raw >= spec.minimum) & (raw <= spec.maximum)
    ids = tf.where(known, raw - spec.minimum + 1, tf.zeros_like(raw))
    return _declare_range(ids, spec.cardinality)


def _coordinate(value: tf.SparseTensor, spec: Coordinate) -> tf.Tensor:
    buckets = tft.bucketize(tf.cast(value, tf.float32), spec.num_buckets)
    ids, _ = _dense(buckets, tf.constant(spec.num_buckets, tf.int64))
    return _declare_range(ids, spec.num_buckets + 1)


def civil_month(days_since_epoch: tf.Tensor) -> tf.Tensor:
    """Calendar month (1-12) of a day count, proleptic Gregorian calendar.

    Howard Hinnant's days-to-civil algorithm, in integer tensor ops so the
    month is derived inside the graph at serving time too.
    """
    shifted = days_since_epoch + 719468  # Day 0 becomes 0000-03-01.
    era = tf.math.floordiv(shifted, 146097)
    day_of_era = shifted - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    march_based_month = (5 * day_of_year + 2) // 153
    return tf.where(march_based_month < 10, march_based_month + 3, march_based_month - 9)


def _start_time(value: tf.SparseTensor) -> Dict[str, tf.Tensor]:
    seconds, _ = _dense(tf.cast(value, tf.int64), 0)  # Required by the schema.
    days = tf.math.floordiv(seconds, _SECONDS_PER_DAY)
    hour = tf.math.floormod(seconds, _SECONDS_PER_DAY) // _SECONDS_PER_HOUR
    parts = {
        "start_hour": hour,
        "start_weekday": tf.math.floormod(days + 4, 7),  # 1970-01-01: Thursday.
        "start_month": civil_month(days) - 1,
    }
    outputs = {name: _declare_range(ids, features.TIME_PARTS[name]) for name, ids in parts.items()}
    angle = tf.cast(hour, tf.float32) * (2.0 * math.pi / 24.0)
    sin_name, cos_name = features.HOUR_CYCLE_FEATURES
    outputs[sin_name] = tf.sin(angle)
    outputs[cos_name] = tf.cos(angle)
    return outputs


def _grid(
    latitude_ids: tf.Tensor,
    longitude_ids: tf.Tensor,
    latitude_spec: Coordinate,
    longitude_spec: Coordinate,
) -> tf.Tensor:
    width = longitude_spec.num_buckets + 1
    cells = (latitude_spec.num_buckets + 1) * width
    return _declare_range(latitude_ids * width + longitude_ids, cells)


def _label(inputs) -> tf.Tensor:
    label = features.LABEL
    tips, _ = _dense(tf.cast(inputs[label.tips], tf.float32), 0.0)
    fare, _ = _dense(tf.cast(inputs[label.fare], tf.float32), 0.0)
    return tf.cast(tips > label.tip_fraction * fare, tf.int64)


def _encode(feature: features.RawFeature, value) -> tf.Tensor:
    """The single output of a raw feature, by its encoding."""
    encoding = feature.encoding
    if isinstance(encoding, LogZScore):
        return _log_z_score(value)
    if isinstance(encoding, Vocabulary):
        return _vocabulary(feature.name, value, encoding)
    if isinstance(encoding, IntegerRange):
        return _integer_range(value, encoding)
    if isinstance(encoding, Coordinate):
        return _coordinate(value, encoding)
    raise TypeError(
        f"feature {feature.name!r}: no transform for encoding {type(encoding).__name__}"
    )


def preprocessing_fn(inputs):
    """Raw features -> model inputs plus the `big_tipper` label."""
    outputs = {}
    for feature in features.RAW_FEATURES:
        if isinstance(feature.encoding, StartTime):
            outputs.update(_start_time(inputs[feature.name]))
        elif feature.is_model_input:
            outputs[features.transformed_name(feature)] = _encode(feature, inputs[feature.name])
    for grid in features.LOCATION_GRIDS:
        latitude = features.raw_feature(grid.latitude)
        longitude = features.raw_feature(grid.longitude)
        outputs[grid.name] = _grid(
            outputs[features.transformed_name(latitude)],
            outputs[features.transformed_name(longitude)],
            latitude.encoding,
            longitude.encoding,
        )
    # Serving graphs lack the label source; TFT then prunes this output.
    outputs[features.LABEL.name] = _label(inputs)
    return outputs
