"""Writes the statistics review of a local run: our offline report, and
TFDV's own Facets page beside it for users who are online."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from components import features
from components.artifact_files import ANOMALIES_FILE, STATISTICS_FILE, split_dir
from components.drift_skew.outputs import COMPARED_SPLIT, DRIFT_SPLIT
from components.spans.record import NAME_PROPERTY as SPAN_NAME
from pipeline import node_ids
from pipeline.config import PipelineConfig
from pipeline.metadata import MetadataNotFoundError, span_artifacts
from pipeline.review.page import render_html
from pipeline.review.summary import build_report

REPORT_FILE = "statistics.html"
FACETS_FILE = "facets.html"


def _split_names(artifact: Dict) -> list:
    return json.loads(artifact["properties"].get("split_names", "[]"))


def _statistics(artifact: Dict, split: str) -> statistics_pb2.DatasetFeatureStatisticsList:
    path = Path(artifact["uri"]) / split_dir(split) / STATISTICS_FILE
    return statistics_pb2.DatasetFeatureStatisticsList.FromString(path.read_bytes())


def _anomalies(artifact: Dict, split: str) -> anomalies_pb2.Anomalies:
    path = Path(artifact["uri"]) / split_dir(split) / ANOMALIES_FILE
    return anomalies_pb2.Anomalies.FromString(path.read_bytes())


def _span_pair(spans: List[Dict]) -> Optional[Dict]:
    """The newest span's statistics and the one before it, as the drift
    check compares them (their train splits), if there are two spans."""
    if len(spans) < 2:
        return None
    return {
        name: (artifact["properties"][SPAN_NAME], _statistics(artifact, COMPARED_SPLIT))
        for name, artifact in (("current", spans[-1]), ("previous", spans[-2]))
    }


def _of_span(artifacts: List[Dict], span: str) -> Optional[Dict]:
    return next((a for a in artifacts if a["properties"].get(SPAN_NAME) == span), None)


_MEASURES = {
    "JENSEN_SHANNON_DIVERGENCE": "Jensen-Shannon (TFDV)",
    "L_INFTY": "L-infinity (TFDV)",
    "NORMALIZED_ABSOLUTE_DIFFERENCE": "normalized difference (TFDV)",
}


def gate_drift(anomalies: anomalies_pb2.Anomalies) -> Dict[str, Tuple[str, float, float]]:
    """What TFDV's drift comparators measured per feature, as the gate saw it."""
    measured = {}
    for info in anomalies.drift_skew_info:
        for measurement in info.drift_measurements:
            kind = anomalies_pb2.DriftSkewInfo.Measurement.Type.Name(measurement.type)
            measured[info.path.step[0]] = (
                _MEASURES.get(kind, kind),
                measurement.value,
                measurement.threshold,
            )
    return measured


def default_report_path(output_dir: Path) -> Path:
    return output_dir / "report" / REPORT_FILE


def write_review(
    output_dir: Path, pipeline_name: str, out: Optional[Path] = None
) -> Tuple[Path, Path]:
    """Writes the report for the newest span's statistics, with its drift
    from the span before it; returns (report, facets)."""
    metadata_path = Path(PipelineConfig(output_dir=str(output_dir)).metadata_path)

    def per_span(node_id: str, key: str) -> List[Dict]:
        return span_artifacts(metadata_path, pipeline_name, node_id, key)

    spans = per_span(node_ids.STATISTICS_GEN, "statistics")
    if not spans:
        raise MetadataNotFoundError(
            f"no statistics of pipeline {pipeline_name!r} in {metadata_path}"
        )
    statistics = spans[-1]
    newest = statistics["properties"][SPAN_NAME]
    stats_by_split = {split: _statistics(statistics, split) for split in _split_names(statistics)}
    anomalies_by_split = {}
    for node_id in (node_ids.EXAMPLE_VALIDATOR, node_ids.DRIFT_SKEW_CHECK):
        anomalies = _of_span(per_span(node_id, "anomalies"), newest)
        if anomalies:
            anomalies_by_split.update(
                {split: _anomalies(anomalies, split) for split in _split_names(anomalies)}
            )
    drift_split = anomalies_by_split.get(DRIFT_SPLIT)
    content = build_report(
        stats_by_split,
        anomalies_by_split,
        spans=_span_pair(spans),
        gate_drift=gate_drift(drift_split) if drift_split else {},
        sensitive=[f.name for f in features.RAW_FEATURES if f.sensitive],
        title=f"{pipeline_name}: data statistics of span {newest}",
    )
    out = out or default_report_path(output_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(content), encoding="utf-8")
    facets = out.parent / FACETS_FILE
    facets.write_text(_facets_html(stats_by_split), encoding="utf-8")
    return out, facets


def _facets_html(stats_by_split) -> str:
    """TFDV's Facets Overview; it loads its code from the internet when opened."""
    from tensorflow_data_validation.utils import display_util

    (lhs_name, lhs), *rest = stats_by_split.items()
    rhs_name, rhs = rest[0] if rest else (None, None)
    page = display_util.get_statistics_html(
        lhs, rhs, lhs_name=lhs_name, rhs_name=rhs_name or "none"
    )
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{page}</body></html>"
