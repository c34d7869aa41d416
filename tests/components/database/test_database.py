"""Databases by URL and the span query's pure parts: URLs, span windows, key
ranges."""

from pathlib import Path

import pytest

from components.database import span_query
from components.database.connection import DatabaseError, parse_url
from pipeline.config import DatabaseSource

QUARTER = "2014-04-01"  # 1,380 trips.


def test_urls_name_a_database_never_a_password():
    with pytest.raises(ValueError, match="must not hold a password.*PGPASSWORD"):
        parse_url("postgresql://taxi:secret@db.example.com/taxi")
    postgres = parse_url("postgresql://taxi@db.example.com:6543/trips")
    assert dict(postgres.connect_args) == {
        "host": "db.example.com",
        "port": "6543",
        "dbname": "trips",
        "user": "taxi",
    }
    assert postgres.placeholder == "%s"
    sqlite = parse_url("sqlite:///runs/trips.sqlite")
    assert sqlite.sqlite_path == str(Path("runs/trips.sqlite").resolve())
    assert sqlite.url == f"sqlite:///{sqlite.sqlite_path}"
    for bad in (
        "mysql://h/db",
        "sqlite://host/x.db",
        "postgresql://h",
        "postgresql://h:port/db",
        "sqlite:///x.db?mode=ro",
    ):
        with pytest.raises(ValueError, match="database URL"):
            parse_url(bad)


def test_a_missing_sqlite_file_is_not_created_by_reading(tmp_path):
    database = parse_url(f"sqlite:///{tmp_path}/none.sqlite")
    with pytest.raises(DatabaseError, match="does not exist.*load-db"):
        database.one_row("SELECT 1")
    assert not (tmp_path / "none.sqlite").exists()


def test_the_query_must_hold_the_span_window():
    with pytest.raises(ValueError, match=r"missing \{span_end\}"):
        span_query.check_template("SELECT * FROM trips WHERE t >= {span_begin}")
    assert span_query.fill(span_query.DEFAULT_QUERY, 10, 20).endswith(
        "trip_start_timestamp >= 10 AND trip_start_timestamp < 20"
    )
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
