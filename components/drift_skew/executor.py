"""DriftSkewCheck executor: TFDV's drift and skew comparators, which
ExampleValidator never runs, on statistics already stored per span.

For each span ingested in this run (one statistics artifact each), with the
thresholds the curated schema's `drift_comparator`, `skew_comparator` and
`num_examples_drift_comparator` set:

- span_drift: the span against the span before it (its newest version);
- restatement: the span against the version it replaces, when it was
  ingested before with other content, so a re-sent history cannot drift
  unseen while each quarter still looks like its neighbour;
- serving_sample and serving_skew, for the window's newest span only: the
  serving sample against the schema's SERVING environment, and its skew
  from that span's statistics.

Comparisons read each span's train split (see `compared_statistics`).

Statistics of earlier spans come from `history` (every statistics artifact
published before, without their data): only the two or three statistics one
comparison needs are read at a time, so memory does not grow with the
history. Each span's findings become the splits of one ExampleAnomalies
artifact that AnomalyGate reads like ExampleValidator's.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

import apache_beam as beam
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2
from tfx import types
from tfx.components.util import tfxio_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components.artifact_files import ANOMALIES_FILE
from components.drift_skew.outputs import (
    COMPARED_SPLIT,
    DRIFT_SPLIT,
    RESTATEMENT_CHECK,
    RESTATEMENT_SPLIT,
    SERVING_SCHEMA_SPLIT,
    SERVING_SKEW_CHECK,
    SKEW_SPLIT,
    SPAN_DRIFT_CHECK,
)
from components.spans.manifest import expand_inputs, publish
from components.spans.per_span import span_outputs
from components.spans.record import Span, span_of

STATISTICS_KEY = "statistics"
HISTORY_KEY = "history"
SCHEMA_KEY = "schema"
SERVING_EXAMPLES_KEY = "serving_examples"
ANOMALIES_KEY = "anomalies"
CHECKS_FILE = "checks.json"
SERVING_STATISTICS_FILE = "serving_statistics.pb"

# What the comparators report; everything else is ExampleValidator's job.
COMPARATOR_TYPES = frozenset(
    anomalies_pb2.AnomalyInfo.Type.Value(name)
    for name in anomalies_pb2.AnomalyInfo.Type.keys()
    if name.startswith("COMPARATOR_") and name.endswith(("_HIGH", "_NUM_EXAMPLES"))
)


def comparator_findings(anomalies: anomalies_pb2.Anomalies) -> anomalies_pb2.Anomalies:
    """Only what drift/skew comparators found, with TFDV's measurements."""
    kept = anomalies_pb2.Anomalies()
    kept.baseline.CopyFrom(anomalies.baseline)
    kept.anomaly_name_format = anomalies.anomaly_name_format
    kept.drift_skew_info.extend(anomalies.drift_skew_info)
    for feature, info in anomalies.anomaly_info.items():
        reasons = [r for r in info.reason if r.type in COMPARATOR_TYPES]
        if reasons:
            kept_info = kept.anomaly_info[feature]
            kept_info.CopyFrom(info)
            del kept_info.reason[:]
            kept_info.reason.extend(reasons)
    dataset_reasons = [
        r for r in anomalies.dataset_anomaly_info.reason if r.type in COMPARATOR_TYPES
    ]
    if dataset_reasons:
        kept.dataset_anomaly_info.CopyFrom(anomalies.dataset_anomaly_info)
        del kept.dataset_anomaly_info.reason[:]
        kept.dataset_anomaly_info.reason.extend(dataset_reasons)
    return kept


def serving_checks(
    training: statistics_pb2.DatasetFeatureStatisticsList,
    serving: statistics_pb2.DatasetFeatureStatisticsList,
    schema: schema_pb2.Schema,
) -> Dict[str, anomalies_pb2.Anomalies]:
    """The serving sample against the SERVING schema, and its skew from training."""
    import tensorflow_data_validation as tfdv

    skew = tfdv.validate_statistics(
        training, schema, environment="TRAINING", serving_statistics=serving
    )
    return {
        SERVING_SCHEMA_SPLIT: tfdv.validate_statistics(serving, schema, environment="SERVING"),
        SKEW_SPLIT: comparator_findings(skew),
    }


def compared_statistics(statistics: types.Artifact) -> statistics_pb2.DatasetFeatureStatisticsList:
    """The statistics of a span that the comparators read: its train split,
    a hash sample of the span's rows (statistics of disjoint splits cannot
    be merged exactly, and TFDV's comparators take one dataset)."""
    from tfx.components.statistics_gen import stats_artifact_utils

    return stats_artifact_utils.load_statistics(statistics, COMPARED_SPLIT).proto()


def drift(
    current: statistics_pb2.DatasetFeatureStatisticsList,
    previous: statistics_pb2.DatasetFeatureStatisticsList,
    schema: schema_pb2.Schema,
) -> anomalies_pb2.Anomalies:
    import tensorflow_data_validation as tfdv

    anomalies = tfdv.validate_statistics(
        current, schema, environment="TRAINING", previous_statistics=previous
    )
    return comparator_findings(anomalies)


def previous_span(span: Span, known: Dict[str, types.Artifact]) -> Optional[types.Artifact]:
    """The newest version of the latest span before `span`."""
    earlier = sorted(name for name in known if name < span.name)
    return known[earlier[-1]] if earlier else None


def replaced_version(span: Span, history: List[types.Artifact]) -> Optional[types.Artifact]:
    """The statistics of the version of `span` that this one replaces."""
    older = [
        a for a in history if span_of(a).name == span.name and span_of(a).version < span.version
    ]
    return max(older, key=lambda a: span_of(a).version) if older else None


def newest_versions(artifacts: List[types.Artifact]) -> Dict[str, types.Artifact]:
    newest: Dict[str, types.Artifact] = {}
    for artifact in sorted(artifacts, key=lambda a: span_of(a).version):
        newest[span_of(artifact).name] = artifact
    return newest


class Executor(base_beam_executor.BaseBeamExecutor):
    """Writes each new span's drift, restatement and skew anomalies."""

    def _serving_statistics(self, serving: types.Artifact, output: str):
        import tensorflow_data_validation as tfdv

        factory = tfxio_utils.get_tfxio_factory_from_artifact(
            examples=[serving], telemetry_descriptors=["DriftSkewCheck"]
        )
        splits = artifact_utils.decode_split_names(serving.split_names)
        with self._make_beam_pipeline() as pipeline:
            batches = [
                pipeline
                | f"Read[{split}]"
                >> factory(
                    io_utils.all_files_pattern(artifact_utils.get_split_uri([serving], split))
                ).BeamSource()
                for split in splits
            ]
            _ = (
                batches
                | "Flatten" >> beam.Flatten()
                | "Statistics" >> tfdv.GenerateStatistics(tfdv.StatsOptions())
                | "Write" >> tfdv.WriteStatisticsToBinaryFile(output)
            )
        return tfdv.load_stats_binary(output)

    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        input_dict = expand_inputs(input_dict, STATISTICS_KEY, HISTORY_KEY)
        current = sorted(input_dict.get(STATISTICS_KEY) or [], key=span_of)
        current_uris = {a.uri for a in current}
        history = [a for a in input_dict.get(HISTORY_KEY) or [] if a.uri not in current_uris]
        schema = io_utils.SchemaReader().read(
            io_utils.get_only_uri_in_dir(artifact_utils.get_single_uri(input_dict[SCHEMA_KEY]))
        )
        serving = input_dict.get(SERVING_EXAMPLES_KEY) or []
        [template] = output_dict[ANOMALIES_KEY]
        known = {**newest_versions(history), **newest_versions(current)}
        newest = max(known) if known else None
        results = []
        for statistics in current:
            span = span_of(statistics)
            [anomalies] = span_outputs({ANOMALIES_KEY: template}, span)[ANOMALIES_KEY]
            findings = self._span_findings(
                span,
                statistics,
                known,
                history,
                schema,
                serving if span.name == newest else [],
                anomalies.uri,
            )
            checks, splits = findings
            for name, text in checks.items():
                anomalies.set_string_custom_property(name, text)
            _write_splits(anomalies, ANOMALIES_FILE, splits)
            # What was compared, beside the findings (a first span has none).
            io_utils.write_string_file(
                os.path.join(anomalies.uri, CHECKS_FILE), json.dumps(checks, indent=2)
            )
            results.append(anomalies)
        publish(output_dict, ANOMALIES_KEY, template, results)

    def _span_findings(self, span, statistics, known, history, schema, serving, out):
        """({check: what it compared}, {split: findings}) for one span;
        `out` is the folder of its anomalies artifact."""
        this = compared_statistics(statistics)
        checks, splits = {}, {}
        previous = previous_span(span, known)
        if previous is None:
            checks[SPAN_DRIFT_CHECK] = f"not checked: no span before {span.name}"
        else:
            splits[DRIFT_SPLIT], count = _compared(this, previous, schema)
            checks[SPAN_DRIFT_CHECK] = (
                f"span {span.name} ({_count(this)} train examples) against span "
                f"{span_of(previous).name} ({count})"
            )
        replaced = replaced_version(span, history)
        if replaced is None:
            checks[RESTATEMENT_CHECK] = "not checked: first version of the span"
        else:
            splits[RESTATEMENT_SPLIT], count = _compared(this, replaced, schema)
            checks[RESTATEMENT_CHECK] = (
                f"span {span.name} version {span.version} ({_count(this)} examples) against "
                f"version {span_of(replaced).version} ({count})"
            )
        if serving:
            served = self._serving_statistics(
                artifact_utils.get_single_instance(serving),
                os.path.join(out, SERVING_STATISTICS_FILE),
            )
            splits.update(serving_checks(this, served, schema))
            checks[SERVING_SKEW_CHECK] = (
                f"span {span.name} against a serving sample of {_count(served)} requests"
            )
        else:
            checks[SERVING_SKEW_CHECK] = "not checked: no serving sample given"
        return checks, splits


def _compared(this, other: types.Artifact, schema):
    """(drift findings of `this` against `other`'s statistics, their examples)."""
    statistics = compared_statistics(other)
    return drift(this, statistics, schema), _count(statistics)


def _write_splits(artifact: types.Artifact, file_name: str, messages: Dict[str, Any]) -> None:
    """One message per split folder of a multi-split artifact, as TFX lays them
    out; the artifact's folder exists even when it has no split."""
    fileio.makedirs(artifact.uri)
    artifact.split_names = artifact_utils.encode_split_names(sorted(messages))
    for split, message in messages.items():
        io_utils.write_bytes_file(
            os.path.join(artifact_utils.get_split_uri([artifact], split), file_name),
            message.SerializeToString(),
        )


def _count(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> int:
    return statistics.datasets[0].num_examples
