"""DatabaseExampleGen: what the component accepts, and the executor's
typed examples on a SQLite copy of one quarter."""

import json

import pytest

from components.database import span_query
from components.database.connection import parse_url
from components.db_ingest.component import DatabaseExampleGen
from pipeline.config import REPO_ROOT
from pipeline.loading.load_db import load
from tests.support.executors import database_example_gen_properties


def _output_config():
    from tfx.proto import example_gen_pb2

    return example_gen_pb2.Output(
        split_config=example_gen_pb2.SplitConfig(
            splits=[
                example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=4),
                example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=1),
            ]
        )
    )


def test_the_component_refuses_what_cannot_work():
    with pytest.raises(ValueError, match="must not hold a password"):
        DatabaseExampleGen("postgresql://u:secret@h/db", span_query.DEFAULT_QUERY, _output_config())
    with pytest.raises(ValueError, match="span window"):
        DatabaseExampleGen("sqlite:///x.sqlite", "SELECT * FROM trips", _output_config())
    with pytest.raises(ValueError, match="read_partitions"):
        DatabaseExampleGen(
            "sqlite:///x.sqlite", span_query.DEFAULT_QUERY, _output_config(), read_partitions=0
        )


def test_newest_spans_become_a_rolling_range():
    component = DatabaseExampleGen(
        "postgresql://taxi@db/taxi", span_query.DEFAULT_QUERY, _output_config(), num_spans=4
    )
    properties = component.exec_properties
    assert json.loads(properties["range_config"]) == {"rolling_range": {"num_spans": 4}}
    assert properties["input_base"] == "postgresql://taxi@db/taxi"
    assert json.loads(properties["input_config"])["splits"][0]["pattern"] == (
        span_query.DEFAULT_QUERY
    )


@pytest.mark.slow
def test_rows_become_examples_typed_by_the_spec(tmp_path):
    import tensorflow as tf
    from tfx.types import standard_artifacts

    from components.db_ingest import executor

    url = f"sqlite:///{tmp_path}/trips.sqlite"
    database = parse_url(url)
    load(database, REPO_ROOT / "data" / "trips", "2014-04-01/trips.csv")
    connection = database.connect()
    # A missing value is a feature without values, as in the CSV source.
    database.execute(connection, "UPDATE trips SET company = NULL WHERE trip_id = 1")
    connection.commit()
    template = standard_artifacts.Examples()
    template.uri = str(tmp_path / "examples")
    outputs = {"examples": [template]}
    executor.Executor().Do(
        {},
        outputs,
        database_example_gen_properties(url, span_query.DEFAULT_QUERY, read_partitions=3),
    )
    # No driver ran: every quarter with rows, each its own artifact.
    [examples] = outputs["examples"]
    assert examples.get_string_custom_property("span_name") == "2014-04-01"
    records = [
        tf.train.Example.FromString(r.numpy())
        for split in ("train", "eval")
        for r in tf.data.TFRecordDataset(
            tf.io.gfile.glob(f"{examples.uri}/Split-{split}/*"), compression_type="GZIP"
        )
    ]
    assert len(records) == 1380
    features = records[0].features.feature
    assert span_query.KEY_COLUMN not in features
    assert features["fare"].WhichOneof("kind") == "float_list"
    assert features["trip_seconds"].WhichOneof("kind") == "int64_list"
    assert features["payment_type"].WhichOneof("kind") == "bytes_list"
    missing = [r for r in records if not r.features.feature["company"].bytes_list.value]
    assert len(missing) >= 1
    assert missing[0].features.feature["company"].WhichOneof("kind") == "bytes_list"
