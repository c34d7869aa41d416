"""Operational data in and out, end to end on a PostgreSQL server of the
tests' own: load-db, `run --database` to the CSV source's quality bar, then
`predict` writing scores back, idempotently, from a table and from CSVs."""

import csv
import shutil
from pathlib import Path

import pytest

from components.database.connection import parse_url
from components.rows import layout
from pipeline.cli import exits
from pipeline.cli.main import main
from pipeline.config import REPO_ROOT
from pipeline.scoring import reverse_etl
from pipeline.scoring.model import latest_model
from tests.pipeline.cli.test_cli import _cli

pytestmark = pytest.mark.slow

NEWEST = "2016-10-01"  # 201 trips.


def _table(url: str, table: str = reverse_etl.TABLE):
    return parse_url(url).one_row(
        f"SELECT COUNT(*), COUNT(DISTINCT trip_key), MIN(model_version), "
        f'MAX(model_version), COUNT(DISTINCT scored_at) FROM "{table}"'
    )


def _staging_tables(url: str) -> int:
    database = parse_url(url)
    if database.dialect == "sqlite":
        query = "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%staging%'"
    else:
        query = "SELECT COUNT(*) FROM pg_tables WHERE tablename LIKE '%staging%'"
    return database.one_row(query)[0]


@pytest.fixture(scope="module")
def postgres_run(tmp_path_factory, postgres):
    """All bundled trips loaded into PostgreSQL, then the pipeline run on them."""
    tmp = tmp_path_factory.mktemp("postgres_run")
    url = postgres.new_database("reverse_etl")
    loaded = _cli("load-db", "--database", url)
    assert loaded.returncode == exits.EXIT_OK, loaded.stderr
    result = _cli("run", "--database", url, "--output-dir", str(tmp))
    return tmp, result, url


def test_one_switch_trains_from_postgresql_to_the_csv_quality_bar(postgres_run):
    from pipeline.config import PipelineConfig
    from pipeline.runners.local import evaluation_summary

    out, result, _ = postgres_run
    assert result.returncode == exits.EXIT_OK, result.stdout + result.stderr
    assert "DatabaseExampleGen ... done" in result.stderr
    assert "CsvExampleGen" not in result.stderr
    summary = evaluation_summary(PipelineConfig(output_dir=out))
    # The bar test_cli.test_full_run_meets_the_quality_bar sets for CSVs.
    assert summary["metrics"]["auc"] >= 0.93
    assert summary["metrics"]["binary_accuracy"] >= 0.85
    assert "Span drift: span 2016-10-01 (151 train examples)" in result.stdout


def test_the_password_is_nowhere_in_the_run(postgres_run):
    from tests.support.postgres_server import PASSWORD

    out, result, _ = postgres_run
    assert PASSWORD not in result.stdout + result.stderr
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "metadata.sqlite" for p in files)
    assert any(p.suffix == ".log" for p in files)
    for path in files:
        assert PASSWORD.encode() not in path.read_bytes(), path


def test_predictions_from_a_table_land_once_per_trip(postgres_run):
    out, _, url = postgres_run
    version = latest_model(out / "serving" / "chicago-taxi").version
    for _attempt in range(2):
        result = _cli("predict", "--source", url, "--to", url, "--output-dir", str(out))
        assert result.returncode == exits.EXIT_OK, result.stderr
        assert (
            f"Scored 15002 trips with model version {version}; 15002 rows in table trip_predictions"
        ) in result.stdout
        assert _table(url) == (15002, 15002, version, version, 1)
    assert _staging_tables(url) == 0
    # The scores are the model's: about as many big tippers as in the data.
    share = parse_url(url).one_row("SELECT AVG(big_tipper) FROM trip_predictions")[0]
    assert 0.15 < float(share) < 0.4


def test_predictions_from_csvs_are_keyed_by_their_fields(postgres_run, tmp_path):
    out, _, _ = postgres_run
    target = f"sqlite:///{tmp_path}/scores.sqlite"
    source = REPO_ROOT / "data" / "trips" / NEWEST
    for _attempt in range(2):
        assert (
            main(["predict", "--source", str(source), "--to", target, "--output-dir", str(out)])
            == exits.EXIT_OK
        )
        count, keys, *_ = _table(target)
        assert count == keys == 201


def test_a_bad_row_fails_predict_and_changes_nothing(postgres_run, tmp_path, capsys):
    out, _, _ = postgres_run
    target = f"sqlite:///{tmp_path}/scores.sqlite"
    good = tmp_path / "good"
    shutil.copytree(REPO_ROOT / "data" / "trips" / NEWEST, good)
    assert (
        main(["predict", "--source", str(good), "--to", target, "--output-dir", str(out)])
        == exits.EXIT_OK
    )
    before = _table(target)
    path = good / layout.QUARTER_FILE
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[150][rows[0].index("trip_miles")] = "far"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    capsys.readouterr()
    assert (
        main(["predict", "--source", str(good), "--to", target, "--output-dir", str(out)])
        == exits.EXIT_DATA_INVALID
    )
    error = capsys.readouterr().err
    assert "trips.csv:151: trip_miles='far' is not a number; nothing was written" in error
    assert _table(target) == before
    assert _staging_tables(target) == 0
    fresh = f"sqlite:///{tmp_path}/fresh.sqlite"
    assert (
        main(["predict", "--source", str(good), "--to", fresh, "--output-dir", str(out)])
        == exits.EXIT_DATA_INVALID
    )
    assert parse_url(fresh).one_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") == (
        0,
    )


def test_predict_names_what_is_missing(tmp_path, capsys):
    target = f"sqlite:///{tmp_path}/scores.sqlite"
    source = str(REPO_ROOT / "data" / "trips" / NEWEST)
    assert (
        main(["predict", "--source", source, "--to", target, "--output-dir", str(tmp_path)])
        == exits.EXIT_USAGE
    )
    assert "no pushed model under" in capsys.readouterr().err
    assert (
        main(["predict", "--source", source, "--to", target, "--model", str(tmp_path)])
        == exits.EXIT_USAGE
    )
    assert "is not a SavedModel" in capsys.readouterr().err
    assert (
        main(
            [
                "predict",
                "--source",
                str(tmp_path / "nope"),
                "--to",
                target,
                "--model",
                str(tmp_path),
            ]
        )
        == exits.EXIT_USAGE
    )
    assert "does not exist" in capsys.readouterr().err
    assert not Path(tmp_path / "scores.sqlite").exists()
