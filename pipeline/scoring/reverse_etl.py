"""Reverse ETL: score trips with the pushed model, write the scores back.

`python -m pipeline predict --source SRC --to URL` reads trips from a CSV
file or folder, or from a database table, scores them with the newest model
Pusher put in the serving dir (its `serving_default` signature, the same one
TF Serving exposes), and upserts one row per trip into a table of the target
database: the trip key, the probability, the 0/1 decision, the model version
and when it was scored.

A trip's key is its `trip_id` where the source has one (the database tables
`load-db` writes do), otherwise a hash of its fields: the same trip read
twice gets the same key. Scores go to a staging table first and are merged
into the target in one transaction at the end, so a failed job changes
nothing and a re-run replaces rows instead of adding them.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import uuid
from pathlib import Path
from typing import Any, Iterable, List, Sequence, Tuple

from components.database import span_query
from components.database.connection import Database, parse_url, quote_identifier
from components.features import RawType
from components.locations import is_uri
from components.rows.csv_records import checked_rows, column_types, typed_values
from components.trainer.contract import PROBABILITY_OUTPUT
from pipeline.scoring.model import (
    BATCH,
    DECISION,
    MODEL_VERSION,
    LoadedModel,
    Model,
    PredictError,
    decision,
)
from pipeline.scoring.sources import csv_files, csv_header

TABLE = "trip_predictions"
KEY = "trip_key"
COLUMNS = (PROBABILITY_OUTPUT, DECISION, MODEL_VERSION, "scored_at")
DEFAULT_SOURCE_QUERY = f"SELECT * FROM {span_query.TABLE}"


def _row_key(fields: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()[:32]


def _csv_rows(path: Path) -> Iterable[Tuple[str, Any]]:
    """(key, tf.Example) per row; PredictError names the first bad line."""
    from components.rows.examples import example

    header = csv_header(path)
    types = column_types([name for name in header if name != span_query.KEY_COLUMN])
    typed = {**types, span_query.KEY_COLUMN: RawType.BYTES}
    try:
        for _, fields in checked_rows(path, header, typed):
            values = typed_values(header, typed, fields)
            key = values.pop(span_query.KEY_COLUMN, None) or _row_key(fields)
            yield key, example(types, values)
    except ValueError as error:
        raise PredictError(str(error)) from None


def _one_row_per_key(key_and_examples) -> Tuple[str, bytes]:
    key, examples = key_and_examples
    distinct = set(examples)
    if len(distinct) > 1:
        raise PredictError(f"trip key {key!r} names {len(distinct)} different rows")
    return key, distinct.pop()


class _Score:
    """Batches of (key, serialized example) to (key, probability)."""

    def __init__(self, model_path: str):
        self._model_path = model_path
        self._model = None

    def __call__(self, batch: List[Tuple[str, bytes]]) -> List[Tuple[str, float]]:
        if self._model is None:  # Once per worker, not in the pickled callable.
            self._model = LoadedModel(Path(self._model_path))
        probabilities = self._model.predict_serialized([example for _, example in batch])
        return [(key, p) for (key, _), p in zip(batch, probabilities)]


class _WriteStaging:
    """Upserts a batch of scores into the staging table (retries are safe)."""

    def __init__(self, url: str, table: str, model_version: str, scored_at: str):
        self._url, self._table = url, table
        self._model_version, self._scored_at = model_version, scored_at

    def __call__(self, batch: List[Tuple[str, float]]) -> None:
        database = parse_url(self._url)
        connection = database.connect()
        try:
            database.upsert(
                connection,
                self._table,
                KEY,
                COLUMNS,
                [(key, p, decision(p), self._model_version, self._scored_at) for key, p in batch],
            )
            connection.commit()
        finally:
            connection.close()


def _create_table(target: Database, connection, table: str) -> None:
    target.create_table(
        connection,
        table,
        KEY,
        "TEXT",
        [
            (PROBABILITY_OUTPUT, target.sql_type(RawType.FLOAT)),
            (DECISION, target.sql_type(RawType.INT)),
            (MODEL_VERSION, "TEXT"),
            ("scored_at", target.timestamp_type),
        ],
    )


def _create_staging(target: Database, staging: str) -> None:
    connection = target.connect(must_exist=False)
    try:
        _create_table(target, connection, staging)
        connection.commit()
    finally:
        connection.close()


def _drop(target: Database, table: str) -> None:
    connection = target.connect()
    try:
        target.execute(connection, f"DROP TABLE IF EXISTS {quote_identifier(table)}")
        connection.commit()
    finally:
        connection.close()


def _merge(target: Database, staging: str, table: str) -> Tuple[int, int]:
    """Moves the staged scores into `table` (created if need be) in one
    transaction; returns (rows scored, rows now in the table)."""
    connection = target.connect()
    try:
        count = "SELECT COUNT(*) FROM {}"
        [scored] = target.execute(connection, count.format(quote_identifier(staging))).fetchone()
        _create_table(target, connection, table)
        target.merge(connection, staging, table, KEY, COLUMNS)
        target.execute(connection, f"DROP TABLE {quote_identifier(staging)}")
        [rows] = target.execute(connection, count.format(quote_identifier(table))).fetchone()
        connection.commit()
    finally:
        connection.close()
    return scored, rows


@dataclasses.dataclass(frozen=True)
class Outcome:
    scored: int
    rows_in_table: int
    table: str


def predict(
    source: str,
    target_url: str,
    model: Model,
    table: str = TABLE,
    source_query: str = DEFAULT_SOURCE_QUERY,
    read_partitions: int = 4,
    beam_args: Sequence[str] = (),
) -> Outcome:
    """Scores every trip of `source` and upserts the scores into `table`."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from components.database.reads import read_query

    target = parse_url(target_url)
    if is_uri(source):
        database = parse_url(source)
        # Checks the source before anything is created in the target.
        span_query.spec_types(database, source_query, span_query.KEY_COLUMN)
    else:
        files = csv_files(Path(source))
        for path in files:
            csv_header(path)
    staging = f"{table}__staging_{uuid.uuid4().hex[:12]}"
    scored_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    _create_staging(target, staging)
    try:
        with beam.Pipeline(options=PipelineOptions(list(beam_args))) as pipeline:
            if is_uri(source):
                rows = read_query(
                    pipeline, database, source_query, span_query.KEY_COLUMN, read_partitions
                )
            else:
                rows = (
                    pipeline
                    | "Files" >> beam.Create([str(p) for p in files])
                    | "ReadCsv" >> beam.FlatMap(lambda p: _csv_rows(Path(p)))
                )
            _ = (
                rows
                | "Serialize"
                >> beam.MapTuple(lambda key, example: (str(key), example.SerializeToString()))
                | "ByKey" >> beam.GroupByKey()
                | "OneRowPerKey" >> beam.Map(_one_row_per_key)
                | "ScoreBatches" >> beam.BatchElements(min_batch_size=BATCH, max_batch_size=BATCH)
                | "Score" >> beam.Map(_Score(str(model.path)))
                | "WriteBatches"
                >> beam.Map(_WriteStaging(target.url, staging, model.version, scored_at))
            )
        scored, rows_in_table = _merge(target, staging, table)
    except BaseException:
        _drop(target, staging)
        raise
    return Outcome(scored=scored, rows_in_table=rows_in_table, table=table)
