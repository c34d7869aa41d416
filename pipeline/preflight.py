"""Structural checks of the input CSVs before any TFX component runs.

CsvExampleGen fails on these with messages that name no file or line (or,
for a byte-order mark, silently renames the first column). Finding them
first, in one streaming pass, lets a run stop with every problem listed as
file:line. Rows are judged by `components/csv_rows.py`, as the pipeline's
ExampleGen judges them. The same pass notes what is suspicious but allowed
(duplicate rows, a column empty throughout, rows to quarantine within the
limit) as warnings.
"""

from __future__ import annotations

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
    # "file:line: problem" of rows that cannot be parsed (quarantinable).
    row_problems: List[str] = dataclasses.field(default_factory=list)


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
                        f"{scan.first_file}; ExampleGen reads every file "
                        f"with the first file's header")
    return problems


def _check_file(path: Path, scan: _Scan) -> List[str]:
    """File-level problems; row-level ones go to `scan.row_problems`."""
    from components.csv_rows import read_records, row_problem

    with path.open("rb") as handle:
        if handle.read(3) == b"\xef\xbb\xbf":
            return [f"{path}:1: starts with a UTF-8 byte-order mark; save it without one"]
        handle.seek(0)
        records = read_records(handle)
        header_record = next(records, None)
        if header_record is None:
            return [f"{path}: empty file (no header)"]
        if header_record.problem:
            return [f"{path}:1: header: {header_record.problem}"]
        header = header_record.fields
        problems = _header_problems(path, header, scan)
        if scan.first_header is None:
            scan.first_header, scan.first_file = header, path
        types = _column_types(header)
        count = 0
        for record in records:
            if record.fields == []:
                continue
            count += 1
            problem = record.problem or row_problem(header, types, record.fields)
            if problem:
                scan.row_problems.append(f"{path}:{record.line}: {problem}")
            else:
                _note_row(scan, header, record.fields, f"{path}:{record.line}")
    if count == 0:
        problems.append(f"{path}: header only, no rows")
    return problems


def _column_types(header: List[str]):
    """The spec's type per column; unknown columns (already reported) as text."""
    from components.csv_rows import column_types
    from components.features import RawType, raw_feature_names

    known = [name for name in header if name in raw_feature_names()]
    return {**{name: RawType.BYTES for name in header}, **column_types(known)}


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
                columns_described_as: str, new_column_hint: str,
                max_quarantined_fraction: float = 0.0) -> InputSummary:
    """Raises InputError listing every problem; returns what was checked.

    Unparsable rows are problems only beyond `max_quarantined_fraction` of
    all rows; under it they are warnings, and ExampleGen quarantines them.
    """
    files = sorted(data_root.glob(pattern))
    if not files:
        raise InputError([f"{data_root}: no files match {pattern!r}"])
    scan = _Scan(expected_columns, columns_described_as, new_column_hint)
    problems: List[str] = []
    for path in files:
        problems += _check_file(path, scan)
    bad_rows = scan.row_problems
    total = scan.rows + len(bad_rows)
    if problems or len(bad_rows) > max_quarantined_fraction * total:
        raise InputError(problems + bad_rows)
    warnings = _warnings(scan)
    if bad_rows:
        warnings.insert(0, f"{len(bad_rows)} of {total} row(s) cannot be parsed and "
                           f"will be quarantined (limit {max_quarantined_fraction:.2%}), "
                           f"e.g. {bad_rows[0]}")
    return InputSummary(files=files, rows=scan.rows, warnings=warnings)


def check_trips(data_root: Path, pattern: str,
                max_quarantined_fraction: float = 0.0) -> InputSummary:
    """The training data: every column of the feature spec."""
    from components import features

    return check_input(data_root, pattern, features.raw_feature_names(),
                       "the feature spec", "add them to components/features.py "
                       "and schema/schema.pbtxt, or remove them",
                       max_quarantined_fraction)


def check_serving_sample(serving_root: Path,
                         max_quarantined_fraction: float = 0.0) -> InputSummary:
    """Serving requests: the spec's columns except the label source."""
    from components import features
    from pipeline import datasets

    return check_input(serving_root, datasets.SERVING_PATTERN,
                       features.serving_feature_names(),
                       "the serving columns of the feature spec",
                       "serving requests carry no label source; remove them",
                       max_quarantined_fraction)


def check_database(source) -> InputSummary:
    """Connects and checks the span query's window, columns and rows before
    any TensorFlow loads; DatabaseError says what is wrong."""
    from components import span_query
    from components.database import parse_url

    database = parse_url(source.url)
    first, last = span_query.resolve_window(database, source.query, source.num_spans)
    query = span_query.fill_spans(source.query, first, last)
    span_query.spec_types(database, query, source.key_column)
    rows = database.one_row(span_query.key_extent_query(query, source.key_column))[0]
    return InputSummary(files=[], rows=rows)
