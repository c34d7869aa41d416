"""`load-db`: the quarterly CSVs into a trips table, idempotently and atomically."""

import sqlite3
from pathlib import Path
from typing import Tuple

import pytest

from components.database.connection import parse_url
from components.rows import layout
from pipeline.cli.main import main
from pipeline.loading.load_db import LoadError, load
from tests.support.runs import ONE_QUARTER, one_quarter_of_data


def _count(path: Path) -> Tuple[int, int]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT COUNT(*), COUNT(DISTINCT trip_id) FROM trips").fetchone()


def test_loading_twice_leaves_one_row_per_trip(tmp_path):
    database = parse_url(f"sqlite:///{tmp_path}/trips.sqlite")
    root = one_quarter_of_data(tmp_path / "trips")
    assert load(database, root, layout.ALL_QUARTERS_PATTERN) == 1380
    assert load(database, root, layout.ALL_QUARTERS_PATTERN) == 1380
    assert _count(tmp_path / "trips.sqlite") == (1380, 1380)


def test_a_bad_row_fails_the_load_and_nothing_is_committed(tmp_path):
    database = parse_url(f"sqlite:///{tmp_path}/trips.sqlite")
    load(database, one_quarter_of_data(tmp_path / "good" / "trips"), layout.ALL_QUARTERS_PATTERN)
    bad = one_quarter_of_data(
        tmp_path / "bad" / "trips", bad_fare_line=1200
    )  # After the first batch.
    with pytest.raises(
        LoadError,
        match=rf"{ONE_QUARTER}/trips.csv:1200: fare='N/A' "
        r"is not a number",
    ):
        load(database, bad, layout.ALL_QUARTERS_PATTERN)
    assert _count(tmp_path / "trips.sqlite") == (1380, 1380)


def test_load_db_command_and_its_errors(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    root = one_quarter_of_data(tmp_path / "trips")
    assert main(["load-db", "--database", url, "--data-root", str(root)]) == 0
    assert f"Loaded 1380 trips into table trips of {url}" in capsys.readouterr().out
    assert main(["load-db", "--database", "postgresql://u:pw@h/db"]) == 2
    assert "must not hold a password" in capsys.readouterr().err
    bad = one_quarter_of_data(tmp_path / "bad" / "trips", bad_fare_line=5)
    assert main(["load-db", "--database", url, "--data-root", str(bad)]) == 3
    assert "trips.csv:5: fare='N/A' is not a number; nothing was loaded" in (
        capsys.readouterr().err
    )
