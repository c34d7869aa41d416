"""ExampleGen's Do without the Reshuffle that holds every example in memory.

TFX's `write_split.WriteSplit` puts a `beam.Reshuffle()` before writing each
split. On the DirectRunner that is a GroupByKey the runner keeps in memory,
so ExampleGen's peak memory grows with the data (3.4 GB at 1M rows), and the
order it writes is the input order anyway. Here each split is serialized and
written as it streams from the reader; the Trainer's input pipeline shuffles.
Everything else is BaseExampleGenExecutor.Do: the same splits, split names,
file names and artifact properties.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Tuple

import apache_beam as beam
from absl import logging
from tfx import types
from tfx.components.example_gen import utils, write_split
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.components.util import examples_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import proto_utils

from components.spans.driver import TO_INGEST_KEY
from components.spans.manifest import publish
from components.spans.per_span import span_outputs
from components.spans.record import NAME_PROPERTY as SPAN_LABEL_PROPERTY
from components.spans.record import Span, from_json


@beam.ptransform_fn
def _WriteSplit(examples: beam.pvalue.PCollection, split_uri: str) -> beam.pvalue.PDone:
    return (
        examples
        | "Serialize" >> beam.ParDo(write_split.MaybeSerialize())
        | "Write"
        >> beam.io.WriteToTFRecord(
            os.path.join(split_uri, write_split.DEFAULT_FILE_NAME), file_name_suffix=".gz"
        )
    )


@beam.ptransform_fn
def _ExamplesOf(root, executor, exec_properties: Dict[str, Any], artifact) -> beam.pvalue.PDone:
    """Generates the examples of one input configuration and writes them into
    `artifact`'s splits; one of these per span shares a Beam pipeline."""
    for split_name, examples in executor.GenerateExamplesByBeam(root, exec_properties).items():
        _ = examples | f"WriteSplit[{split_name}]" >> _WriteSplit(
            artifact_utils.get_split_uri([artifact], split_name)
        )
    return beam.pvalue.PDone(root.pipeline)


def split_names(exec_properties: Dict[str, Any]) -> List[str]:
    """The output splits ExampleGen writes for these properties."""
    input_config = example_gen_pb2.Input()
    proto_utils.json_to_proto(
        exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config
    )
    output_config = example_gen_pb2.Output()
    proto_utils.json_to_proto(
        exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], output_config
    )
    return utils.generate_output_split_names(input_config, output_config)


# The span a job reads, handed to the source's Beam transform.
SPAN_KEY = "_span"


def spans_to_ingest(exec_properties: Dict[str, Any], list_spans) -> List[Span]:
    """The spans the driver chose, or, where no driver ran (Kubeflow), every
    span of the window as `list_spans(exec_properties)` lists it."""
    chosen = exec_properties.get(TO_INGEST_KEY)
    return list_spans(exec_properties) if chosen is None else from_json(chosen)


class StreamingExampleGenExecutor(BaseExampleGenExecutor):
    """Writes gzipped TFRecords of tf.Examples, streaming (see the module doc)."""

    def write_spans(
        self,
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
        spans: List[Span],
        input_config: Callable[[Span], str],
    ) -> None:
        """One examples artifact per span, all written by one Beam pipeline;
        `input_config(span)` is the JSON input configuration reading it."""
        key = standard_component_specs.EXAMPLES_KEY
        [template] = output_dict[key]
        artifacts = [span_outputs({key: template}, span)[key][0] for span in spans]
        jobs = [
            (
                {
                    **exec_properties,
                    standard_component_specs.INPUT_CONFIG_KEY: input_config(span),
                    SPAN_KEY: span,
                },
                artifact,
            )
            for span, artifact in zip(spans, artifacts)
        ]
        if jobs:
            self.write_examples(jobs)
        self.set_formats(artifacts, exec_properties)
        publish(output_dict, key, template, artifacts)

    def write_examples(self, jobs: List[Tuple[Dict[str, Any], types.Artifact]]) -> None:
        """One Beam pipeline writing each (exec_properties, artifact) job."""
        with self._make_beam_pipeline() as pipeline:
            self.read_shared(pipeline, jobs)
            for index, (exec_properties, artifact) in enumerate(jobs):
                artifact.split_names = artifact_utils.encode_split_names(
                    split_names(exec_properties)
                )
                label = artifact.get_string_custom_property(SPAN_LABEL_PROPERTY) or str(index)
                _ = pipeline | f"Examples[{label}]" >> _ExamplesOf(self, exec_properties, artifact)

    def read_shared(self, pipeline: beam.Pipeline, jobs) -> None:
        """Reads what the jobs share, before their examples are generated;
        by default each job reads its own input."""

    def set_formats(self, artifacts: List[types.Artifact], exec_properties: Dict[str, Any]):
        """Downstream components read the payload and file format from these."""
        payload_format = exec_properties.get(standard_component_specs.OUTPUT_DATA_FORMAT_KEY)
        file_format = exec_properties.get(standard_component_specs.OUTPUT_FILE_FORMAT_KEY)
        for artifact in artifacts:
            if payload_format:
                examples_utils.set_payload_format(artifact, payload_format)
            if file_format:
                examples_utils.set_file_format(
                    artifact, write_split.to_file_format_str(file_format)
                )

    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        outputs = output_dict[standard_component_specs.EXAMPLES_KEY]
        logging.info("Generating examples.")
        self.write_examples([(exec_properties, artifact_utils.get_single_instance(outputs))])
        self.set_formats(outputs, exec_properties)
        logging.info("Examples generated.")
