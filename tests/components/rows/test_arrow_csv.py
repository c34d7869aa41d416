"""The Arrow fast path gives exactly the row-by-row path's examples, and
hands every file it cannot read whole back to it."""

from __future__ import annotations

import csv

import pytest

from components.rows.arrow_csv import serialized_examples
from components.rows.csv_records import cell_value, column_types, read_records
from components.rows.examples import example
from pipeline.config import REPO_ROOT

BUNDLED = REPO_ROOT / "data" / "trips" / "2014-04-01" / "trips.csv"


def _row_by_row(path):
    with open(path, "rb") as handle:
        records = read_records(handle)
        header = next(records).fields
        types = column_types(header)
        return [
            example(
                types,
                {name: cell_value(types[name], cell) for name, cell in zip(header, record.fields)},
            ).SerializeToString(deterministic=True)
            for record in records
            if record.fields
        ]


def _fast(path):
    with open(path, newline="") as handle:
        header = next(csv.reader(handle))
    fast = serialized_examples(str(path), header, column_types(header))
    return None if fast is None else list(fast)


def test_bundled_file_gives_identical_bytes():
    assert _fast(BUNDLED) == _row_by_row(BUNDLED)


def test_quoted_newlines_blank_lines_and_empty_cells(tmp_path):
    lines = BUNDLED.read_text().splitlines()
    path = tmp_path / "trips.csv"
    # A company name spanning lines, a blank line, and a row of empty cells
    # (except its start time, which the quarter layout needs).
    header = lines[0].split(",")
    empty = ["" if name != "trip_start_timestamp" else "1396310400" for name in header]
    path.write_text(
        "\n".join(
            [lines[0], lines[1].replace(",Cash,", ',"Ca\nsh",', 1), "", lines[2], ",".join(empty)]
        )
        + "\n"
    )
    assert _fast(path) == _row_by_row(path)


@pytest.mark.parametrize("bad_cell", ["5.0", "N/A", "1_000"])
def test_a_cell_arrow_rejects_sends_the_whole_file_row_by_row(tmp_path, bad_cell):
    lines = BUNDLED.read_text().splitlines()
    header = lines[0].split(",")
    cells = next(csv.reader([lines[2]]))
    cells[header.index("trip_seconds")] = bad_cell
    path = tmp_path / "trips.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows([header, next(csv.reader([lines[1]])), cells])
    assert _fast(path) is None
