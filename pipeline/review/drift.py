"""How far a feature moved between two spans' statistics.

Jensen-Shannon divergence of the standard histograms (re-binned onto both
spans' edges) for numerics, L-infinity distance of the top values' shares for
categoricals. The gate judges by TFDV's own comparators; the report uses
these where TFDV measured nothing.
"""

from __future__ import annotations

import bisect
import math
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from tensorflow_metadata.proto.v0 import statistics_pb2

from pipeline.review.feature_stats import histogram_buckets, top_value_counts

STANDARD = statistics_pb2.Histogram.STANDARD


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
            {"histogram": histogram_buckets(previous_feature.num_stats, STANDARD)},
            {"histogram": histogram_buckets(current_feature.num_stats, STANDARD)},
        )
        return None if score is None else ("Jensen-Shannon", score)
    if kind == "string_stats":
        return (
            "L-infinity",
            l_infinity(
                dict(top_value_counts(previous_feature.string_stats)),
                dict(top_value_counts(current_feature.string_stats)),
            ),
        )
    return None
