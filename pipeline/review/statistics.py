"""Writes the statistics review of a local run: our offline report, and
TFDV's own Facets page beside it for users who are online."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2

from components import features
from components.artifact_files import ANOMALIES_FILE, SCHEMA_FILE, STATISTICS_FILE, split_dir
from components.drift_skew.outputs import COMPARED_SPLIT, DRIFT_SPLIT
from components.spans.record import NAME_PROPERTY as SPAN_NAME
from pipeline import node_ids
from pipeline.config import PipelineConfig
from pipeline.metadata import MetadataNotFoundError, latest_outputs, span_artifacts
from pipeline.review.page import render_html
from pipeline.review.schema import load_schema
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


def _of_span(artifacts: List[Dict], span: str) -> Optional[Dict]:
    return next((a for a in artifacts if a["properties"].get(SPAN_NAME) == span), None)


def _all_splits(artifact: Dict) -> Dict[str, statistics_pb2.DatasetFeatureStatisticsList]:
    return {split: _statistics(artifact, split) for split in _split_names(artifact)}


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


class _Run:
    """One run's per-span artifacts in ML Metadata, oldest span first."""

    def __init__(self, output_dir: Path, pipeline_name: str):
        self.metadata_path = Path(PipelineConfig(output_dir=str(output_dir)).metadata_path)
        self.pipeline_name = pipeline_name
        self.statistics = self.per_span(node_ids.STATISTICS_GEN, "statistics")
        if not self.statistics:
            raise MetadataNotFoundError(
                f"no statistics of pipeline {pipeline_name!r} in {self.metadata_path}"
            )

    def per_span(self, node_id: str, key: str) -> List[Dict]:
        return span_artifacts(self.metadata_path, self.pipeline_name, node_id, key)

    def span_names(self) -> List[str]:
        return [a["properties"][SPAN_NAME] for a in self.statistics]

    def of_span(self, span: str) -> Dict[str, statistics_pb2.DatasetFeatureStatisticsList]:
        return _all_splits(_of_span(self.statistics, span))

    def curated_schema(self) -> Optional[schema_pb2.Schema]:
        """The schema the latest run's gate validated against."""
        outputs = latest_outputs(self.metadata_path, self.pipeline_name)["components"]
        schemas = outputs.get(node_ids.CURATED_SCHEMA, {}).get("outputs", {}).get("schema")
        if not schemas:
            return None
        return load_schema(Path(schemas[0]["uri"]) / SCHEMA_FILE)

    def gate_drift(self) -> Dict[str, Dict[str, Tuple[str, float, float]]]:
        """Per span, what DriftSkewCheck measured against the span before it."""
        measured = {}
        for artifact in self.per_span(node_ids.DRIFT_SKEW_CHECK, "anomalies"):
            if DRIFT_SPLIT in _split_names(artifact):
                measured[artifact["properties"][SPAN_NAME]] = gate_drift(
                    _anomalies(artifact, DRIFT_SPLIT)
                )
        return measured

    def judged_spans(self) -> List[str]:
        """The spans the latest run ingested, which its gate judged; the
        newest span when it ingested none."""
        outputs = latest_outputs(self.metadata_path, self.pipeline_name)["components"]
        ingested = outputs.get(node_ids.STATISTICS_GEN, {}).get("outputs", {}).get("statistics")
        names = sorted({a["properties"][SPAN_NAME] for a in ingested or []})
        return names or self.span_names()[-1:]

    def anomalies(self, spans: List[str]) -> Dict[str, anomalies_pb2.Anomalies]:
        """ExampleValidator's and DriftSkewCheck's findings on `spans`, by
        SPAN/SPLIT, as the gate names them."""
        by_split = {}
        for node_id in (node_ids.EXAMPLE_VALIDATOR, node_ids.DRIFT_SKEW_CHECK):
            published = self.per_span(node_id, "anomalies")
            for span in spans:
                artifact = _of_span(published, span)
                for split in _split_names(artifact) if artifact else ():
                    by_split[f"{span}/{split}"] = _anomalies(artifact, split)
        return by_split


class AgainstNotFoundError(ValueError):
    """`--against` names neither a run's output dir nor a span of this run."""


def _against(run: _Run, against: str) -> Tuple[str, str, Dict]:
    """(label, span of this run or "", statistics by split) of another run's
    newest span, or of a span of this run."""
    path = Path(against).expanduser()
    if path.is_dir():
        other = _Run(path.resolve(), run.pipeline_name)
        span = other.span_names()[-1]
        # The run's folder and its parent: output dirs are often all called "out".
        where = "/".join(path.resolve().parts[-2:])
        return f"{where} span {span}", "", other.of_span(span)
    if against in run.span_names():
        return f"span {against}", against, run.of_span(against)
    raise AgainstNotFoundError(
        f"--against {against!r} is neither an output dir nor a span of this run "
        f"(spans: {', '.join(run.span_names())})"
    )


def write_review(
    output_dir: Path, pipeline_name: str, out: Optional[Path] = None, against: str = ""
) -> Tuple[Path, Path]:
    """Writes the report for the newest span's statistics, with every span's
    history and, given `against`, another run's or span's statistics beside
    them; returns (report, facets)."""
    run = _Run(output_dir, pipeline_name)
    history = [(span, run.of_span(span)) for span in run.span_names()]
    newest, stats_by_split = history[-1]
    compared = dict(stats_by_split)
    label = span = ""
    if against:
        label, span, other = _against(run, against)
        compared.update({f"{split} · {label}": stats for split, stats in other.items()})
    content = build_report(
        compared,
        run.anomalies(run.judged_spans()),
        schema=run.curated_schema(),
        history=history,
        history_split=COMPARED_SPLIT,
        gate_drift=run.gate_drift(),
        sensitive=[f.name for f in features.RAW_FEATURES if f.sensitive],
        units={f.name: f.unit for f in features.RAW_FEATURES if f.unit},
        title=f"{pipeline_name}: data statistics of span {newest}",
        against=label,
        against_span=span,
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
