"""DatabaseExampleGen executor and driver: a span query to tf.Examples.

The driver (local runs) picks the span window and fingerprints it in the
database, so an unchanged window is taken from cache and new rows re-ingest.
The executor checks the query's columns against the feature spec, then reads
it in parallel: one Beam element per key range, each on its own connection.
Columns are typed by the feature spec exactly as the CSV source types them,
so both give the same examples for the same rows.

Everything that can fail on the database (unreachable, refused credentials,
missing table, failing query, no rows) fails before the Beam job starts,
so nothing is written.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen import driver as example_gen_driver
from tfx.components.example_gen import utils
from tfx.proto import example_gen_pb2, range_config_pb2
from tfx.types import standard_component_specs
from tfx.utils import proto_utils

from components.database import reads, span_query
from components.database.connection import Database, parse_url
from components.rows.example_writing import StreamingExampleGenExecutor
from components.rows.spans import quarter_name

KEY_COLUMN_KEY = "key_column"
READ_PARTITIONS_KEY = "read_partitions"


def _window(database: Database, template: str, exec_properties: Dict[str, Any]) -> Tuple[int, int]:
    """Every quarter with rows, or the newest N (RangeConfig.rolling_range)."""
    text = exec_properties.get(standard_component_specs.RANGE_CONFIG_KEY)
    num_spans = (
        proto_utils.json_to_proto(text, range_config_pb2.RangeConfig()).rolling_range.num_spans
        if text
        else None
    )
    return span_query.resolve_window(database, template, num_spans)


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def _QueryToExample(
    pipeline: beam.Pipeline, exec_properties: Dict[str, Any], split_pattern: str
) -> beam.pvalue.PCollection:
    database = parse_url(exec_properties[standard_component_specs.INPUT_BASE_KEY])
    query = split_pattern
    if not span_query.is_filled(query):  # No driver ran (e.g. Kubeflow).
        query = span_query.fill_spans(query, *_window(database, query, exec_properties))
    return (
        reads.read_query(
            pipeline,
            database,
            query,
            exec_properties[KEY_COLUMN_KEY],
            int(exec_properties[READ_PARTITIONS_KEY]),
        )
        | "DropKeys" >> beam.Values()
    )


class Executor(StreamingExampleGenExecutor):
    """Reads each input split's span query from the database."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return _QueryToExample


class Driver(example_gen_driver.Driver):
    """Fills the query with the span window and fingerprints the window's
    rows, so caching follows the database's contents."""

    def resolve_exec_properties(self, exec_properties, pipeline_info, component_info):
        del pipeline_info, component_info
        database = parse_url(exec_properties[standard_component_specs.INPUT_BASE_KEY])
        input_config = proto_utils.json_to_proto(
            exec_properties[standard_component_specs.INPUT_CONFIG_KEY], example_gen_pb2.Input()
        )
        key = exec_properties[KEY_COLUMN_KEY]
        fingerprints, windows = [], []
        for split in input_config.splits:
            first, last = _window(database, split.pattern, exec_properties)
            split.pattern = span_query.fill_spans(split.pattern, first, last)
            types = span_query.spec_types(database, split.pattern, key)
            sums = database.one_row(span_query.fingerprint_query(split.pattern, key, types))
            windows.append((first, last))
            fingerprints.append(
                f"split:{split.name},spans:{quarter_name(first)}..{quarter_name(last)},"
                f"sums:{','.join(map(str, sums))}"
            )
        exec_properties[standard_component_specs.INPUT_CONFIG_KEY] = proto_utils.proto_to_json(
            input_config
        )
        exec_properties[utils.SPAN_PROPERTY_NAME] = max(last for _, last in windows)
        exec_properties[utils.VERSION_PROPERTY_NAME] = None
        exec_properties[utils.FINGERPRINT_PROPERTY_NAME] = "\n".join(fingerprints)
        return exec_properties
