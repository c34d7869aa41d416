"""The span query of the database source: filled, windowed, split and summed.

The query is SQL with two placeholders, `{span_begin}` and `{span_end}`,
Unix seconds of the span window [begin, end); every trip it returns must
have started in that window. Spans are calendar quarters (UTC), numbered
from 1970 (`components.spans`). No TensorFlow here: the CLI's pre-flight
check uses it too.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from components.database.connection import Database, DatabaseError, quote_identifier
from components.features import START_TIME, RawType
from components.rows.csv_records import column_types
from components.rows.spans import quarter_bounds, quarter_index

SPAN_BEGIN = "{span_begin}"
SPAN_END = "{span_end}"
KEY_COLUMN = "trip_id"
TABLE = "trips"
DEFAULT_QUERY = (
    f"SELECT * FROM {TABLE} WHERE {START_TIME} >= {SPAN_BEGIN} AND {START_TIME} < {SPAN_END}"
)
# Wide enough for any timestamp; used to find which spans hold rows.
_ALL_TIME = (-(2**62), 2**62)


def check_template(query: str) -> None:
    missing = [token for token in (SPAN_BEGIN, SPAN_END) if token not in query]
    if missing:
        raise ValueError(
            f"the database query must restrict {START_TIME} to the "
            f"span window with {SPAN_BEGIN} and {SPAN_END}; missing "
            f"{', '.join(missing)} in: {query}"
        )


def fill(query: str, begin: int, end: int) -> str:
    return query.replace(SPAN_BEGIN, str(int(begin))).replace(SPAN_END, str(int(end)))


def fill_spans(query: str, first: int, last: int) -> str:
    return fill(query, *quarter_bounds(first, last))


def fill_all_time(query: str) -> str:
    return fill(query, *_ALL_TIME)


def span_window(
    first_present: int, last_present: int, num_spans: Optional[int] = None
) -> Tuple[int, int]:
    """Spans to ingest: the newest `num_spans`, or all."""
    if num_spans is not None:
        return max(first_present, last_present - num_spans + 1), last_present
    return first_present, last_present


def key_ranges(low: int, high: int, partitions: int) -> List[Tuple[int, int]]:
    """[low, high] cut into at most `partitions` half-open ranges of keys."""
    size = -(-(high - low + 1) // partitions)
    return [(start, min(start + size, high + 1)) for start in range(low, high + 1, size)]


def _source(query: str) -> str:
    return f"({query}) AS source"


def columns_query(query: str) -> str:
    return f"SELECT * FROM {_source(query)} WHERE 1 = 0"


def extent_query(query: str) -> str:
    """Rows and smallest/largest start time over the whole query."""
    start = quote_identifier(START_TIME)
    return f"SELECT COUNT(*), MIN({start}), MAX({start}) FROM {_source(query)}"


def key_extent_query(query: str, key: str) -> str:
    key = quote_identifier(key)
    return f"SELECT COUNT(*), MIN({key}), MAX({key}) FROM {_source(query)}"


def range_query(query: str, key: str, placeholder: str) -> str:
    key = quote_identifier(key)
    return f"SELECT * FROM {_source(query)} WHERE {key} >= {placeholder} AND {key} < {placeholder}"


def fingerprint_query(query: str, key: str, types: Dict[str, RawType]) -> str:
    """Sums that change when rows are added, removed or edited: a cheap
    stand-in for file fingerprints, so an unchanged window stays cached."""
    terms = ["COUNT(*)", f"SUM({quote_identifier(key)})"]
    for name, raw_type in sorted(types.items()):
        column = quote_identifier(name)
        if raw_type == RawType.BYTES:
            terms.append(f"SUM(LENGTH({column}))")
        else:
            terms.append(f"SUM({column})")
        terms.append(f"COUNT({column})")
    return f"SELECT {', '.join(terms)} FROM {_source(query)}"


def resolve_window(
    database: Database, template: str, num_spans: Optional[int] = None
) -> Tuple[int, int]:
    """The spans to ingest: the quarters that hold rows, or the newest
    `num_spans` of them."""
    check_template(template)
    rows, earliest, latest = database.one_row(extent_query(fill_all_time(template)))
    if not rows:
        raise DatabaseError(f"{database.url}: the query returned no rows at all\n  in: {template}")
    return span_window(quarter_index(int(earliest)), quarter_index(int(latest)), num_spans)


def spec_types(database: Database, query: str, key: str) -> Dict[str, RawType]:
    """The spec's type of each column the query returns, the key aside;
    DatabaseError names a column that is not a raw feature."""
    columns, rows = database.rows(columns_query(query))
    list(rows)  # None; closes the connection.
    if key not in columns:
        raise DatabaseError(
            f"{database.url}: the query returns no key column "
            f"{key!r} (needed to split the read); columns: "
            f"{', '.join(columns)}\n  in: {query}"
        )
    try:
        return column_types([name for name in columns if name != key])
    except KeyError as error:
        raise DatabaseError(f"{database.url}: {error.args[0]}\n  in: {query}") from None
