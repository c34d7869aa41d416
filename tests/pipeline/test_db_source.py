"""DatabaseExampleGen on real databases: SQLite and a PostgreSQL server the
tests start. The same rows give the same statistics per span as the CSV
source; ingestion follows the database's contents span by span; failures
write nothing."""

import dataclasses
from pathlib import Path

import pytest

from components.database import span_query
from components.database.connection import DatabaseError, parse_url
from components.rows import layout
from pipeline.loading.load_db import load
from tests.support.executors import database_example_gen_properties
from tests.support.runs import SLICE_QUARTERS, latest_outputs, slice_of_data
from tests.support.statistics_equality import same, span_statistics

pytestmark = pytest.mark.slow

SOURCES = ("CsvExampleGen", "SqliteExampleGen", "PostgresExampleGen")


def _ingestion_pipeline(tmp: Path, data_root: Path, sqlite_url: str, postgres_url: str):
    """The three sources side by side, each with its per-span statistics,
    validation and gate: the drivers ingest what no gate has passed yet."""
    from tfx import v1 as tfx

    from components.anomaly_gate.component import AnomalyGate
    from components.curated_schema.component import CuratedSchemaImporter
    from components.curated_schema.executor import file_sha256
    from components.per_span.component import SpanExampleValidator, SpanStatisticsGen
    from pipeline import pipeline as assembly
    from pipeline.config import DatabaseSource, PipelineConfig

    config = PipelineConfig(
        data_root=data_root, output_dir=tmp / "out", beam_args=("--direct_running_mode=in_memory",)
    )
    schema = CuratedSchemaImporter(
        schema_file=config.schema_path, schema_sha256=file_sha256(config.schema_path)
    )
    components = [schema]
    for name, database in zip(SOURCES, (None, sqlite_url, postgres_url)):
        source = DatabaseSource(url=database) if database else None
        example_gen = assembly._example_gen(  # noqa: SLF001 (the pipeline's own)
            PipelineConfig(data_root=data_root, database=source), str(data_root)
        ).with_id(name)
        statistics = SpanStatisticsGen(examples=example_gen.outputs["examples"]).with_id(
            f"{name}Statistics"
        )
        validator = SpanExampleValidator(
            statistics=statistics.outputs["statistics"], schema=schema.outputs["schema"]
        ).with_id(f"{name}Validator")
        gate = AnomalyGate(
            statistics=statistics.outputs["statistics"],
            anomalies=validator.outputs["anomalies"],
        ).with_id(f"{name}Gate")
        components += [example_gen, statistics, validator, gate]
    return config, tfx.dsl.Pipeline(
        pipeline_name=config.pipeline_name,
        pipeline_root=config.pipeline_root,
        components=components,
        enable_cache=True,
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            config.metadata_path
        ),
        beam_pipeline_args=list(config.beam_args),
    )


def _run(pipeline):
    from tfx import v1 as tfx

    tfx.orchestration.LocalDagRunner().run(pipeline)


@dataclasses.dataclass
class Ingested:
    """Two runs of the three sources: ML Metadata's outputs after each."""

    config: object
    pipeline: object
    first: dict
    second: dict
    postgres_url: str


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, postgres):
    tmp = tmp_path_factory.mktemp("db_source")
    data_root = slice_of_data(tmp / "trips")
    sqlite_url = f"sqlite:///{tmp}/trips.sqlite"
    postgres_url = postgres.new_database("db_source")
    for url in (sqlite_url, postgres_url):
        load(parse_url(url), data_root, layout.ALL_QUARTERS_PATTERN)
    config, pipeline = _ingestion_pipeline(tmp, data_root, sqlite_url, postgres_url)
    _run(pipeline)
    first = latest_outputs(config)
    _run(pipeline)
    second = latest_outputs(config)
    return Ingested(config, pipeline, first, second, postgres_url)


def test_database_and_csv_sources_give_equal_statistics_per_span(ingested):
    outputs = ingested.first
    for span in SLICE_QUARTERS:
        for split in ("train", "eval"):
            csv_count, csv_features = span_statistics(
                outputs, "CsvExampleGenStatistics", split, span
            )
            assert csv_count > 0
            for name in SOURCES[1:]:
                count, features = span_statistics(outputs, f"{name}Statistics", split, span)
                assert count == csv_count, (name, split, span)
                same(features, csv_features, f"{name}/{span}/{split}")


def test_database_examples_are_one_artifact_per_span_with_a_fingerprint(ingested):
    from components.rows.spans import quarter_name

    for name in SOURCES[1:]:
        examples = ingested.first[name]["outputs"]["examples"]
        assert [quarter_name(a["properties"]["span"]) for a in examples] == list(SLICE_QUARTERS)
        for artifact in examples:
            assert artifact["properties"]["span_name"] == quarter_name(
                artifact["properties"]["span"]
            )
            # COUNT(*) first: the span's rows.
            assert int(artifact["properties"]["span_fingerprint"].split(",")[0]) > 1000


def test_an_unchanged_database_ingests_nothing(ingested):
    second = ingested.second
    for name in SOURCES:
        assert "examples" not in second[name]["outputs"], name


def test_a_new_quarter_of_rows_is_ingested_on_the_next_run(ingested):
    config, pipeline = ingested.config, ingested.pipeline
    database = parse_url(ingested.postgres_url)
    connection = database.connect()
    # A copy of one trip, moved into the next quarter (2014-10-01).
    database.execute(
        connection,
        (
            "INSERT INTO trips SELECT trip_id + 1000000, "
            + ", ".join(
                f'"{c}"' if c != "trip_start_timestamp" else "trip_start_timestamp + 7948800"
                for c in _columns(database)
            )
            + " FROM trips WHERE trip_id = (SELECT MAX(trip_id) FROM trips)"
        ),
    )
    connection.commit()
    connection.close()
    from components.anomaly_gate.executor import DataValidationError

    # One trip is no quarter: its gate stops the run, after ingesting only it.
    with pytest.raises(DataValidationError, match=r"split '2014-10-01/\w+': no examples"):
        _run(pipeline)
    third = latest_outputs(config)
    assert third["PostgresExampleGen"]["state"] == "COMPLETE"
    # Only the new quarter, with its one trip, is ingested.
    [examples] = third["PostgresExampleGen"]["outputs"]["examples"]
    assert examples["properties"]["span_name"] == "2014-10-01"
    counts = [
        span_statistics(third, "PostgresExampleGenStatistics", s, "2014-10-01")[0]
        for s in ("train", "eval")
    ]
    assert sum(counts) == 1


def _columns(database):
    columns, rows = database.rows("SELECT * FROM trips WHERE 1 = 0")
    list(rows)
    return [c for c in columns if c != span_query.KEY_COLUMN]


def test_no_password_in_the_spec_metadata_or_logs(ingested):
    from tests.support.postgres_server import PASSWORD

    config = ingested.config
    root = Path(config.output_dir)
    for path in root.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def _postgres_failures(url: str):
    from pipeline.serving.ports import free_port

    query = span_query.DEFAULT_QUERY
    return {
        "unreachable": (
            f"postgresql://taxi@127.0.0.1:{free_port()}/taxi",
            query,
            {},
            "Connection refused",
        ),
        "wrong credentials": (
            url,
            query,
            {"PGPASSWORD": "not-it"},
            'password authentication failed for user "taxi" (the password comes from PGPASSWORD',
        ),
        "missing table": (
            url,
            query.replace("FROM trips", "FROM nothere"),
            {},
            'relation "nothere" does not exist',
        ),
        "failing query": (url, query + " AND fare / 0 > 1", {}, "division by zero"),
    }


@pytest.mark.parametrize(
    "case", ["unreachable", "wrong credentials", "missing table", "failing query"]
)
def test_database_failures_are_named_before_anything_is_written(
    ingested, tmp_path, monkeypatch, capsys, case
):
    """Through the CLI's check, and through the executor itself (the
    database may change between the two)."""
    from tfx.types import standard_artifacts

    from components.db_ingest import executor
    from pipeline.cli import exits
    from pipeline.cli.main import main

    url, query, env, message = _postgres_failures(ingested.postgres_url)[case]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(
        ["run", "--database", url, "--db-query", query, "--output-dir", str(tmp_path / "out")]
    )
    assert code == exits.EXIT_USAGE
    error = capsys.readouterr().err
    assert message in error and url in error
    assert "not-it" not in error
    assert not (tmp_path / "out").exists()

    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "examples")
    properties = database_example_gen_properties(url, query, read_partitions=2)
    with pytest.raises(DatabaseError, match=message.split(" (")[0]):
        executor.Executor().Do({}, {"examples": [examples]}, properties)
    assert not any(p.is_file() for p in (tmp_path / "examples").rglob("*"))
