"""DriftSkewCheck executor: TFDV's drift and skew comparators, which
ExampleValidator never runs.

One Beam pass computes statistics per span (the quarter of each trip's start,
which is also how the data folders are named) over every split, plus the
serving sample's statistics when one is given. Then, with the thresholds the
curated schema's `drift_comparator`, `skew_comparator` and
`num_examples_drift_comparator` set:

- span_drift: the newest span against the one before it;
- serving_sample: the serving sample against the schema's SERVING environment;
- serving_skew: all training data against the serving sample.

Each becomes a split of an ExampleAnomalies artifact that AnomalyGate reads
like ExampleValidator's.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
import numpy as np
import pyarrow as pa
from tensorflow_metadata.proto.v0 import anomalies_pb2, schema_pb2, statistics_pb2
from tfx import types
from tfx.components.util import tfxio_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components import features
from components.artifact_files import ANOMALIES_FILE, STATISTICS_FILE
from components.drift_skew.outputs import (
    DRIFT_SPLIT,
    SERVING_SCHEMA_SPLIT,
    SERVING_SKEW_CHECK,
    SKEW_SPLIT,
    SPAN_DRIFT_CHECK,
)
from components.rows.spans import quarter_starts

EXAMPLES_KEY = "examples"
SCHEMA_KEY = "schema"
SERVING_EXAMPLES_KEY = "serving_examples"
SPAN_STATISTICS_KEY = "span_statistics"
ANOMALIES_KEY = "anomalies"

# TFDV's slice holding every example.
ALL_EXAMPLES = "All Examples"

# What the comparators report; everything else is ExampleValidator's job.
COMPARATOR_TYPES = frozenset(
    anomalies_pb2.AnomalyInfo.Type.Value(name)
    for name in anomalies_pb2.AnomalyInfo.Type.keys()
    if name.startswith("COMPARATOR_") and name.endswith(("_HIGH", "_NUM_EXAMPLES"))
)


def slice_by_span(record_batch: pa.RecordBatch) -> Iterable[Tuple[str, pa.RecordBatch]]:
    """TFDV slice function: the rows of each quarter, keyed 'YYYY-MM-DD'.

    Rows without a start time belong to no span; ExampleValidator reports
    them against the schema.
    """
    index = record_batch.schema.get_field_index(features.START_TIME)
    if index < 0:
        return
    column = record_batch.column(index)
    lengths = np.asarray(pa.compute.list_value_length(column).fill_null(0))
    rows = np.flatnonzero(lengths == 1)
    # Offsets of single-value rows point at their value in the flat array.
    starts = np.asarray(column.offsets)[rows]
    values = np.asarray(column.values.fill_null(0))[starts]
    spans = quarter_starts(values)
    for span in np.unique(spans):
        yield str(span), record_batch.take(pa.array(rows[spans == span]))


def _single(
    statistics: statistics_pb2.DatasetFeatureStatisticsList, name: str
) -> statistics_pb2.DatasetFeatureStatisticsList:
    [dataset] = [d for d in statistics.datasets if d.name == name]
    return statistics_pb2.DatasetFeatureStatisticsList(datasets=[dataset])


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


def span_drift(
    by_span: Dict[str, statistics_pb2.DatasetFeatureStatisticsList], schema: schema_pb2.Schema
) -> Optional[Tuple[str, str, anomalies_pb2.Anomalies]]:
    """(previous span, newest span, drift findings); None with under two spans."""
    import tensorflow_data_validation as tfdv

    if len(by_span) < 2:
        return None
    previous, current = sorted(by_span)[-2:]
    anomalies = tfdv.validate_statistics(
        by_span[current], schema, environment="TRAINING", previous_statistics=by_span[previous]
    )
    return previous, current, comparator_findings(anomalies)


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


class Executor(base_beam_executor.BaseBeamExecutor):
    """Writes per-span statistics and the drift/skew anomalies."""

    def _statistics(
        self, jobs: Dict[str, Tuple[types.Artifact, List, str]]
    ) -> Dict[str, statistics_pb2.DatasetFeatureStatisticsList]:
        """Statistics of every split of each job's examples, in one Beam
        pipeline; `jobs` maps a name to (examples, slice functions, output file)."""
        import tensorflow_data_validation as tfdv

        with self._make_beam_pipeline() as pipeline:
            for name, (examples, slice_functions, output) in jobs.items():
                factory = tfxio_utils.get_tfxio_factory_from_artifact(
                    examples=[examples], telemetry_descriptors=["DriftSkewCheck"]
                )
                splits = artifact_utils.decode_split_names(examples.split_names)
                batches = [
                    pipeline
                    | f"Read[{name}][{split}]"
                    >> factory(
                        io_utils.all_files_pattern(artifact_utils.get_split_uri([examples], split))
                    ).BeamSource()
                    for split in splits
                ]
                _ = (
                    batches
                    | f"Flatten[{name}]" >> beam.Flatten()
                    | f"Statistics[{name}]"
                    >> tfdv.GenerateStatistics(
                        tfdv.StatsOptions(experimental_slice_functions=slice_functions or None)
                    )
                    | f"Write[{name}]" >> tfdv.WriteStatisticsToBinaryFile(output)
                )
        return {name: tfdv.load_stats_binary(output) for name, (_, _, output) in jobs.items()}

    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        examples = artifact_utils.get_single_instance(input_dict[EXAMPLES_KEY])
        schema = io_utils.SchemaReader().read(
            io_utils.get_only_uri_in_dir(artifact_utils.get_single_uri(input_dict[SCHEMA_KEY]))
        )
        serving = input_dict.get(SERVING_EXAMPLES_KEY) or []
        span_statistics = artifact_utils.get_single_instance(output_dict[SPAN_STATISTICS_KEY])
        anomalies_artifact = artifact_utils.get_single_instance(output_dict[ANOMALIES_KEY])

        jobs = {
            "spans": (examples, [slice_by_span], os.path.join(span_statistics.uri, "all_slices.pb"))
        }
        if serving:
            jobs["serving"] = (
                artifact_utils.get_single_instance(serving),
                [],
                os.path.join(anomalies_artifact.uri, "serving_statistics.pb"),
            )
        statistics = self._statistics(jobs)
        sliced = statistics["spans"]
        by_span = {
            d.name: _single(sliced, d.name) for d in sliced.datasets if d.name != ALL_EXAMPLES
        }
        _write_splits(span_statistics, STATISTICS_FILE, by_span)

        findings: Dict[str, anomalies_pb2.Anomalies] = {}
        drift = span_drift(by_span, schema)
        anomalies_artifact.set_string_custom_property(
            SPAN_DRIFT_CHECK, _drift_compared(drift, by_span)
        )
        if drift:
            findings[DRIFT_SPLIT] = drift[2]
        if serving:
            findings.update(
                serving_checks(_single(sliced, ALL_EXAMPLES), statistics["serving"], schema)
            )
            compared = (
                f"training against a serving sample of {_count(statistics['serving'])} requests"
            )
        else:
            compared = "not checked: no serving sample given"
        anomalies_artifact.set_string_custom_property(SERVING_SKEW_CHECK, compared)
        _write_splits(anomalies_artifact, ANOMALIES_FILE, findings)


def _drift_compared(drift, by_span) -> str:
    """What the span drift check compared, as the gate records it."""
    if not drift:
        return f"not checked: {len(by_span)} span(s) in the data"
    previous, current, _ = drift
    return (
        f"span {current} ({_count(by_span[current])} examples) "
        f"against span {previous} ({_count(by_span[previous])})"
    )


def _write_splits(artifact: types.Artifact, file_name: str, messages: Dict[str, Any]) -> None:
    """One message per split folder of a multi-split artifact, as TFX lays them out."""
    artifact.split_names = artifact_utils.encode_split_names(sorted(messages))
    for split, message in messages.items():
        io_utils.write_bytes_file(
            os.path.join(artifact_utils.get_split_uri([artifact], split), file_name),
            message.SerializeToString(),
        )


def _count(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> int:
    return statistics.datasets[0].num_examples
