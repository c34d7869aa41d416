"""Each feature over all spans: a value (the mean, or the share of the newest
span's top value), missing %, and drift to the span before, from per-span
statistics. The drift is the gate's own measurement where DriftSkewCheck made
one (TFDV's comparators), the report's measure otherwise. Protobuf only."""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from tensorflow_metadata.proto.v0 import statistics_pb2

from pipeline.review.drift import drift
from pipeline.review.feature_stats import features_of, missing_count, top_value_counts

StatsBySplit = Mapping[str, statistics_pb2.DatasetFeatureStatisticsList]
# Per span, per feature: (measure, value, threshold) as the gate measured it.
GateDrift = Mapping[str, Mapping[str, Tuple[str, float, float]]]


def _share(feature, value: Optional[str]) -> Optional[float]:
    counts = top_value_counts(feature.string_stats)
    total = max(feature.string_stats.common_stats.tot_num_values, sum(c for _, c in counts))
    if not counts or not total:
        return None
    if value is None:  # Sensitive: the top rank, whatever its value.
        return counts[0][1] / total
    return dict(counts).get(value, 0.0) / total


def _value(feature, top_value: Optional[str], sensitive: bool) -> Optional[float]:
    kind = feature.WhichOneof("stats")
    if kind == "num_stats":
        return None if sensitive else feature.num_stats.mean
    if kind == "string_stats":
        return _share(feature, None if sensitive else top_value)
    return None


def _value_label(newest, sensitive: bool) -> Tuple[str, Optional[str]]:
    """What the value series shows, and the top value it follows."""
    if newest.WhichOneof("stats") == "num_stats":
        return ("mean (hidden: sensitive)" if sensitive else "mean"), None
    counts = top_value_counts(newest.string_stats)
    if sensitive or not counts:
        return "top value's share", None
    return f"share of {counts[0][0]!r}", counts[0][0]


def _series(
    name: str,
    datasets: Sequence[Tuple[str, statistics_pb2.DatasetFeatureStatistics]],
    gate_drift: GateDrift,
    sensitive: bool,
) -> Dict:
    label, top_value = _value_label(features_of(datasets[-1][1])[name], sensitive)
    points: List[Dict] = []
    previous = None
    for span, dataset in datasets:
        feature = features_of(dataset).get(name)
        point: Dict = {"span": span, "value": None, "missing_pct": None, "drift": None}
        if feature is not None:
            examples = int(dataset.num_examples)
            point["value"] = _value(feature, top_value, sensitive)
            point["missing_pct"] = (
                100.0 * missing_count(feature, examples) / examples if examples else 0.0
            )
            gate = gate_drift.get(span, {}).get(name)
            if gate:
                point.update(drift=gate[1], measure=gate[0], threshold=gate[2])
            elif previous is not None:
                measured = drift(previous, feature)
                if measured:
                    point.update(drift=measured[1], measure=measured[0])
        points.append(point)
        previous = feature
    return {"value_label": label, "points": points}


def span_history(
    history: Sequence[Tuple[str, StatsBySplit]],
    split: str,
    features: Sequence[str],
    sensitive: Sequence[str] = (),
    gate_drift: Optional[GateDrift] = None,
) -> Tuple[List[Dict], Dict[str, Dict]]:
    """([{span, examples}], {feature: series}) over `history` (oldest span
    first); the series read each span's `split` (its first split if absent)."""
    examples = [
        {"span": span, "examples": sum(int(s.datasets[0].num_examples) for s in splits.values())}
        for span, splits in history
    ]
    datasets = [
        (span, (splits.get(split) or next(iter(splits.values()))).datasets[0])
        for span, splits in history
    ]
    newest = features_of(datasets[-1][1]) if datasets else {}
    series = {
        name: _series(name, datasets, gate_drift or {}, name in sensitive)
        for name in features
        if name in newest
    }
    return examples, series
