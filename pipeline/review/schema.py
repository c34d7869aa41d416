"""Reviewing the curated schema against what the data says.

`diff`: the curated schema against the latest inferred one (SchemaGen's), as a
unified diff of both in one canonical text form.
`update`: relaxes the curated schema just enough to accept the latest
statistics (TFDV's update_schema: new categorical values, wider ranges, looser
presence) and writes it back for review in git.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import List, Tuple

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from components.artifact_files import SCHEMA_FILE, STATISTICS_FILE, split_dir
from pipeline import node_ids
from pipeline.config import PipelineConfig
from pipeline.metadata import latest_outputs, span_artifacts


def load_schema(path: Path) -> schema_pb2.Schema:
    return text_format.Parse(path.read_text(encoding="utf-8"), schema_pb2.Schema())


def canonical_lines(schema: schema_pb2.Schema) -> List[str]:
    """Features and domains sorted by name, one field per line."""
    ordered = schema_pb2.Schema()
    ordered.CopyFrom(schema)
    features = sorted(ordered.feature, key=lambda f: f.name)
    domains = sorted(ordered.string_domain, key=lambda d: d.name)
    del ordered.feature[:]
    del ordered.string_domain[:]
    ordered.feature.extend(features)
    ordered.string_domain.extend(domains)
    return text_format.MessageToString(ordered).splitlines(keepends=True)


def _latest(output_dir: Path, pipeline_name: str, component: str, key: str) -> dict:
    """`component`'s artifact for the newest span."""
    metadata_path = Path(PipelineConfig(output_dir=str(output_dir)).metadata_path)
    spans = span_artifacts(metadata_path, pipeline_name, component, key)
    if not spans:
        raise FileNotFoundError(f"the runs in {output_dir} have no {component} output")
    return spans[-1]


def _last_ingested(output_dir: Path, pipeline_name: str) -> list:
    """The statistics of the spans the latest run ingested (those its gate
    judged), or the newest span's when it ingested none."""
    metadata_path = Path(PipelineConfig(output_dir=str(output_dir)).metadata_path)
    components = latest_outputs(metadata_path, pipeline_name)["components"]
    ingested = components.get(node_ids.STATISTICS_GEN, {}).get("outputs", {}).get("statistics")
    return ingested or [_latest(output_dir, pipeline_name, node_ids.STATISTICS_GEN, "statistics")]


def diff(curated_path: Path, output_dir: Path, pipeline_name: str) -> Tuple[str, str]:
    """(unified diff curated -> inferred, inferred schema URI); empty when equal."""
    inferred = _latest(output_dir, pipeline_name, node_ids.SCHEMA_GEN, "schema")
    inferred_path = Path(inferred["uri"]) / SCHEMA_FILE
    lines = difflib.unified_diff(
        canonical_lines(load_schema(curated_path)),
        canonical_lines(load_schema(inferred_path)),
        fromfile=f"curated {curated_path}",
        tofile=f"inferred {inferred_path}",
    )
    return "".join(lines), str(inferred_path)


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#") and line.strip():
            break
        lines.append(line)
    return "".join(lines)


def update(curated_path: Path, output_dir: Path, pipeline_name: str, split: str = "train") -> str:
    """Rewrites the curated schema to accept the statistics of `split` of the
    spans the latest run ingested.

    Returns the diff it made. The file's leading comment block is kept;
    comments inside feature blocks are not (protobuf text drops them), so
    review the change with `git diff` before committing it.
    """
    import tensorflow_data_validation as tfdv

    old_text = curated_path.read_text(encoding="utf-8")
    old = load_schema(curated_path)
    new = old
    for statistics in _last_ingested(output_dir, pipeline_name):
        if split not in json.loads(statistics["properties"]["split_names"]):
            raise ValueError(f"the latest statistics have no split {split!r}")
        stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(
            (Path(statistics["uri"]) / split_dir(split) / STATISTICS_FILE).read_bytes()
        )
        new = tfdv.update_schema(new, stats, infer_feature_shape=False)
    curated_path.write_text(
        _leading_comments(old_text) + text_format.MessageToString(new), encoding="utf-8"
    )
    return "".join(
        difflib.unified_diff(
            canonical_lines(old),
            canonical_lines(new),
            fromfile=f"before {curated_path}",
            tofile=f"after {curated_path}",
        )
    )
