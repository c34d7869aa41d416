"""One feature's TFDV statistics in one split as a plain dict.

Reads `FeatureNameStatistics` protobufs only (no TensorFlow): counts, missing
values, the numeric summary with TFDV's standard and quantile histograms, and
a categorical's top values with their counts. Sensitive features keep counts
and shapes, never values.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

from tensorflow_metadata.proto.v0 import statistics_pb2

# Top values kept per split: the collapsed card shows the first
# `TOP_VALUES_SHOWN`, the expanded one all of them.
TOP_VALUES_KEPT = 20
TOP_VALUES_SHOWN = 8

Bucket = Tuple[Optional[float], Optional[float], float]


def feature_name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return ".".join(feature.path.step) or feature.name


def features_of(dataset: statistics_pb2.DatasetFeatureStatistics):
    return {feature_name(f): f for f in dataset.features}


def _common(feature) -> statistics_pb2.CommonStatistics:
    kind = feature.WhichOneof("stats")
    return (
        getattr(feature, kind).common_stats
        if kind != "struct_stats"
        else feature.struct_stats.common_stats
    )


def missing_count(feature, num_examples: int) -> int:
    """Examples without a value: absent, or present with no value (how
    CsvExampleGen writes an empty cell) for single-valued features."""
    common = _common(feature)
    missing = common.num_missing
    if common.max_num_values <= 1:
        missing += max(0, common.num_non_missing - common.tot_num_values)
    return int(min(missing, num_examples))


def histogram_buckets(num_stats, kind: int) -> List[Bucket]:
    """(low, high, count) of the first histogram of `kind` (STANDARD or QUANTILES)."""
    for histogram in num_stats.histograms:
        if histogram.type == kind:
            return [(b.low_value, b.high_value, b.sample_count) for b in histogram.buckets]
    return []


def top_value_counts(string_stats) -> List[Tuple[str, float]]:
    if string_stats.top_values:
        return [(v.value, v.frequency) for v in string_stats.top_values]
    return [(b.label, b.sample_count) for b in string_stats.rank_histogram.buckets]


def non_uniformity(counts: Sequence[float]) -> float:
    """1 - normalised entropy of a distribution over its bins: 0 when every
    bin holds the same count, near 1 when one bin holds nearly all."""
    total = sum(counts)
    if len(counts) < 2 or total <= 0:
        return 0.0
    entropy = -sum(c / total * math.log(c / total) for c in counts if c > 0)
    return max(0.0, 1.0 - entropy / math.log(len(counts)))


def numeric_summary(num_stats) -> Dict:
    return {
        "mean": num_stats.mean,
        "std": num_stats.std_dev,
        "min": num_stats.min,
        "median": num_stats.median,
        "max": num_stats.max,
        "zeros": int(num_stats.num_zeros),
        "histogram": histogram_buckets(num_stats, statistics_pb2.Histogram.STANDARD),
        "quantiles": histogram_buckets(num_stats, statistics_pb2.Histogram.QUANTILES),
    }


def _hide_numeric_values(numeric: Dict) -> Dict:
    """Min, max, the mean and quantile bounds can all reveal raw values;
    the standard histogram keeps its shape, without bounds."""
    return {
        "zeros": numeric["zeros"],
        "histogram": [(None, None, count) for _, _, count in numeric["histogram"]],
    }


def _categorical_summary(string_stats, values_total: float, sensitive: bool) -> Dict:
    top = top_value_counts(string_stats)[:TOP_VALUES_KEPT]
    total = max(values_total, sum(count for _, count in top)) or 1.0
    return {
        "unique": int(string_stats.unique),
        # [value, count, share of the split's values]; sensitive features
        # keep the shape of the distribution only.
        "top_values": [("" if sensitive else value, count, count / total) for value, count in top],
    }


def summarize(feature, num_examples: int, sensitive: bool) -> Dict:
    kind = feature.WhichOneof("stats")
    common = _common(feature)
    missing = missing_count(feature, num_examples)
    summary = {
        "count": int(common.num_non_missing),
        "missing": missing,
        "missing_pct": 100.0 * missing / num_examples if num_examples else 0.0,
    }
    if kind == "num_stats":
        numeric = numeric_summary(feature.num_stats)
        summary.update(kind="numeric", **(_hide_numeric_values(numeric) if sensitive else numeric))
        shape = [count for _, _, count in numeric["histogram"]]
    elif kind == "string_stats":
        categorical = _categorical_summary(feature.string_stats, common.tot_num_values, sensitive)
        summary.update(kind="categorical", **categorical)
        shape = [count for _, count, _ in categorical["top_values"]]
    else:
        summary.update(kind=kind or "unknown")
        shape = []
    summary["non_uniformity"] = non_uniformity(shape)
    return summary
