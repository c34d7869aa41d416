"""Spans: the calendar quarter a trip started in, e.g. '2014-07-01'.

The data folders are named after these quarters (TFX's `{YYYY}-{MM}-{DD}`
span spec), and the drift check compares the newest two of them.
"""

from __future__ import annotations

import numpy as np


def quarter_starts(unix_seconds: np.ndarray) -> np.ndarray:
    """First day of each timestamp's quarter (UTC), as 'YYYY-MM-DD' strings."""
    months = np.asarray(unix_seconds, dtype="int64").astype(
        "datetime64[s]").astype("datetime64[M]").astype("int64")
    first_months = (months - months % 3).astype("datetime64[M]")
    return first_months.astype("datetime64[D]").astype(str)


def quarter_start(unix_seconds: int) -> str:
    """The span of one trip start, e.g. '2014-07-01'."""
    return str(quarter_starts(np.array([unix_seconds]))[0])
