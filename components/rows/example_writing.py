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
from typing import Any, Dict, List

import apache_beam as beam
from absl import logging
from tfx import types
from tfx.components.example_gen import utils, write_split
from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
from tfx.components.util import examples_utils
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import proto_utils


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


class StreamingExampleGenExecutor(BaseExampleGenExecutor):
    """Writes gzipped TFRecords of tf.Examples, streaming (see the module doc)."""

    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        input_config = example_gen_pb2.Input()
        proto_utils.json_to_proto(
            exec_properties[standard_component_specs.INPUT_CONFIG_KEY], input_config
        )
        output_config = example_gen_pb2.Output()
        proto_utils.json_to_proto(
            exec_properties[standard_component_specs.OUTPUT_CONFIG_KEY], output_config
        )
        outputs = output_dict[standard_component_specs.EXAMPLES_KEY]
        artifact_utils.get_single_instance(outputs).split_names = artifact_utils.encode_split_names(
            utils.generate_output_split_names(input_config, output_config)
        )
        logging.info("Generating examples.")
        with self._make_beam_pipeline() as pipeline:
            splits = self.GenerateExamplesByBeam(pipeline, exec_properties)
            for split_name, examples in splits.items():
                _ = examples | f"WriteSplit[{split_name}]" >> _WriteSplit(
                    artifact_utils.get_split_uri(outputs, split_name)
                )
        # Downstream components read the payload and file format from these.
        payload_format = exec_properties.get(standard_component_specs.OUTPUT_DATA_FORMAT_KEY)
        file_format = exec_properties.get(standard_component_specs.OUTPUT_FILE_FORMAT_KEY)
        for artifact in outputs:
            if payload_format:
                examples_utils.set_payload_format(artifact, payload_format)
            if file_format:
                examples_utils.set_file_format(
                    artifact, write_split.to_file_format_str(file_format)
                )
        logging.info("Examples generated.")
