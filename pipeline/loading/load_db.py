"""`python -m pipeline load-db`: the quarterly trips CSVs into a `trips` table.

The table has a column per raw feature of the spec, typed from it, plus the
key `trip_id`: the row's number over the quarter files in order, so loading
the same files again replaces rows instead of adding them. Every row is
checked as ExampleGen checks CSVs; the first bad one fails the load and
nothing is committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

from components.database.connection import Database, quote_identifier
from components.database.span_query import KEY_COLUMN, TABLE
from components.features import START_TIME, RawType
from components.rows.csv_records import checked_rows, column_types, read_header, typed_values

BATCH_ROWS = 1000


class LoadError(ValueError):
    """A CSV that cannot be loaded; names the file and line."""


def _rows(paths: List[Path], header: List[str]) -> Iterator[Tuple[int, list]]:
    types = column_types(header)
    trip_id = 0
    for path in paths:
        if _header(path) != header:
            raise LoadError(f"{path}:1: header differs from {paths[0]}'s")
        try:
            for _, fields in checked_rows(path, header, types):
                trip_id += 1
                yield trip_id, list(typed_values(header, types, fields).values())
        except ValueError as error:
            raise LoadError(str(error)) from None


def _header(path: Path) -> List[str]:
    try:
        return read_header(path)
    except ValueError as error:
        raise LoadError(str(error)) from None


def load(
    database: Database,
    data_root: Path,
    pattern: str,
    progress: Optional[Callable[[int], None]] = None,
) -> int:
    """Upserts every row of the matching CSVs; returns how many."""
    paths = sorted(data_root.glob(pattern))
    if not paths:
        raise LoadError(f"{data_root} has no files matching {pattern!r}")
    header = _header(paths[0])
    types = column_types(header)
    connection = database.connect(must_exist=False)
    try:
        database.create_table(
            connection,
            TABLE,
            KEY_COLUMN,
            database.sql_type(RawType.INT),
            [(name, database.sql_type(types[name])) for name in header],
        )
        database.execute(
            connection,
            (
                f"CREATE INDEX IF NOT EXISTS {quote_identifier(TABLE + '_by_start')} "
                f"ON {quote_identifier(TABLE)} ({quote_identifier(START_TIME)})"
            ),
        )
        loaded, batch = 0, []
        for trip_id, values in _rows(paths, header):
            batch.append([trip_id, *values])
            if len(batch) == BATCH_ROWS:
                loaded += _flush(database, connection, header, batch, progress, loaded)
        loaded += _flush(database, connection, header, batch, progress, loaded)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.close()
    return loaded


def _flush(database, connection, header, batch, progress, loaded) -> int:
    if not batch:
        return 0
    database.upsert(connection, TABLE, KEY_COLUMN, header, batch)
    count = len(batch)
    batch.clear()
    if progress:
        progress(loaded + count)
    return count
