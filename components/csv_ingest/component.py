"""QuarantiningCsvExampleGen: CsvExampleGen with spec-typed columns and a
quarantine artifact for unparsable rows."""

from __future__ import annotations

from typing import Optional

from tfx import types
from tfx.components.example_gen import utils
from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.proto import example_gen_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.csv_ingest import executor
from components.spans import driver


class QuarantinedRows(types.Artifact):
    """CSV rows that could not be parsed, as file,line,problem,record."""

    # Also the class's import path, which Kubeflow tasks rebuild it from
    # (see components/__init__.py).
    TYPE_NAME = "components.QuarantinedRows"


class QuarantiningCsvExampleGenSpec(standard_component_specs.FileBasedExampleGenSpec):
    PARAMETERS = {
        **standard_component_specs.FileBasedExampleGenSpec.PARAMETERS,
        executor.MAX_QUARANTINED_FRACTION_KEY: ExecutionParameter(type=float),
    }
    OUTPUTS = {
        **standard_component_specs.FileBasedExampleGenSpec.OUTPUTS,
        executor.QUARANTINE_KEY: ChannelParameter(type=QuarantinedRows),
    }


class QuarantiningCsvExampleGen(FileBasedExampleGen):
    """Reads CSVs like CsvExampleGen (same driver, spans and splits), but
    types every column by the feature spec and quarantines unparsable rows,
    failing the run when they are more than `max_quarantined_fraction`."""

    SPEC_CLASS = QuarantiningCsvExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(
        self,
        input_base,
        input_config: example_gen_pb2.Input,
        output_config: Optional[example_gen_pb2.Output] = None,
        max_quarantined_fraction: float = 0.0,
    ):
        if not 0.0 <= max_quarantined_fraction < 1.0:
            raise ValueError(
                f"max_quarantined_fraction must be in [0, 1), got {max_quarantined_fraction}"
            )
        spec = QuarantiningCsvExampleGenSpec(
            input_base=input_base,
            input_config=input_config,
            output_config=(
                output_config
                if output_config is not None
                else utils.make_default_output_config(input_config)
            ),
            custom_config=None,
            range_config=None,
            output_data_format=example_gen_pb2.FORMAT_TF_EXAMPLE,
            output_file_format=example_gen_pb2.FORMAT_TFRECORDS_GZIP,
            max_quarantined_fraction=max_quarantined_fraction,
            examples=types.Channel(type=standard_artifacts.Examples),
            quarantine=types.Channel(type=QuarantinedRows),
        )
        # FileBasedExampleGen.__init__ would build its own spec, without ours.
        base_beam_component.BaseBeamComponent.__init__(self, spec=spec)


class SpanCsvExampleGenSpec(ComponentSpec):
    PARAMETERS = {
        standard_component_specs.INPUT_BASE_KEY: ExecutionParameter(type=str),
        standard_component_specs.OUTPUT_CONFIG_KEY: ExecutionParameter(type=example_gen_pb2.Output),
        standard_component_specs.OUTPUT_DATA_FORMAT_KEY: ExecutionParameter(type=int),
        standard_component_specs.OUTPUT_FILE_FORMAT_KEY: ExecutionParameter(type=int),
        executor.MAX_QUARANTINED_FRACTION_KEY: ExecutionParameter(type=float),
        executor.NUM_SPANS_KEY: ExecutionParameter(type=int, optional=True),
        # Set by the driver.
        driver.WINDOW_KEY: ExecutionParameter(type=str, optional=True),
        driver.TO_INGEST_KEY: ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {}
    OUTPUTS = QuarantiningCsvExampleGenSpec.OUTPUTS


class SpanCsvExampleGen(base_beam_component.BaseBeamComponent):
    """Ingests each quarter folder of `input_base` (`2014-04-01/trips.csv`)
    into its own examples artifact, typed and quarantined as
    QuarantiningCsvExampleGen does. A run ingests only the spans of the
    window (the newest `num_spans`, or all) that are new or changed; rows
    outside their span's quarter are quarantined."""

    SPEC_CLASS = SpanCsvExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.SpanExecutor)
    DRIVER_CLASS = executor.Driver

    def __init__(
        self,
        input_base,
        output_config: example_gen_pb2.Output,
        max_quarantined_fraction: float = 0.0,
        num_spans: Optional[int] = None,
    ):
        if not 0.0 <= max_quarantined_fraction < 1.0:
            raise ValueError(
                f"max_quarantined_fraction must be in [0, 1), got {max_quarantined_fraction}"
            )
        super().__init__(
            spec=SpanCsvExampleGenSpec(
                input_base=input_base,
                output_config=output_config,
                output_data_format=example_gen_pb2.FORMAT_TF_EXAMPLE,
                output_file_format=example_gen_pb2.FORMAT_TFRECORDS_GZIP,
                max_quarantined_fraction=max_quarantined_fraction,
                num_spans=num_spans,
                examples=types.Channel(type=standard_artifacts.Examples),
                quarantine=types.Channel(type=QuarantinedRows),
            )
        )
