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

import array
import dataclasses
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from components.database import span_query
from components.database.connection import parse_url
from components.features import RawType, raw_feature_names, serving_feature_names
from components.rows import arrow_csv, layout
from components.rows.csv_records import column_types, data_records, read_records
from components.spans.record import Span, SpanNameError

MAX_LISTED = 20


class InputError(ValueError):
    """The input files cannot be read as the pipeline's CSV input."""

    def __init__(self, problems: List[str]):
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems[:MAX_LISTED])
        more = (
            f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        )
        super().__init__(
            f"the input CSVs have {len(problems)} problem(s); nothing was run:\n{listed}{more}"
        )


@dataclasses.dataclass
class InputSummary:
    """What passed: the files, their rows, and warnings that do not stop a run."""

    files: List[Path]
    rows: int = 0
    # Rows of the largest span (quarter folder); for a database, the
    # window's mean span, known without a query per span.
    largest_span_rows: int = 0
    warnings: List[str] = dataclasses.field(default_factory=list)


# Row fingerprints: FNV's 64-bit prime mixes the cells' hashes.
_MIX = 1099511628211
_MASK = 2**64 - 1


@dataclasses.dataclass
class _Scan:
    """State carried across files: the first header, what identifies each
    good row (for duplicates), and which columns ever held a value."""

    expected_columns: Sequence[str]
    columns_described_as: str
    new_column_hint: str
    first_header: Optional[List[str]] = None
    first_file: Optional[Path] = None
    files: List[Path] = dataclasses.field(default_factory=list)
    # Per good row, in reading order: a 64-bit fingerprint of its cells, its
    # file's index in `files`, and its ordinal among the file's records.
    # 16 bytes a row: 80 MB at 5M rows, where a dict of lines took gigabytes.
    fingerprints: array.array = dataclasses.field(default_factory=lambda: array.array("Q"))
    file_indexes: array.array = dataclasses.field(default_factory=lambda: array.array("I"))
    ordinals: array.array = dataclasses.field(default_factory=lambda: array.array("I"))
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
        problems.append(
            f"{path}:1: column(s) {new} are not in "
            f"{scan.columns_described_as}; {scan.new_column_hint}"
        )
    if repeated:
        problems.append(f"{path}:1: column(s) {repeated} appear more than once")
    if not problems and scan.first_header is not None and header != scan.first_header:
        problems.append(
            f"{path}:1: columns in another order than in "
            f"{scan.first_file}; ExampleGen reads every file "
            f"with the first file's header"
        )
    return problems


def _check_file(path: Path, scan: _Scan) -> List[str]:
    """File-level problems; row-level ones go to `scan.row_problems`."""

    with path.open("rb") as handle:
        if handle.read(3) == b"\xef\xbb\xbf":
            return [f"{path}:1: starts with a UTF-8 byte-order mark; save it without one"]
        handle.seek(0)
        header_record = next(read_records(handle), None)
    if header_record is None:
        return [f"{path}: empty file (no header)"]
    if header_record.problem:
        return [f"{path}:1: header: {header_record.problem}"]
    header = header_record.fields
    problems = _header_problems(path, header, scan)
    if scan.first_header is None:
        scan.first_header, scan.first_file = header, path
    types = _column_types(header)
    scan.files.append(path)
    span = _folder_span(path)
    count = None if problems else _arrow_rows(path, header, types, scan, span)
    if count is None:
        count = _python_rows(path, header, types, scan, span)
    if count == 0:
        problems.append(f"{path}: header only, no rows")
    return problems


def _folder_span(path: Path) -> Optional[Span]:
    """The span of a file in a quarter folder (`2014-04-01/trips.csv`): its
    rows must start in that quarter. None for files elsewhere."""
    try:
        return Span(path.parent.name)
    except SpanNameError:
        return None


def _python_rows(path: Path, header: List[str], types, scan: _Scan, span=None) -> int:
    """Checks `path` row by row, naming each bad row; returns its record count."""

    count = 0
    with path.open("rb") as handle:
        for record in data_records(handle, header, types, span):
            count += 1
            if record.problem:
                scan.row_problems.append(f"{path}:{record.line}: {record.problem}")
                continue
            fingerprint = 0
            for cell in record.fields:
                fingerprint = (fingerprint * _MIX + (hash(cell) & _MASK)) & _MASK
            _note_rows(
                scan,
                header,
                [fingerprint],
                count - 1,
                [name for name, cell in zip(header, record.fields) if cell],
            )
    return count


def _arrow_rows(path: Path, header: List[str], types, scan: _Scan, span=None) -> Optional[int]:
    """Notes the rows of a file Arrow reads whole as the spec types (so no row
    is bad, or outside its span) a block at a time; None if it cannot, for
    `_python_rows`."""

    if not arrow_csv.readable(str(path), header, types, span.bounds if span else None):
        return None
    count = 0
    with arrow_csv.text_batches(str(path), header) as batches:
        for batch in batches:
            fingerprints = np.zeros(batch.num_rows, dtype=np.uint64)
            for column in batch.columns:
                # Hash each distinct cell once, as `_python_rows` hashes cells.
                encoded = column.fill_null("").dictionary_encode()
                hashes = np.array(
                    [hash(cell) & _MASK for cell in encoded.dictionary.to_pylist()], dtype=np.uint64
                )
                fingerprints = fingerprints * np.uint64(_MIX) + hashes[encoded.indices.to_numpy()]
            filled = [
                name
                for name, column in zip(header, batch.columns)
                if column.null_count < len(column)
            ]
            _note_rows(scan, header, fingerprints, count, filled)
            count += batch.num_rows
    return count


def _note_rows(
    scan: _Scan, header: List[str], fingerprints, first_ordinal: int, filled: List[str]
) -> None:
    rows = len(fingerprints)
    scan.rows += rows
    scan.fingerprints.frombytes(np.asarray(fingerprints, dtype=np.uint64).tobytes())
    scan.file_indexes.frombytes(np.full(rows, len(scan.files) - 1, dtype=np.uint32).tobytes())
    scan.ordinals.frombytes(
        np.arange(first_ordinal, first_ordinal + rows, dtype=np.uint32).tobytes()
    )
    scan.filled_columns.update(filled)


def _column_types(header: List[str]):
    """The spec's type per column; unknown columns (already reported) as text."""

    known = [name for name in header if name in raw_feature_names()]
    return {**{name: RawType.BYTES for name in header}, **column_types(known)}


def _line(scan: _Scan, position: int) -> str:
    """ "file:line" of the good row at `position` in reading order."""

    path = scan.files[scan.file_indexes[position]]
    ordinal = scan.ordinals[position]
    with path.open("rb") as handle:
        records = read_records(handle)
        next(records)
        for index, record in enumerate(r for r in records if r.fields != []):
            if index == ordinal:
                return f"{path}:{record.line}"
    raise AssertionError(f"{path} has no record {ordinal}")


def _duplicates(scan: _Scan) -> Tuple[int, List[Tuple[str, str]]]:
    """How many rows repeat an earlier one; the first three as (again, first)."""

    fingerprints = np.frombuffer(scan.fingerprints, dtype=np.uint64)
    if len(fingerprints) < 2:
        return 0, []
    order = np.argsort(fingerprints, kind="stable")  # Equal rows in reading order.
    ordered = fingerprints[order]
    group_start = np.ones(len(ordered), dtype=bool)
    group_start[1:] = ordered[1:] != ordered[:-1]
    first_index = np.maximum.accumulate(np.where(group_start, np.arange(len(ordered)), 0))
    first = np.empty_like(order)
    first[order] = order[first_index]
    again = np.flatnonzero(first != np.arange(len(first)))
    return len(again), [(_line(scan, p), _line(scan, first[p])) for p in again[:3]]


def _warnings(scan: _Scan) -> List[str]:
    warnings = []
    duplicates, examples = _duplicates(scan)
    if duplicates:
        listed = ", ".join(f"{again} repeats {first}" for again, first in examples)
        warnings.append(
            f"{duplicates} duplicate row(s), e.g. {listed}; "
            f"they are kept (identical trips are possible)"
        )
    empty = [c for c in (scan.first_header or []) if c not in scan.filled_columns]
    if scan.rows and empty:
        warnings.append(
            f"column(s) {empty} are empty in every row; the curated "
            f"schema decides whether that is allowed"
        )
    return warnings


def check_input(
    data_root: Path,
    pattern: str,
    expected_columns: Sequence[str],
    columns_described_as: str,
    new_column_hint: str,
    max_quarantined_fraction: float = 0.0,
) -> InputSummary:
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
        warnings.insert(
            0,
            f"{len(bad_rows)} of {total} row(s) cannot be parsed and "
            f"will be quarantined (limit {max_quarantined_fraction:.2%}), "
            f"e.g. {bad_rows[0]}",
        )
    return InputSummary(
        files=files,
        rows=scan.rows,
        largest_span_rows=_largest_folder_rows(scan),
        warnings=warnings,
    )


def _largest_folder_rows(scan: _Scan) -> int:
    """Good rows of the folder that holds the most (a span's quarter folder)."""
    per_file = np.bincount(np.frombuffer(scan.file_indexes, dtype=np.uint32))
    per_folder: Dict[Path, int] = {}
    for index, rows in enumerate(per_file.tolist()):
        folder = scan.files[index].parent
        per_folder[folder] = per_folder.get(folder, 0) + rows
    return max(per_folder.values(), default=0)


def check_trips(
    data_root: Path, pattern: str, max_quarantined_fraction: float = 0.0
) -> InputSummary:
    """The training data: every column of the feature spec."""

    return check_input(
        data_root,
        pattern,
        raw_feature_names(),
        "the feature spec",
        "add them to components/features.py and schema/schema.pbtxt, or remove them",
        max_quarantined_fraction,
    )


def check_serving_sample(serving_root: Path, max_quarantined_fraction: float = 0.0) -> InputSummary:
    """Serving requests: the spec's columns except the label source."""

    return check_input(
        serving_root,
        layout.SERVING_PATTERN,
        serving_feature_names(),
        "the serving columns of the feature spec",
        "serving requests carry no label source; remove them",
        max_quarantined_fraction,
    )


def check_database(source, num_spans=None) -> InputSummary:
    """Connects and checks the span query's window, columns and rows before
    any TensorFlow loads; DatabaseError says what is wrong."""

    database = parse_url(source.url)
    first, last = span_query.resolve_window(database, source.query, num_spans)
    query = span_query.fill_spans(source.query, first, last)
    span_query.spec_types(database, query, source.key_column)
    rows = database.one_row(span_query.key_extent_query(query, source.key_column))[0]
    return InputSummary(files=[], rows=rows, largest_span_rows=-(-rows // (last - first + 1)))
