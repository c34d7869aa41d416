"""Spans: the calendar quarter a trip started in, e.g. '2014-07-01'.

The data folders are named after these quarters, and every span artifact
carries one (components/spans/record.py).
"""

from __future__ import annotations

import datetime

import numpy as np


def quarter_starts(unix_seconds: np.ndarray) -> np.ndarray:
    """First day of each timestamp's quarter (UTC), as 'YYYY-MM-DD' strings."""
    months = (
        np.asarray(unix_seconds, dtype="int64")
        .astype("datetime64[s]")
        .astype("datetime64[M]")
        .astype("int64")
    )
    first_months = (months - months % 3).astype("datetime64[M]")
    return first_months.astype("datetime64[D]").astype(str)


def quarter_start(unix_seconds: int) -> str:
    """The span of one trip start, e.g. '2014-07-01'."""
    return str(quarter_starts(np.array([unix_seconds]))[0])


# Span numbers of database sources: quarters since 1970-01-01 (UTC), so span
# 0 is 1970-01-01 and span 177 is 2014-04-01.
def quarter_index(unix_seconds: int) -> int:
    moment = datetime.datetime.fromtimestamp(unix_seconds, datetime.timezone.utc)
    return (moment.year - 1970) * 4 + (moment.month - 1) // 3


def _quarter_begin(index: int) -> datetime.datetime:
    return datetime.datetime(
        1970 + index // 4, 1 + 3 * (index % 4), 1, tzinfo=datetime.timezone.utc
    )


def quarter_bounds(first: int, last: int):
    """[begin, end) in Unix seconds of the quarters `first`..`last`."""
    return (int(_quarter_begin(first).timestamp()), int(_quarter_begin(last + 1).timestamp()))


def quarter_name(index: int) -> str:
    """'YYYY-MM-DD' of the quarter's first day, as in the data folders."""
    return _quarter_begin(index).date().isoformat()
