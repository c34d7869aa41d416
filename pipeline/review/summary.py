"""TFDV statistics as the report's content: a plain dict per feature and split.

`build_report` turns any `DatasetFeatureStatisticsList` per split (plus,
optionally, the previous span's statistics and ExampleValidator anomalies)
into a dict that `pipeline.review.page` draws; the drift measures score how a
feature moved between two spans. Protobuf only: no TensorFlow.
"""

from __future__ import annotations

import bisect
import math
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

TOP_VALUES_SHOWN = 8


# ---------------------------------------------------------------- statistics


def _feature_name(feature: statistics_pb2.FeatureNameStatistics) -> str:
    return ".".join(feature.path.step) or feature.name


def _features(dataset: statistics_pb2.DatasetFeatureStatistics):
    return {_feature_name(f): f for f in dataset.features}


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


def _standard_histogram(num_stats) -> Optional[statistics_pb2.Histogram]:
    for histogram in num_stats.histograms:
        if histogram.type == statistics_pb2.Histogram.STANDARD:
            return histogram
    return None


def _top_values(string_stats) -> List[Tuple[str, float]]:
    if string_stats.top_values:
        return [(v.value, v.frequency) for v in string_stats.top_values]
    return [(b.label, b.sample_count) for b in string_stats.rank_histogram.buckets]


def _numeric_summary(num_stats) -> Dict:
    histogram = _standard_histogram(num_stats)
    buckets = [
        (b.low_value, b.high_value, b.sample_count)
        for b in (histogram.buckets if histogram else [])
    ]
    return {
        "mean": num_stats.mean,
        "std": num_stats.std_dev,
        "min": num_stats.min,
        "median": num_stats.median,
        "max": num_stats.max,
        "zeros": int(num_stats.num_zeros),
        "histogram": buckets,
    }


def _categorical_summary(string_stats, sensitive: bool) -> Dict:
    top = _top_values(string_stats)
    total = sum(count for _, count in top) or 1.0
    return {
        "unique": int(string_stats.unique),
        # Sensitive features keep the shape of the distribution only.
        "top_values": [
            ("" if sensitive else value, count / total) for value, count in top[:TOP_VALUES_SHOWN]
        ],
    }


def summarize(feature, num_examples: int, sensitive: bool) -> Dict:
    kind = feature.WhichOneof("stats")
    missing = missing_count(feature, num_examples)
    summary = {
        "count": int(_common(feature).num_non_missing),
        "missing": missing,
        "missing_pct": 100.0 * missing / num_examples if num_examples else 0.0,
    }
    if kind == "num_stats":
        numeric = _numeric_summary(feature.num_stats)
        if sensitive:  # Min, max and even the mean can reveal raw values.
            numeric = {
                "zeros": numeric["zeros"],
                "histogram": [(None, None, count) for _, _, count in numeric["histogram"]],
            }
        summary.update(kind="numeric", **numeric)
    elif kind == "string_stats":
        summary.update(kind="categorical", **_categorical_summary(feature.string_stats, sensitive))
    else:
        summary.update(kind=kind or "unknown")
    return summary


# --------------------------------------------------------------------- drift


def _histogram_mass(
    buckets: Sequence[Tuple[float, float, float]], edges: Sequence[float]
) -> List[float]:
    """Re-bins counts onto `edges`, spreading each bucket uniformly."""
    mass = [0.0] * (len(edges) - 1)
    for low, high, count in buckets:
        if high <= low:  # All values equal: a point mass.
            index = bisect.bisect_right(edges, low) - 1
            mass[min(max(index, 0), len(mass) - 1)] += count
            continue
        for i in range(len(mass)):
            overlap = min(high, edges[i + 1]) - max(low, edges[i])
            if overlap > 0:
                mass[i] += count * overlap / (high - low)
    total = sum(mass)
    return [m / total for m in mass] if total else mass


def jensen_shannon(p: Sequence[float], q: Sequence[float]) -> float:
    """JS divergence (base 2, so in [0, 1]) between two distributions."""

    def kl(a, b):
        return sum(x * math.log2(x / y) for x, y in zip(a, b) if x > 0)

    middle = [(x + y) / 2 for x, y in zip(p, q)]
    return max(0.0, (kl(p, middle) + kl(q, middle)) / 2)


def numeric_drift(previous: Dict, current: Dict) -> Optional[float]:
    edges = sorted(
        {
            edge
            for low, high, _ in previous["histogram"] + current["histogram"]
            for edge in (low, high)
        }
    )
    if len(edges) < 2:
        return None
    return jensen_shannon(
        _histogram_mass(previous["histogram"], edges), _histogram_mass(current["histogram"], edges)
    )


def l_infinity(previous: Mapping[str, float], current: Mapping[str, float]) -> float:
    """Largest difference in a value's share between two distributions."""
    prev_total = sum(previous.values()) or 1.0
    cur_total = sum(current.values()) or 1.0
    return max(
        (
            abs(previous.get(v, 0) / prev_total - current.get(v, 0) / cur_total)
            for v in set(previous) | set(current)
        ),
        default=0.0,
    )


def drift(previous_feature, current_feature) -> Optional[Tuple[str, float]]:
    """(measure, score) between two spans' statistics of one feature."""
    kind = current_feature.WhichOneof("stats")
    if kind != previous_feature.WhichOneof("stats"):
        return None
    if kind == "num_stats":
        score = numeric_drift(
            _numeric_summary(previous_feature.num_stats),
            _numeric_summary(current_feature.num_stats),
        )
        return None if score is None else ("Jensen-Shannon", score)
    if kind == "string_stats":
        return (
            "L-infinity",
            l_infinity(
                dict(_top_values(previous_feature.string_stats)),
                dict(_top_values(current_feature.string_stats)),
            ),
        )
    return None


# -------------------------------------------------------------------- report


def _anomaly_lines(
    anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies],
) -> Dict[str, List[str]]:
    lines: Dict[str, List[str]] = {}
    for split, anomalies in sorted(anomalies_by_split.items()):
        for feature, info in anomalies.anomaly_info.items():
            for reason in info.reason or [info]:
                lines.setdefault(feature, []).append(
                    f"{split}: {reason.short_description}: {reason.description}"
                )
    return lines


def _dataset_anomaly_lines(anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies]) -> List[str]:
    return [
        f"{split}: {reason.description}"
        for split, anomalies in anomalies_by_split.items()
        for reason in anomalies.dataset_anomaly_info.reason
    ]


def _span_drift(spans: Optional[Dict]) -> Dict[str, Optional[Tuple[str, float]]]:
    """(measure, score) per feature in both spans, from the previous to the current."""
    if not spans:
        return {}
    previous = _features(spans["previous"][1].datasets[0])
    current = _features(spans["current"][1].datasets[0])
    return {name: drift(previous[name], current[name]) for name in current if name in previous}


def _drift_entry(
    measured: Optional[Tuple[str, float]], gate: Optional[Tuple[str, float, float]]
) -> Optional[Dict]:
    """The gate's measurement when there is one: it is what stops the run."""
    if gate:
        measure, score, threshold = gate
        return {"measure": measure, "score": score, "threshold": threshold}
    return {"measure": measured[0], "score": measured[1]} if measured else None


def _split_summaries(
    name: str, datasets: Mapping[str, statistics_pb2.DatasetFeatureStatistics], sensitive: bool
) -> Dict[str, Dict]:
    """The feature's summary in each split that has it."""
    return {
        split: summarize(_features(d)[name], int(d.num_examples), sensitive)
        for split, d in datasets.items()
        if name in _features(d)
    }


def build_report(
    stats_by_split: Mapping[str, statistics_pb2.DatasetFeatureStatisticsList],
    anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies] = {},
    spans: Optional[Dict] = None,
    sensitive: Iterable[str] = (),
    title: str = "Statistics",
    gate_drift: Mapping[str, Tuple[str, float, float]] = {},
) -> Dict:
    """The report's content as a plain dict, from any TFDV statistics.

    `spans`, when given, is {"current": (span, stats_list), "previous": (span,
    stats_list)}: each feature gets a drift score between them.
    `gate_drift` maps a feature to (measure, value, threshold) as TFDV's
    comparator measured it for the gate; it replaces the report's own score.
    """
    sensitive = set(sensitive)
    datasets = {split: stats.datasets[0] for split, stats in stats_by_split.items()}
    anomaly_lines = _anomaly_lines(anomalies_by_split)
    span_drift = _span_drift(spans)
    features = []
    for name in sorted({name for d in datasets.values() for name in _features(d)}):
        per_split = _split_summaries(name, datasets, name in sensitive)
        features.append(
            {
                "name": name,
                "kind": next(iter(per_split.values()))["kind"],
                "sensitive": name in sensitive,
                "splits": per_split,
                "missing_pct": max(s["missing_pct"] for s in per_split.values()),
                "drift": _drift_entry(span_drift.get(name), gate_drift.get(name)),
                "anomalies": anomaly_lines.get(name, []),
            }
        )
    return {
        "title": title,
        "splits": {split: int(d.num_examples) for split, d in datasets.items()},
        "spans": (
            {"current": spans["current"][0], "previous": spans["previous"][0]} if spans else None
        ),
        "num_features": len(features),
        "features_with_missing": sum(1 for f in features if f["missing_pct"] > 0),
        "num_anomalies": sum(len(lines) for lines in anomaly_lines.values()),
        "dataset_anomalies": _dataset_anomaly_lines(anomalies_by_split),
        "features": features,
    }
