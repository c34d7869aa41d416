"""The database source's pure parts and load-db on SQLite: URLs, span
windows, key ranges, value typing, and loading CSVs idempotently."""

import csv
import shutil
import sqlite3
from pathlib import Path
from typing import Tuple

import pytest

from components import span_query
from components.database import DatabaseError, parse_url
from components.features import RawType
from components.spans import quarter_bounds, quarter_index, quarter_name
from pipeline import cli, datasets
from pipeline.config import REPO_ROOT, DatabaseSource
from pipeline.load_db import LoadError, load

QUARTER = "2014-04-01"  # 1,380 trips.


def test_urls_name_a_database_never_a_password():
    with pytest.raises(ValueError, match="must not hold a password.*PGPASSWORD"):
        parse_url("postgresql://taxi:secret@db.example.com/taxi")
    postgres = parse_url("postgresql://taxi@db.example.com:6543/trips")
    assert dict(postgres.connect_args) == {
        "host": "db.example.com", "port": "6543", "dbname": "trips", "user": "taxi"}
    assert postgres.placeholder == "%s"
    sqlite = parse_url("sqlite:///runs/trips.sqlite")
    assert sqlite.sqlite_path == str(Path("runs/trips.sqlite").resolve())
    assert sqlite.url == f"sqlite:///{sqlite.sqlite_path}"
    for bad in ("mysql://h/db", "sqlite://host/x.db", "postgresql://h",
                "postgresql://h:port/db", "sqlite:///x.db?mode=ro"):
        with pytest.raises(ValueError, match="database URL"):
            parse_url(bad)


def test_a_missing_sqlite_file_is_not_created_by_reading(tmp_path):
    database = parse_url(f"sqlite:///{tmp_path}/none.sqlite")
    with pytest.raises(DatabaseError, match="does not exist.*load-db"):
        database.one_row("SELECT 1")
    assert not (tmp_path / "none.sqlite").exists()


def test_spans_are_utc_quarters_numbered_from_1970():
    assert quarter_index(0) == 0
    assert quarter_name(177) == "2014-04-01"
    begin, end = quarter_bounds(177, 178)
    assert (begin, end) == (1396310400, 1412121600)  # 2014-04-01 .. 2014-10-01
    assert quarter_index(begin) == 177 and quarter_index(end - 1) == 178
    assert quarter_index(end) == 179


def test_the_query_must_hold_the_span_window():
    with pytest.raises(ValueError, match=r"missing \{span_end\}"):
        span_query.check_template("SELECT * FROM trips WHERE t >= {span_begin}")
    assert span_query.fill(span_query.DEFAULT_QUERY, 10, 20).endswith(
        "trip_start_timestamp >= 10 AND trip_start_timestamp < 20")
    with pytest.raises(ValueError, match="span_begin"):
        DatabaseSource(url="sqlite:///x.sqlite", query="SELECT * FROM trips")


def test_span_windows():
    assert span_query.span_window(170, 187) == (170, 187)
    assert span_query.span_window(170, 187, num_spans=4) == (184, 187)
    assert span_query.span_window(185, 187, num_spans=8) == (185, 187)


def test_key_ranges_cover_every_key_once():
    for low, high, parts in ((1, 15002, 4), (5, 5, 4), (1, 3, 8), (-7, 100, 3)):
        ranges = span_query.key_ranges(low, high, parts)
        assert len(ranges) <= parts
        assert ranges[0][0] == low and ranges[-1][1] == high + 1
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


def test_database_values_are_typed_by_the_spec():
    from components.example_values import value_problem

    assert value_problem(RawType.INT, 3) is None
    assert value_problem(RawType.INT, 3.0) is None
    assert value_problem(RawType.INT, 3.5) == "3.5 is not an integer"
    assert value_problem(RawType.INT, True) == "True is not an integer"
    assert value_problem(RawType.FLOAT, "N/A") == "'N/A' is not a number"
    assert value_problem(RawType.BYTES, 17031) == "17031 is not text"
    assert value_problem(RawType.FLOAT, None) is None


def _trips(tmp_path, edit_line=None) -> Path:
    root = tmp_path / "trips"
    shutil.copytree(REPO_ROOT / "data" / "trips" / QUARTER, root / QUARTER)
    if edit_line:
        path = root / QUARTER / datasets.QUARTER_FILE
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        rows[edit_line - 1][rows[0].index("fare")] = "N/A"
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return root


def _count(path: Path) -> Tuple[int, int]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*), COUNT(DISTINCT trip_id) "
                                  "FROM trips").fetchone()


def test_loading_twice_leaves_one_row_per_trip(tmp_path):
    database = parse_url(f"sqlite:///{tmp_path}/trips.sqlite")
    root = _trips(tmp_path)
    assert load(database, root, datasets.ALL_QUARTERS_PATTERN) == 1380
    assert load(database, root, datasets.ALL_QUARTERS_PATTERN) == 1380
    assert _count(tmp_path / "trips.sqlite") == (1380, 1380)


def test_a_bad_row_fails_the_load_and_nothing_is_committed(tmp_path):
    database = parse_url(f"sqlite:///{tmp_path}/trips.sqlite")
    load(database, _trips(tmp_path / "good"), datasets.ALL_QUARTERS_PATTERN)
    bad = _trips(tmp_path / "bad", edit_line=1200)  # After the first batch.
    with pytest.raises(LoadError, match=rf"{QUARTER}/trips.csv:1200: fare='N/A' "
                                        r"is not a number"):
        load(database, bad, datasets.ALL_QUARTERS_PATTERN)
    assert _count(tmp_path / "trips.sqlite") == (1380, 1380)


def test_load_db_command_and_its_errors(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    root = _trips(tmp_path)
    assert cli.main(["load-db", "--database", url, "--data-root", str(root)]) == 0
    assert f"Loaded 1380 trips into table trips of {url}" in capsys.readouterr().out
    assert cli.main(["load-db", "--database", "postgresql://u:pw@h/db"]) == 2
    assert "must not hold a password" in capsys.readouterr().err
    bad = _trips(tmp_path / "bad", edit_line=5)
    assert cli.main(["load-db", "--database", url, "--data-root", str(bad)]) == 3
    assert "trips.csv:5: fare='N/A' is not a number; nothing was loaded" in (
        capsys.readouterr().err)


@pytest.mark.parametrize("query, message", [
    ("SELECT * FROM nothere WHERE trip_start_timestamp >= {span_begin} "
     "AND trip_start_timestamp < {span_end}", "no such table: nothere"),
    ("SELEKT * FROM trips WHERE x >= {span_begin} AND x < {span_end}",
     "syntax error"),
    ("SELECT trip_id, fare AS surge, trip_start_timestamp FROM trips WHERE "
     "trip_start_timestamp >= {span_begin} AND trip_start_timestamp < {span_end}",
     "no raw feature named 'surge'"),
    ("SELECT fare, trip_start_timestamp FROM trips WHERE "
     "trip_start_timestamp >= {span_begin} AND trip_start_timestamp < {span_end}",
     "no key column 'trip_id'"),
    ("SELECT * FROM trips WHERE trip_start_timestamp >= {span_begin} "
     "AND trip_start_timestamp < {span_end} AND fare < 0", "returned no rows"),
])
def test_run_checks_the_database_before_loading_tensorflow(tmp_path, capsys,
                                                           query, message):
    url = f"sqlite:///{tmp_path}/trips.sqlite"
    load(parse_url(url), _trips(tmp_path), datasets.ALL_QUARTERS_PATTERN)
    code = cli.main(["run", "--database", url, "--db-query", query,
                     "--output-dir", str(tmp_path / "out")])
    assert code == cli.EXIT_USAGE
    error = capsys.readouterr().err
    assert message in error and url in error
    assert not (tmp_path / "out").exists()
