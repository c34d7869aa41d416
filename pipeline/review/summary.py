"""TFDV statistics as the report's content: a plain dict per feature.

`build_report` turns any `DatasetFeatureStatisticsList` per split (plus,
optionally, ExampleValidator's anomalies, the schema, and per-span statistics
for the history and drift) into a dict that `pipeline.review.page` draws.
Protobuf only: no TensorFlow.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from components.anomaly_gate.accepted import DATASET
from pipeline.review.domains import broken_rule, domain
from pipeline.review.feature_stats import features_of, summarize
from pipeline.review.history import GateDrift, StatsBySplit, span_history

ACCEPT_OPTION = "--accept-anomaly"


def _anomaly_entries(
    anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies],
    schema: Optional[schema_pb2.Schema],
) -> Dict[str, List[Dict]]:
    """Per feature (DATASET for the split as a whole): what was found, the
    schema rule it broke and the override that lets it pass."""
    entries: Dict[str, List[Dict]] = {}
    for split, anomalies in sorted(anomalies_by_split.items()):
        reasons = [
            (feature, reason)
            for feature, info in sorted(anomalies.anomaly_info.items())
            for reason in info.reason or [info]
        ] + [(DATASET, reason) for reason in anomalies.dataset_anomaly_info.reason]
        for feature, reason in reasons:
            kind = anomalies_pb2.AnomalyInfo.Type.Name(reason.type)
            entries.setdefault(feature, []).append(
                {
                    "text": f"{split}: {reason.short_description}: {reason.description}",
                    "type": kind,
                    "rule": (
                        broken_rule(schema, feature, kind, split.rpartition("/")[2])
                        if schema
                        else ""
                    ),
                    "accept": f"{ACCEPT_OPTION} {feature}:{kind}",
                    # Splits named SPAN/SPLIT, as the gate names them, say the span.
                    "span": split.rpartition("/")[0],
                }
            )
    return entries


def _split_summaries(
    name: str, datasets: Mapping[str, statistics_pb2.DatasetFeatureStatistics], sensitive: bool
) -> Dict[str, Dict]:
    """The feature's summary in each split that has it."""
    return {
        split: summarize(features_of(d)[name], int(d.num_examples), sensitive)
        for split, d in datasets.items()
        if name in features_of(d)
    }


def _drift_entry(series: Optional[Dict]) -> Optional[Dict]:
    """The newest span's drift to the one before: the gate's measurement when
    it made one (with its threshold), the report's own otherwise."""
    if not series or len(series["points"]) < 2 or series["points"][-1]["drift"] is None:
        return None
    newest = series["points"][-1]
    entry = {"measure": newest["measure"], "score": newest["drift"]}
    if "threshold" in newest:
        entry["threshold"] = newest["threshold"]
    return entry


def _schema_domains(schema: Optional[schema_pb2.Schema], sensitive: set) -> Dict[str, Dict]:
    if schema is None:
        return {}
    domains = {f.name: domain(schema, f) for f in schema.feature if f.name not in sensitive}
    return {name: d for name, d in domains.items() if d}


def build_report(
    stats_by_split: StatsBySplit,
    anomalies_by_split: Mapping[str, anomalies_pb2.Anomalies] = {},
    schema: Optional[schema_pb2.Schema] = None,
    history: Sequence[Tuple[str, StatsBySplit]] = (),
    history_split: str = "train",
    gate_drift: Optional[GateDrift] = None,
    sensitive: Iterable[str] = (),
    units: Mapping[str, str] = {},
    title: str = "Statistics",
    against: str = "",
    against_span: str = "",
) -> Dict:
    """The report's content as a plain dict, from any TFDV statistics.

    `history` is [(span, stats_by_split)], oldest first, ending with the span
    of `stats_by_split`: each feature gets its series over the spans and its
    drift from the span before. `gate_drift` maps span -> feature ->
    (measure, value, threshold) as TFDV's comparators measured it for the
    gate; it replaces the report's own drift score there. `against` names
    the splits that come from another run or span, when they are compared;
    `against_span`, the span of this run they are, if they are one.
    """
    sensitive = set(sensitive)
    datasets = {split: stats.datasets[0] for split, stats in stats_by_split.items()}
    anomalies = _anomaly_entries(anomalies_by_split, schema)
    domains = _schema_domains(schema, sensitive)
    names = sorted({name for d in datasets.values() for name in features_of(d)})
    span_examples, series = span_history(history, history_split, names, sensitive, gate_drift)
    features = []
    for name in names:
        per_split = _split_summaries(name, datasets, name in sensitive)
        features.append(
            {
                "name": name,
                "kind": next(iter(per_split.values()))["kind"],
                "unit": units.get(name, ""),
                "sensitive": name in sensitive,
                "splits": per_split,
                "missing_pct": max(s["missing_pct"] for s in per_split.values()),
                "non_uniformity": max(s["non_uniformity"] for s in per_split.values()),
                "domain": domains.get(name),
                "drift": _drift_entry(series.get(name)),
                "history": series.get(name),
                "anomalies": anomalies.get(name, []),
            }
        )
    spans = [entry["span"] for entry in span_examples]
    return {
        "title": title,
        "splits": {split: int(d.num_examples) for split, d in datasets.items()},
        "against": against,
        # The spans the charts draw, so a finding about another can say so.
        "shown_spans": spans[-1:] + ([against_span] if against_span else []),
        "spans": {"current": spans[-1], "previous": spans[-2]} if len(spans) > 1 else None,
        "span_examples": span_examples,
        "num_features": len(features),
        "features_with_missing": sum(1 for f in features if f["missing_pct"] > 0),
        "num_anomalies": sum(len(entries) for entries in anomalies.values()),
        "dataset_anomalies": anomalies.get(DATASET, []),
        "features": features,
    }
