"""Reading the trips CSVs row by row, with line numbers and typed cells.

Shared by the pre-flight check (before a local run) and the ExampleGen
executor (inside the pipeline, also on Kubeflow), so both judge a row the
same way. Cell types come from the feature spec, never from inference: a
cell that does not parse as its column's type makes its row unparsable,
instead of silently widening the whole column (CsvExampleGen turns a
numeric column into strings for one "N/A").
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from components.features import START_TIME, RawType, raw_feature


@dataclasses.dataclass(frozen=True)
class Record:
    """One CSV record: its first line, and its fields or why it has none."""

    line: int
    text: str
    fields: Optional[List[str]] = None
    problem: Optional[str] = None


def _decode(raw: bytes, line: int) -> Record:
    try:
        return Record(line, raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return Record(
            line,
            raw.decode("utf-8", errors="replace"),
            problem=f"not UTF-8 (byte 0x{raw[error.start]:02x})",
        )


def read_records(lines: Iterable[bytes]) -> Iterator[Record]:
    """Records of a CSV file given as raw lines, header first.

    A quoted field may span lines (as in CsvExampleGen); a quote that never
    closes swallows the rest of the file into one unparsable record. Blank
    lines are skipped.
    """
    pending: List[Record] = []
    quotes = 0
    number = 0
    for number, raw in enumerate(lines, start=1):
        line = _decode(raw, number)
        if line.problem and not pending:
            yield line
            continue
        pending.append(line)
        quotes += line.text.count('"')
        if quotes % 2 == 0:
            yield _parse(pending)
            pending, quotes = [], 0
    if pending:
        yield Record(
            pending[0].line,
            "".join(r.text for r in pending),
            problem=f"unbalanced quote: the record starting here runs to "
            f"the end of the file (line {number})",
        )


def _parse(lines: List[Record]) -> Record:
    text = "".join(r.text for r in lines)
    broken = next((r.problem for r in lines if r.problem), None)
    if broken:
        return Record(lines[0].line, text, problem=broken)
    if not text.strip():
        return Record(lines[0].line, text, fields=[])
    try:
        fields = next(csv.reader([text.rstrip("\r\n")], strict=True))
    except csv.Error as error:
        return Record(lines[0].line, text, problem=f"unbalanced quote ({error})")
    return Record(lines[0].line, text, fields=fields)


TYPE_WORDS = {RawType.INT: "an integer", RawType.FLOAT: "a number", RawType.BYTES: "text"}


def cell_value(raw_type: RawType, cell: str) -> Any:
    """A cell as its column's value (None if empty); ValueError if it does
    not parse."""
    if not cell:
        return None
    if raw_type == RawType.INT:
        return int(cell)
    if raw_type == RawType.FLOAT:
        return float(cell)
    return cell


def _parses_as(raw_type: RawType, cell: str) -> bool:
    try:
        cell_value(raw_type, cell)
    except ValueError:
        return False
    return True


def column_types(header: List[str]) -> Dict[str, RawType]:
    """The spec's type of each column; KeyError names a column not in the spec."""
    return {name: raw_feature(name).raw_type for name in header}


def row_problem(header: List[str], types: Dict[str, RawType], fields: List[str]) -> Optional[str]:
    """Why a parsed row cannot become an example, or None."""
    if len(fields) != len(header):
        return f"{len(fields)} fields, expected {len(header)}"
    bad = [
        f"{name}={cell!r} is not {TYPE_WORDS[types[name]]}"
        for name, cell in zip(header, fields)
        if not _parses_as(types[name], cell)
    ]
    return "; ".join(bad) or None


def read_header(path, ignore: Iterable[str] = ()) -> List[str]:
    """A local CSV's header; ValueError (`path:1: ...`) if it is unreadable or
    names a column outside the spec (other than those in `ignore`)."""
    with open(path, "rb") as handle:
        first = next(read_records([handle.readline()]), None)
    if first is None or not first.fields:
        raise ValueError(f"{path}:1: no readable header")
    try:
        column_types([name for name in first.fields if name not in set(ignore)])
    except KeyError as error:
        raise ValueError(f"{path}:1: {error.args[0]}") from None
    return first.fields


def outside_span(header: List[str], fields: List[str], span) -> Optional[str]:
    """Why a parsed row does not belong to `span` (its start time lies outside
    the span's quarter), or None. `span` has `name` and `bounds` ([begin, end)
    in Unix seconds); a missing start time is the schema's to judge."""
    cell = dict(zip(header, fields)).get(START_TIME, "")
    if cell == "":
        return None
    begin, end = span.bounds
    moment = int(cell)
    if begin <= moment < end:
        return None
    when = datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).isoformat()
    return f"{START_TIME}={moment} ({when}) lies outside span {span.name}"


def data_records(
    lines: Iterable[bytes], header: List[str], types: Dict[str, RawType], span=None
) -> Iterator[Record]:
    """The records after the header line, blank lines skipped, each with
    `problem` set when it cannot become an example (or, given `span`, does
    not belong to it): the one row iterator of every CSV reader (ExampleGen,
    pre-flight, `load-db`, scoring)."""
    records = read_records(lines)
    next(records, None)  # The header, read and checked by the caller.
    for record in records:
        if record.fields == []:  # A blank line.
            continue
        problem = record.problem or row_problem(header, types, record.fields)
        if not problem and span is not None:
            problem = outside_span(header, record.fields, span)
        yield dataclasses.replace(record, problem=problem) if problem else record


def typed_values(header: List[str], types: Dict[str, RawType], fields: List[str]) -> Dict[str, Any]:
    """A good row's cells as their columns' values (None: empty), for the
    columns in `types`; ValueError if a cell does not parse as its type."""
    return {
        name: cell_value(types[name], cell) for name, cell in zip(header, fields) if name in types
    }


def checked_rows(
    path, header: List[str], types: Dict[str, RawType]
) -> Iterator[Tuple[int, List[str]]]:
    """(line, fields) of each data row of a local CSV whose header is
    `header`; ValueError names the first row that cannot become an example."""
    with open(path, "rb") as handle:
        for record in data_records(handle, header, types):
            if record.problem:
                raise ValueError(f"{path}:{record.line}: {record.problem}")
            yield record.line, record.fields
