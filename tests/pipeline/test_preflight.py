"""Structural input problems stop a run before TFX, naming file and line."""

import csv
import shutil
import subprocess
import sys

import pytest

from components.database.connection import parse_url
from components.rows import layout
from pipeline.cli import exits
from pipeline.cli.main import main
from pipeline.config import REPO_ROOT
from pipeline.loading.load_db import load
from pipeline.preflight import InputError, check_serving_sample, check_trips
from tests.support.runs import one_quarter_of_data

QUARTERS = ("2014-04-01", "2014-07-01")


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / "trips"
    for quarter in QUARTERS:
        shutil.copytree(REPO_ROOT / "data" / "trips" / quarter, root / quarter)
    return root


def _file(root, quarter=QUARTERS[0]):
    return root / quarter / layout.QUARTER_FILE


def _problems(root):
    with pytest.raises(InputError) as raised:
        check_trips(root, layout.ALL_QUARTERS_PATTERN)
    return raised.value.problems


def _replace_line(path, number, transform):
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = transform(lines[number - 1])
    path.write_bytes(b"\n".join(lines))


def test_bundled_data_passes_without_warnings():
    summary = check_trips(REPO_ROOT / "data" / "trips", layout.ALL_QUARTERS_PATTERN)
    assert (len(summary.files), summary.rows, summary.warnings) == (16, 15002, [])


def test_the_largest_span_is_the_quarter_with_the_most_rows(data_root):
    rows = [len(_file(data_root, quarter).read_text().splitlines()) - 1 for quarter in QUARTERS]
    assert rows[0] != rows[1]
    summary = check_trips(data_root, layout.ALL_QUARTERS_PATTERN)
    assert (summary.rows, summary.largest_span_rows) == (sum(rows), max(rows))


def test_a_database_spans_rows_are_the_windows_mean(data_root, tmp_path):
    from pipeline.config import DatabaseSource
    from pipeline.preflight import check_database

    url = f"sqlite:///{tmp_path}/trips.sqlite"
    load(parse_url(url), data_root, layout.ALL_QUARTERS_PATTERN)
    summary = check_database(DatabaseSource(url=url))
    # Two quarters of 1,380 and 1,303 trips, counted without a query per span.
    assert (summary.rows, summary.largest_span_rows) == (2683, 1342)


def test_empty_file(data_root):
    _file(data_root).write_bytes(b"")
    assert _problems(data_root) == [f"{_file(data_root)}: empty file (no header)"]


def test_header_only_file(data_root):
    header = _file(data_root).read_text().splitlines()[0]
    _file(data_root).write_text(header + "\n")
    assert _problems(data_root) == [f"{_file(data_root)}: header only, no rows"]


def test_wrong_column_count_names_the_line(data_root):
    _replace_line(_file(data_root), 5, lambda line: line + b",extra")
    assert _problems(data_root) == [f"{_file(data_root)}:5: 19 fields, expected 18"]


def test_unbalanced_quote_names_where_it_starts(data_root):
    _replace_line(_file(data_root), 7, lambda line: b'"' + line)
    [problem] = _problems(data_root)
    assert problem.startswith(f"{_file(data_root)}:7: unbalanced quote")


def test_non_utf8_bytes_name_the_line(data_root):
    _replace_line(_file(data_root), 9, lambda line: line + b"\xff")
    assert _problems(data_root) == [f"{_file(data_root)}:9: not UTF-8 (byte 0xff)"]


def test_byte_order_mark(data_root):
    _file(data_root).write_bytes(b"\xef\xbb\xbf" + _file(data_root).read_bytes())
    assert _problems(data_root) == [
        f"{_file(data_root)}:1: starts with a UTF-8 byte-order mark; save it without one"
    ]


def test_renamed_column_is_missing_and_new(data_root):
    second = _file(data_root, QUARTERS[1])
    _replace_line(second, 1, lambda line: line.replace(b",tips", b",tip_amount"))
    assert _problems(data_root) == [
        f"{second}:1: missing column(s) ['tips']",
        f"{second}:1: column(s) ['tip_amount'] are not in the feature spec; add "
        f"them to components/features.py and schema/schema.pbtxt, or remove them",
    ]


def _edit_every_file(root, edit):
    """Applies `edit(rows)` to the parsed rows of every quarter file."""
    for quarter in QUARTERS:
        path = _file(root, quarter)
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(edit(rows))


def test_new_column_in_every_file_is_refused(data_root):
    _edit_every_file(
        data_root,
        lambda rows: [row + (["surge"] if i == 0 else ["1.5"]) for i, row in enumerate(rows)],
    )
    problems = _problems(data_root)
    assert len(problems) == 2
    assert all("column(s) ['surge'] are not in the feature spec" in p for p in problems)


def test_missing_column_in_every_file_is_refused(data_root):
    def drop_company(rows):
        index = rows[0].index("company")
        return [row[:index] + row[index + 1 :] for row in rows]

    _edit_every_file(data_root, drop_company)
    assert _problems(data_root) == [
        f"{_file(data_root, q)}:1: missing column(s) ['company']" for q in QUARTERS
    ]


def test_columns_in_another_order_are_refused(data_root):
    second = _file(data_root, QUARTERS[1])
    with second.open(newline="") as handle:
        rows = [row[::-1] for row in csv.reader(handle)]
    with second.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    [problem] = _problems(data_root)
    assert problem.startswith(f"{second}:1: columns in another order than in {_file(data_root)}")


def test_duplicate_rows_pass_with_a_warning_naming_the_lines(data_root):
    _edit_every_file(data_root, lambda rows: rows + [rows[1]])
    summary = check_trips(data_root, layout.ALL_QUARTERS_PATTERN)
    first, second = (_file(data_root, q) for q in QUARTERS)
    last_line = len(first.read_text().splitlines())
    assert summary.warnings[0] == (
        f"2 duplicate row(s), e.g. {first}:{last_line} repeats {first}:2, "
        f"{second}:{len(second.read_text().splitlines())} repeats {second}:2; "
        f"they are kept (identical trips are possible)"
    )


def test_duplicates_are_found_across_arrow_read_and_row_by_row_files(data_root):
    """A file with a bad row is checked row by row, a clean one through
    Arrow; a row repeated across them is still a duplicate, with its lines.
    (Files in one flat folder: in quarter folders a row of one quarter in the
    other's file would lie outside its span.)"""
    flat = data_root / "flat"
    flat.mkdir()
    first, second = (flat / f"{q}.csv" for q in QUARTERS)
    for quarter, path in zip(QUARTERS, (first, second)):
        path.write_bytes(_file(data_root, quarter).read_bytes())
    repeated = first.read_text().splitlines()[3]
    # A quoted field spanning lines shifts line numbers against row numbers.
    first.write_text(first.read_text().replace(",Cash,", ',"Ca\nsh",', 1))
    with second.open("a") as handle:
        handle.write("\n" + repeated + "\nnot,a,row\n")
    summary = check_trips(flat, "*.csv", max_quarantined_fraction=0.001)
    last = len(second.read_text().splitlines())
    line_of_repeated = next(
        number
        for number, line in enumerate(first.read_text().splitlines(), start=1)
        if line == repeated
    )
    assert summary.warnings[1] == (
        f"1 duplicate row(s), e.g. {second}:{last - 1} repeats "
        f"{first}:{line_of_repeated}; they are kept (identical trips are possible)"
    )


def test_all_null_column_passes_preflight_with_a_warning(data_root):
    def empty_tips(rows):
        index = rows[0].index("tips")
        return [rows[0]] + [row[:index] + [""] + row[index + 1 :] for row in rows[1:]]

    _edit_every_file(data_root, empty_tips)
    summary = check_trips(data_root, layout.ALL_QUARTERS_PATTERN)
    # pickup_census_tract is empty in these two quarters anyway.
    assert summary.warnings == [
        "column(s) ['pickup_census_tract', 'tips'] are empty in every row; the "
        "curated schema decides whether that is allowed"
    ]


def test_serving_sample_must_not_carry_the_label_source(data_root):
    serving = data_root.parent / "serving"
    serving.mkdir()
    shutil.copy(_file(data_root), serving / "requests.csv")
    [problem] = _problems_of(lambda: check_serving_sample(serving))
    assert problem == (
        f"{serving / 'requests.csv'}:1: column(s) ['tips'] are not in the serving "
        f"columns of the feature spec; serving requests carry no label source; "
        f"remove them"
    )


def _problems_of(check):
    with pytest.raises(InputError) as raised:
        check()
    return raised.value.problems


def test_every_problem_is_listed_at_once(data_root):
    _file(data_root).write_bytes(b"")
    _replace_line(_file(data_root, QUARTERS[1]), 3, lambda line: line + b",x")
    assert len(_problems(data_root)) == 2


def test_cli_stops_before_tfx_with_exit_3(data_root, tmp_path):
    _replace_line(_file(data_root), 5, lambda line: line + b",extra")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--data-root",
            str(data_root),
            "--output-dir",
            str(tmp_path / "out"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == exits.EXIT_DATA_INVALID
    assert f"{_file(data_root)}:5: 19 fields, expected 18" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def _set_cell(path, line, column, value):
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_a_cell_of_the_wrong_type_names_line_and_column(data_root):
    _set_cell(_file(data_root), 4, "fare", "N/A")
    _set_cell(_file(data_root), 6, "trip_seconds", "1.5")
    assert _problems(data_root) == [
        f"{_file(data_root)}:4: fare='N/A' is not a number",
        f"{_file(data_root)}:6: trip_seconds='1.5' is not an integer",
    ]


def test_nan_and_inf_parse_as_numbers_for_the_schema_to_judge(data_root):
    _set_cell(_file(data_root), 4, "fare", "NaN")
    _set_cell(_file(data_root), 5, "trip_miles", "inf")
    assert check_trips(data_root, layout.ALL_QUARTERS_PATTERN).rows == 2683


def test_unparsable_rows_within_the_quarantine_limit_are_a_warning(data_root):
    _set_cell(_file(data_root), 4, "fare", "N/A")
    _replace_line(_file(data_root, QUARTERS[1]), 5, lambda line: line + b",extra")
    summary = check_trips(data_root, layout.ALL_QUARTERS_PATTERN, max_quarantined_fraction=0.001)
    assert summary.rows == 2681
    assert summary.warnings[0] == (
        f"2 of 2683 row(s) cannot be parsed and will be quarantined (limit 0.10%), "
        f"e.g. {_file(data_root)}:4: fare='N/A' is not a number"
    )
    with pytest.raises(InputError):  # 2 of 2683 is over 0.05%.
        check_trips(data_root, layout.ALL_QUARTERS_PATTERN, max_quarantined_fraction=0.0005)


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "SELECT * FROM nothere WHERE trip_start_timestamp >= {span_begin} "
            "AND trip_start_timestamp < {span_end}",
            "no such table: nothere",
        ),
        ("SELEKT * FROM trips WHERE x >= {span_begin} AND x < {span_end}", "syntax error"),
        (
            "SELECT trip_id, fare AS surge, trip_start_timestamp FROM trips WHERE "
            "trip_start_timestamp >= {span_begin} AND trip_start_timestamp < {span_end}",
            "no raw feature named 'surge'",
        ),
        (
            "SELECT fare, trip_start_timestamp FROM trips WHERE "
            "trip_start_timestamp >= {span_begin} AND trip_start_timestamp < {span_end}",
            "no key column 'trip_id'",
        ),
        (
            "SELECT * FROM trips WHERE trip_start_timestamp >= {span_begin} "
            "AND trip_start_timestamp < {span_end} AND fare < 0",
            "returned no rows",
        ),
    ],
)
def test_run_checks_the_database_before_loading_tensorflow(tmp_path, capsys, query, message):
    url = f"sqlite:///{tmp_path}/trips.sqlite"
    load(parse_url(url), one_quarter_of_data(tmp_path / "trips"), layout.ALL_QUARTERS_PATTERN)
    code = main(
        ["run", "--database", url, "--db-query", query, "--output-dir", str(tmp_path / "out")]
    )
    assert code == exits.EXIT_USAGE
    error = capsys.readouterr().err
    assert message in error and url in error
    assert not (tmp_path / "out").exists()


def test_a_row_outside_its_quarter_is_named(data_root):
    """2019-01-01T00:00:00Z in the 2014-04-01 folder: it belongs to no span
    this file stands for. Arrow reads the file, so this also checks that its
    fast path looks at the span."""
    path = _file(data_root)
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[3][rows[0].index("trip_start_timestamp")] = "1546300800"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    assert _problems(data_root) == [
        f"{path}:4: trip_start_timestamp=1546300800 (2019-01-01T00:00:00+00:00) "
        f"lies outside span {QUARTERS[0]}"
    ]
