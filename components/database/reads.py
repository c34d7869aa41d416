"""Reading a query's rows in parallel with Beam: one element per key range,
each on its own connection, typed by the feature spec as the CSV source
types cells. DatabaseExampleGen and reverse ETL read this way.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Tuple

import apache_beam as beam
import tensorflow as tf

from components.database import span_query
from components.database.connection import Database, DatabaseError, parse_url
from components.features import RawType
from components.rows.examples import example, value_problem


class _ReadKeyRange(beam.DoFn):
    """One key range of the query, on a connection of its own:
    (key, tf.Example) per row."""

    def __init__(self, url: str, query: str, key: str, types: Dict[str, RawType]):
        self._url, self._query, self._key, self._types = url, query, key, types

    def process(self, key_range: Tuple[int, int]) -> Iterable[Tuple[Any, tf.train.Example]]:
        database = parse_url(self._url)
        columns, rows = database.rows(
            span_query.range_query(self._query, self._key, database.placeholder), key_range
        )
        key_index = columns.index(self._key)
        for row in rows:
            values = {name: value for name, value in zip(columns, row) if name != self._key}
            problems = [
                f"{name}={problem}"
                for name, value in values.items()
                if (problem := value_problem(self._types[name], value))
            ]
            if problems:
                raise ValueError(
                    f"{self._url}: row {self._key}={row[key_index]}: {'; '.join(problems)}"
                )
            yield row[key_index], example(self._types, values)


def read_query(
    pipeline: beam.Pipeline, database: Database, query: str, key: str, partitions: int
) -> beam.pvalue.PCollection:
    """(key, tf.Example) for every row of `query`, read in parallel key
    ranges. Checks the columns and that there are rows before any read."""
    types = span_query.spec_types(database, query, key)
    rows, low, high = database.one_row(span_query.key_extent_query(query, key))
    if not rows:
        raise DatabaseError(f"{database.url}: the query returned no rows\n  in: {query}")
    return (
        pipeline
        | "KeyRanges" >> beam.Create(span_query.key_ranges(int(low), int(high), partitions))
        # Spreads the ranges over the workers before the reads.
        | "Spread" >> beam.Reshuffle()
        | "Read" >> beam.ParDo(_ReadKeyRange(database.url, query, key, types))
    )
