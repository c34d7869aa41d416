"""Structural checks of the input CSVs before any TFX component runs.

CsvExampleGen fails on these with messages that name no file or line (or,
for a byte-order mark, silently renames the first column). Finding them
first, in one streaming pass, lets a run stop with every problem listed as
file:line.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import List, Optional, Tuple

MAX_LISTED = 20


class InputError(ValueError):
    """The input files cannot be read as the pipeline's CSV input."""

    def __init__(self, problems: List[str]):
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems[:MAX_LISTED])
        more = (f"\n  ... and {len(problems) - MAX_LISTED} more"
                if len(problems) > MAX_LISTED else "")
        super().__init__(f"the input CSVs have {len(problems)} problem(s); "
                         f"nothing was run:\n{listed}{more}")


def _check_file(path: Path, expected_header: Optional[List[str]]
                ) -> Tuple[List[str], Optional[List[str]]]:
    """(problems, header) of one file; no header when it cannot be read."""
    raw = path.read_bytes()
    if not raw:
        return [f"{path}: empty file (no header)"], None
    if raw.startswith(b"\xef\xbb\xbf"):
        return [f"{path}:1: starts with a UTF-8 byte-order mark; save it without one"], None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        return [f"{path}:{line}: not UTF-8 (byte 0x{raw[error.start]:02x})"], None
    problems = []
    rows = csv.reader(text.splitlines(keepends=True), strict=True)
    row_start = 1
    header = None
    try:
        header = next(rows)
        if expected_header is not None and header != expected_header:
            missing = [c for c in expected_header if c not in header]
            extra = [c for c in header if c not in expected_header]
            problems.append(f"{path}:1: header differs from the other files'"
                            + (f"; missing {missing}" if missing else "")
                            + (f"; new {extra}" if extra else "")
                            + ("; same columns in another order"
                               if not missing and not extra else ""))
        count = 0
        row_start = rows.line_num + 1
        for row in rows:
            count += 1
            if row and len(row) != len(header):
                problems.append(f"{path}:{row_start}: {len(row)} fields, "
                                f"expected {len(header)}")
            row_start = rows.line_num + 1
    except csv.Error as error:
        # Typically a quote that never closes, swallowing the rest of the file.
        problems.append(f"{path}:{row_start}: unbalanced quote ({error})")
        return problems, header
    if count == 0:
        problems.append(f"{path}: header only, no rows")
    return problems, header


def check_input(data_root: Path, pattern: str) -> List[Path]:
    """Raises InputError listing every problem; returns the files checked."""
    files = sorted(data_root.glob(pattern))
    if not files:
        raise InputError([f"{data_root}: no files match {pattern!r}"])
    problems: List[str] = []
    expected = None  # The header of the first readable file.
    for path in files:
        found, header = _check_file(path, expected)
        problems += found
        expected = expected or header
    if problems:
        raise InputError(problems)
    return files
