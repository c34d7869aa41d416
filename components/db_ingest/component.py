"""DatabaseExampleGen: a SQL query to tf.Examples, one artifact per span."""

from __future__ import annotations

from typing import Optional

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.proto import example_gen_pb2, range_config_pb2
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ComponentSpec, ExecutionParameter

from components.database import span_query
from components.database.connection import parse_url
from components.db_ingest import executor
from components.spans import driver


class DatabaseExampleGenSpec(ComponentSpec):
    PARAMETERS = {
        **standard_component_specs.QueryBasedExampleGenSpec.PARAMETERS,
        # The database URL, never with a password.
        standard_component_specs.INPUT_BASE_KEY: ExecutionParameter(type=str),
        executor.KEY_COLUMN_KEY: ExecutionParameter(type=str),
        executor.READ_PARTITIONS_KEY: ExecutionParameter(type=int),
        # Set by the driver.
        driver.WINDOW_KEY: ExecutionParameter(type=str, optional=True),
        driver.TO_INGEST_KEY: ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {}
    OUTPUTS = standard_component_specs.QueryBasedExampleGenSpec.OUTPUTS


class DatabaseExampleGen(base_beam_component.BaseBeamComponent):
    """Ingests a SQL query from SQLite or PostgreSQL, one examples artifact
    per span (calendar quarter), only the new or changed ones in a run.

    `query` holds `{span_begin}` and `{span_end}` (Unix seconds). By default
    the window is every quarter that has rows; `num_spans` keeps only the
    newest N (TFX's RangeConfig.rolling_range). Output splits are hash
    buckets, as for the CSV source.
    """

    SPEC_CLASS = DatabaseExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)
    DRIVER_CLASS = executor.Driver

    def __init__(
        self,
        database_url: str,
        query: str,
        output_config: example_gen_pb2.Output,
        key_column: str = span_query.KEY_COLUMN,
        read_partitions: int = 4,
        num_spans: Optional[int] = None,
    ):
        parse_url(database_url)  # Refuses a URL with a password, early.
        span_query.check_template(query)
        if read_partitions < 1:
            raise ValueError(f"read_partitions must be at least 1, got {read_partitions}")
        range_config = None
        if num_spans is not None:
            range_config = range_config_pb2.RangeConfig(
                rolling_range=range_config_pb2.RollingRange(num_spans=num_spans)
            )
        input_config = example_gen_pb2.Input(
            splits=[example_gen_pb2.Input.Split(name="all", pattern=query)]
        )
        super().__init__(
            spec=DatabaseExampleGenSpec(
                input_base=database_url,
                input_config=input_config,
                output_config=output_config,
                range_config=range_config,
                custom_config=None,
                key_column=key_column,
                read_partitions=read_partitions,
                output_data_format=example_gen_pb2.FORMAT_TF_EXAMPLE,
                output_file_format=example_gen_pb2.FORMAT_TFRECORDS_GZIP,
                examples=types.Channel(type=standard_artifacts.Examples),
            )
        )
