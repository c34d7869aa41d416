"""Structural checks of the input CSVs before any TFX component runs.

CsvExampleGen fails on these with messages that name no file or line (or,
for a byte-order mark, silently renames the first column). Finding them
first, in one streaming pass, lets a run stop with every problem listed as
file:line. The same pass notes what is suspicious but allowed (duplicate
rows, a column empty throughout) as warnings.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

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


@dataclasses.dataclass
class InputSummary:
    """What passed: the files, their rows, and warnings that do not stop a run."""

    files: List[Path]
    rows: int = 0
    warnings: List[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class _Scan:
    """State carried across files: the first header, duplicate tracking,
    and which columns ever held a value."""

    expected_columns: Sequence[str]
    columns_described_as: str
    new_column_hint: str
    first_header: Optional[List[str]] = None
    first_file: Optional[Path] = None
    seen_rows: Dict[int, str] = dataclasses.field(default_factory=dict)
    duplicates: List[Tuple[str, str]] = dataclasses.field(default_factory=list)
    filled_columns: set = dataclasses.field(default_factory=set)
    rows: int = 0


def _header_problems(path: Path, header: List[str], scan: _Scan) -> List[str]:
    problems = []
    missing = [c for c in scan.expected_columns if c not in header]
    new = [c for c in header if c not in scan.expected_columns]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(f"{path}:1: missing column(s) {missing}")
    if new:
        problems.append(f"{path}:1: column(s) {new} are not in "
                        f"{scan.columns_described_as}; {scan.new_column_hint}")
    if repeated:
        problems.append(f"{path}:1: column(s) {repeated} appear more than once")
    if (not problems and scan.first_header is not None
            and header != scan.first_header):
        problems.append(f"{path}:1: columns in another order than in "
                        f"{scan.first_file}; CsvExampleGen reads every file "
                        f"with the first file's header")
    return problems


def _decode(path: Path, raw: bytes) -> Tuple[Optional[str], List[str]]:
    if not raw:
        return None, [f"{path}: empty file (no header)"]
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [f"{path}:1: starts with a UTF-8 byte-order mark; save it without one"]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        return None, [f"{path}:{line}: not UTF-8 (byte 0x{raw[error.start]:02x})"]


def _check_file(path: Path, scan: _Scan) -> List[str]:
    text, problems = _decode(path, path.read_bytes())
    if text is None:
        return problems
    rows = csv.reader(text.splitlines(keepends=True), strict=True)
    row_start = 1
    try:
        header = next(rows)
        problems += _header_problems(path, header, scan)
        if scan.first_header is None:
            scan.first_header, scan.first_file = header, path
        count = 0
        row_start = rows.line_num + 1
        for row in rows:
            count += 1
            if row and len(row) != len(header):
                problems.append(f"{path}:{row_start}: {len(row)} fields, "
                                f"expected {len(header)}")
            elif row:
                _note_row(scan, header, row, f"{path}:{row_start}")
            row_start = rows.line_num + 1
    except csv.Error as error:
        # Typically a quote that never closes, swallowing the rest of the file.
        problems.append(f"{path}:{row_start}: unbalanced quote ({error})")
        return problems
    if count == 0:
        problems.append(f"{path}: header only, no rows")
    return problems


def _note_row(scan: _Scan, header: List[str], row: List[str], where: str) -> None:
    scan.rows += 1
    key = hash(tuple(zip(header, row)))
    if key in scan.seen_rows:
        scan.duplicates.append((where, scan.seen_rows[key]))
    else:
        scan.seen_rows[key] = where
    scan.filled_columns.update(name for name, cell in zip(header, row) if cell)


def _warnings(scan: _Scan) -> List[str]:
    warnings = []
    if scan.duplicates:
        examples = ", ".join(f"{again} repeats {first}"
                             for again, first in scan.duplicates[:3])
        warnings.append(f"{len(scan.duplicates)} duplicate row(s), e.g. {examples}; "
                        f"they are kept (identical trips are possible)")
    empty = [c for c in (scan.first_header or []) if c not in scan.filled_columns]
    if scan.rows and empty:
        warnings.append(f"column(s) {empty} are empty in every row; the curated "
                        f"schema decides whether that is allowed")
    return warnings


def check_input(data_root: Path, pattern: str, expected_columns: Sequence[str],
                columns_described_as: str, new_column_hint: str) -> InputSummary:
    """Raises InputError listing every problem; returns what was checked."""
    files = sorted(data_root.glob(pattern))
    if not files:
        raise InputError([f"{data_root}: no files match {pattern!r}"])
    scan = _Scan(expected_columns, columns_described_as, new_column_hint)
    problems: List[str] = []
    for path in files:
        problems += _check_file(path, scan)
    if problems:
        raise InputError(problems)
    return InputSummary(files=files, rows=scan.rows, warnings=_warnings(scan))


def check_trips(data_root: Path, pattern: str) -> InputSummary:
    """The training data: every column of the feature spec."""
    from components import features

    return check_input(data_root, pattern, features.raw_feature_names(),
                       "the feature spec", "add them to components/features.py "
                       "and schema/schema.pbtxt, or remove them")


def check_serving_sample(serving_root: Path) -> InputSummary:
    """Serving requests: the spec's columns except the label source."""
    from components import features
    from pipeline import datasets

    return check_input(serving_root, datasets.SERVING_PATTERN,
                       features.serving_feature_names(),
                       "the serving columns of the feature spec",
                       "serving requests carry no label source; remove them")
