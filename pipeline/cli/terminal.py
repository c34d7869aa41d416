"""What commands show on the terminal besides their messages: a row count
updated in place, and TensorFlow's C++ log kept off it."""

from __future__ import annotations

import os
import sys


def print_progress(rows: int) -> None:
    """Rewrites the stderr line with the rows done so far; the caller ends the line."""
    print(f"\r{rows} rows", end="", file=sys.stderr, flush=True)


def quiet_tensorflow(level: str) -> None:
    """Hides TensorFlow's C++ log lines below `level` ("2" keeps errors, "3"
    hides them too). A level already set in the environment wins; it only
    counts before TensorFlow loads."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", level)
