"""StatisticsGen's, ExampleValidator's and SchemaGen's executors, per span.

Statistics are computed for a batch of spans in one Beam pipeline, as one
TFDV computation sliced by span and split. Computed apart, each span and
split is a TFDV graph of its own, whose fixed cost (building it, pickling
its functions, running its two dozen stages) outweighs a quarter's data: 16
quarters of the bundled trips took 49.5 s that way, 16.4 s sliced, with
equal statistics. `SPANS_PER_PIPELINE` spans a pipeline keeps memory flat
in the history: every slice's accumulators are alive at once.
"""

from __future__ import annotations

import os
from typing import List, Sequence, Tuple

import apache_beam as beam
from tensorflow_data_validation.statistics import stats_impl, stats_options
from tensorflow_metadata.proto.v0 import statistics_pb2
from tfx.components.example_validator import executor as example_validator
from tfx.components.schema_gen import executor as schema_gen
from tfx.components.statistics_gen import executor as statistics_gen
from tfx.components.util import tfxio_utils
from tfx.dsl.io import fileio
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import json_utils
from tfx_bsl.tfxio import dataset_options

from components.artifact_files import STATISTICS_FILE, split_dir
from components.spans.manifest import expand_inputs, publish
from components.spans.per_span import per_span, span_outputs
from components.spans.record import span_of

SPANS_PER_PIPELINE = 4
# Examples per record batch: the most Beam's adaptive batching gives TFX's
# StatisticsGen (tfx_bsl's batch_util).
BATCH_SIZE = 1000
_EXAMPLES = standard_component_specs.EXAMPLES_KEY
_STATISTICS = standard_component_specs.STATISTICS_KEY
# StatisticsGen's properties this executor has no use for: the component
# sets none of them, and one set by hand is refused rather than ignored.
_UNSUPPORTED = (
    standard_component_specs.STATS_OPTIONS_JSON_KEY,
    standard_component_specs.SAMPLE_RATE_BY_SPLIT_KEY,
    standard_component_specs.SHARDED_STATS_OUTPUT_KEY,
)

# (examples artifact, split, the split's statistics folder)
_Job = Tuple[object, str, str]


class _ReadSplits(beam.DoFn):
    """(TFXIO of a split, its statistics folder) -> (folder, record batch).

    Every split of a pipeline's spans is read by this one transform rather
    than a source each joined by a Flatten, which Beam's DirectRunner holds
    in memory whole (see components/spans/joined.py).
    """

    def process(self, job):
        tfxio, folder = job
        options = dataset_options.RecordBatchesOptions(
            batch_size=BATCH_SIZE, num_epochs=1, shuffle=False
        )
        for batch in tfxio.RecordBatches(options):
            yield folder, batch


def _write(statistics: statistics_pb2.DatasetFeatureStatisticsList, folders: Sequence[str]):
    """Each slice's statistics into its folder, as TFX's StatisticsGen writes
    one split's; a folder with no slice (an empty split) gets TFDV's
    placeholder, one empty dataset."""
    by_folder = {dataset.name: dataset for dataset in statistics.datasets}
    for folder in folders:
        dataset = statistics_pb2.DatasetFeatureStatistics()
        if folder in by_folder:
            dataset.CopyFrom(by_folder[folder])
            dataset.ClearField("name")
        fileio.makedirs(folder)
        with fileio.open(os.path.join(folder, STATISTICS_FILE), "wb") as handle:
            handle.write(
                statistics_pb2.DatasetFeatureStatisticsList(datasets=[dataset]).SerializeToString()
            )


@beam.ptransform_fn
def _SlicedStatistics(root: beam.pvalue.PBegin, jobs: List[_Job]) -> beam.pvalue.PDone:
    """One TFDV computation over every job's split, sliced by its folder."""
    splits = [
        (
            tfxio_utils.get_split_tfxio(
                examples=[examples], split=split, telemetry_descriptors=["SpanStatisticsGen"]
            ),
            folder,
        )
        for examples, split, folder in jobs
    ]
    folders = [folder for _, _, folder in jobs]
    _ = (
        root
        | "Splits" >> beam.Create(splits)
        | "ReadSplits" >> beam.ParDo(_ReadSplits())
        | "GenerateStatistics"
        >> stats_impl.GenerateSlicedStatisticsImpl(
            stats_options.StatsOptions(), is_slicing_enabled=True
        )
        | "WriteStatistics" >> beam.Map(_write, folders)
    )
    return beam.pvalue.PDone(root.pipeline)


def _statistics_of(examples, template, excluded: Sequence[str]) -> Tuple[object, List[_Job]]:
    """The statistics artifact of one span's examples, and its splits' jobs."""
    [statistics] = span_outputs({_STATISTICS: template}, span_of(examples))[_STATISTICS]
    splits = [
        split
        for split in artifact_utils.decode_split_names(examples.split_names)
        if split not in excluded
    ]
    statistics.split_names = artifact_utils.encode_split_names(splits)
    statistics.span = examples.span
    return statistics, [(examples, s, os.path.join(statistics.uri, split_dir(s))) for s in splits]


class StatisticsExecutor(statistics_gen.Executor):
    """Statistics of each span's splits, `SPANS_PER_PIPELINE` spans to a
    Beam pipeline; one statistics artifact per span, tagged with it."""

    def Do(self, input_dict, output_dict, exec_properties) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        unsupported = [key for key in _UNSUPPORTED if exec_properties.get(key)]
        if unsupported or input_dict.get(standard_component_specs.SCHEMA_KEY):
            raise ValueError(
                f"SpanStatisticsGen computes TFDV's default statistics; it "
                f"takes no {', '.join(unsupported) or 'schema'}"
            )
        excluded = json_utils.loads(
            exec_properties.get(standard_component_specs.EXCLUDE_SPLITS_KEY) or "[]"
        )
        template = output_dict[_STATISTICS][0]
        spans = sorted(expand_inputs(input_dict, _EXAMPLES)[_EXAMPLES], key=span_of)
        outputs = [_statistics_of(examples, template, excluded) for examples in spans]
        for start in range(0, len(outputs), SPANS_PER_PIPELINE):
            jobs = [
                job
                for _, span_jobs in outputs[start : start + SPANS_PER_PIPELINE]
                for job in span_jobs
            ]
            if jobs:
                with self._make_beam_pipeline() as pipeline:
                    _ = pipeline | "Statistics" >> _SlicedStatistics(jobs)
        publish(output_dict, _STATISTICS, template, [statistics for statistics, _ in outputs])


class ValidatorExecutor(
    per_span(example_validator.Executor, standard_component_specs.STATISTICS_KEY)
):
    """Each span's statistics against the schema."""


class SchemaExecutor(per_span(schema_gen.Executor, standard_component_specs.STATISTICS_KEY)):
    """A schema inferred from each span's statistics, for review."""
