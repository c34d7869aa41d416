"""DatabaseExampleGen executor and driver: a span query to tf.Examples.

Spans are quarters: each quarter's query becomes its own examples artifact.
The driver (local runs) fingerprints every quarter of the window in the
database and picks those that are new or changed (components/spans/driver.py);
an unchanged window comes from cache. The executor checks each query's
columns against the feature spec, then reads it in parallel: one Beam element
per key range, each on its own connection.
Columns are typed by the feature spec exactly as the CSV source types them,
so both give the same examples for the same rows.

Everything that can fail on the database (unreachable, refused credentials,
missing table, failing query, no rows) fails before the Beam job starts,
so nothing is written.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import apache_beam as beam
import tensorflow as tf
from tfx.proto import example_gen_pb2, range_config_pb2
from tfx.types import standard_component_specs
from tfx.utils import proto_utils

from components.database import reads, span_query
from components.database.connection import Database, parse_url
from components.rows.example_writing import StreamingExampleGenExecutor, spans_to_ingest
from components.spans.driver import span_driver
from components.spans.record import Span

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
    query = split_pattern  # One span's query (Executor.Do fills it).
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


def _template(exec_properties: Dict[str, Any]) -> str:
    input_config = proto_utils.json_to_proto(
        exec_properties[standard_component_specs.INPUT_CONFIG_KEY], example_gen_pb2.Input()
    )
    return input_config.splits[0].pattern


def database_spans(exec_properties: Dict[str, Any]) -> List[Span]:
    """Each quarter of the window that has rows, fingerprinted by sums over
    its rows (a cheap stand-in for a file's content hash)."""
    database = parse_url(exec_properties[standard_component_specs.INPUT_BASE_KEY])
    template = _template(exec_properties)
    key = exec_properties[KEY_COLUMN_KEY]
    first, last = _window(database, template, exec_properties)
    types = span_query.spec_types(database, span_query.fill_spans(template, first, last), key)
    spans = []
    for number in range(first, last + 1):
        query = span_query.fill_spans(template, number, number)
        sums = database.one_row(span_query.fingerprint_query(query, key, types))
        if sums[0]:
            spans.append(Span.of_number(number, ",".join(map(str, sums))))
    return spans


class Executor(StreamingExampleGenExecutor):
    """One examples artifact per span to ingest, each its span's query."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return _QueryToExample

    def Do(self, input_dict, output_dict, exec_properties) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        template = _template(exec_properties)

        def input_config(span: Span) -> str:
            query = span_query.fill_spans(template, span.number, span.number)
            return proto_utils.proto_to_json(
                example_gen_pb2.Input(
                    splits=[example_gen_pb2.Input.Split(name="all", pattern=query)]
                )
            )

        self.write_spans(
            output_dict,
            exec_properties,
            spans_to_ingest(exec_properties, database_spans),
            input_config,
        )


class Driver(span_driver(database_spans)):
    """Picks the spans to ingest (see components/spans/driver.py)."""
