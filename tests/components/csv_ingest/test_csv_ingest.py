"""Typed CSV reading and the quarantine, on hand-made lines and real files."""

import csv
import shutil
from pathlib import Path

import pytest

from components.rows import layout
from components.rows.csv_records import column_types, read_records, row_problem
from pipeline.config import REPO_ROOT

QUARTER = "2014-04-01"  # 1,380 trips.


def _records(text: bytes):
    return [(r.line, r.fields, r.problem) for r in read_records(text.splitlines(keepends=True))]


def test_records_keep_their_first_line_number():
    assert _records(b'a,b\n1,"two\nlines"\n\n3,x\n') == [
        (1, ["a", "b"], None),
        (2, ["1", "two\nlines"], None),
        (4, [], None),
        (5, ["3", "x"], None),
    ]


def test_a_line_that_is_not_utf8_is_one_bad_record():
    assert _records(b"a,b\n1,\xff\n2,y\n") == [
        (1, ["a", "b"], None),
        (2, None, "not UTF-8 (byte 0xff)"),
        (3, ["2", "y"], None),
    ]


def test_an_unclosed_quote_swallows_the_rest_of_the_file():
    assert _records(b'a,b\n1,"x\n2,y\n') == [
        (1, ["a", "b"], None),
        (
            2,
            None,
            "unbalanced quote: the record starting here runs to the end of the file (line 3)",
        ),
    ]


def test_cells_are_judged_by_the_spec_types():
    header = ["fare", "trip_seconds", "company"]
    types = column_types(header)
    assert row_problem(header, types, ["1.5", "30", "Flash Cab"]) is None
    assert row_problem(header, types, ["", "", ""]) is None  # Missing is allowed.
    assert row_problem(header, types, ["NaN", "30", "x"]) is None  # The schema's call.
    assert row_problem(header, types, ["N/A", "3.0", "x"]) == (
        "fare='N/A' is not a number; trip_seconds='3.0' is not an integer"
    )
    assert row_problem(header, types, ["1.5"]) == "1 fields, expected 3"


def test_a_column_outside_the_spec_is_named():
    with pytest.raises(KeyError, match="no raw feature named 'surge'"):
        column_types(["fare", "surge"])


def _input(tmp_path, bad_lines=()):
    """One bundled quarter, with `fare` set to 'N/A' on the given lines."""
    root = tmp_path / "trips"
    shutil.copytree(REPO_ROOT / "data" / "trips" / QUARTER, root / QUARTER)
    path = root / QUARTER / layout.QUARTER_FILE
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    for line in bad_lines:
        rows[line - 1][rows[0].index("fare")] = "N/A"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return root, path


def _ingest(tmp_path, root, limit):
    from google.protobuf import json_format
    from tfx.proto import example_gen_pb2
    from tfx.types import standard_artifacts

    from components.csv_ingest import executor
    from components.csv_ingest.component import QuarantinedRows

    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "examples")
    quarantine = QuarantinedRows()
    quarantine.uri = str(tmp_path / "quarantine")
    input_config = example_gen_pb2.Input(
        splits=[example_gen_pb2.Input.Split(name="all", pattern=layout.ALL_QUARTERS_PATTERN)]
    )
    output_config = example_gen_pb2.Output(
        split_config=example_gen_pb2.SplitConfig(
            splits=[example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=1)]
        )
    )
    executor.Executor(
        executor.Executor.Context(
            beam_pipeline_args=["--direct_running_mode=in_memory"],
            tmp_dir=str(tmp_path / "tmp"),
            unique_id="1",
        )
    ).Do(
        {},
        {"examples": [examples], "quarantine": [quarantine]},
        {
            "input_base": str(root),
            "input_config": json_format.MessageToJson(input_config),
            "output_config": json_format.MessageToJson(output_config),
            "output_data_format": example_gen_pb2.FORMAT_TF_EXAMPLE,
            "output_file_format": example_gen_pb2.FORMAT_TFRECORDS_GZIP,
            executor.MAX_QUARANTINED_FRACTION_KEY: limit,
        },
    )
    return examples, quarantine


def _examples(artifact):
    import tensorflow as tf

    files = sorted((Path(artifact.uri) / "Split-train").glob("*.gz"))
    assert files, artifact.uri
    return [
        tf.train.Example.FromString(record)
        for path in files
        for record in tf.data.TFRecordDataset(
            str(path), compression_type="GZIP"
        ).as_numpy_iterator()
    ]


@pytest.mark.slow
def test_clean_input_becomes_typed_examples(tmp_path):
    root, _ = _input(tmp_path)
    examples, quarantine = _ingest(tmp_path, root, limit=0.0)
    parsed = _examples(examples)
    assert len(parsed) == 1380
    features = parsed[0].features.feature
    assert features["fare"].WhichOneof("kind") == "float_list"
    assert features["trip_seconds"].WhichOneof("kind") == "int64_list"
    # Empty in every row of this quarter, still typed by the spec.
    assert features["pickup_census_tract"].WhichOneof("kind") == "int64_list"
    assert quarantine.get_int_custom_property("quarantined_rows") == 0


@pytest.mark.slow
def test_unparsable_rows_within_the_limit_are_quarantined(tmp_path):
    root, path = _input(tmp_path, bad_lines=(3, 10))
    examples, quarantine = _ingest(tmp_path, root, limit=0.01)
    assert len(_examples(examples)) == 1378
    assert (
        quarantine.get_int_custom_property("rows"),
        quarantine.get_int_custom_property("quarantined_rows"),
    ) == (1380, 2)
    [written] = list((tmp_path / "quarantine").rglob("quarantined_rows.csv"))
    with written.open(newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: int(r["line"]))
    assert [(r["file"], r["line"], r["problem"]) for r in rows] == [
        (str(path), "3", "fare='N/A' is not a number"),
        (str(path), "10", "fare='N/A' is not a number"),
    ]
    assert "N/A" in rows[0]["record"]


@pytest.mark.slow
def test_by_default_one_unparsable_row_fails_naming_it(tmp_path):
    from components.csv_ingest.executor import QuarantineLimitError

    root, path = _input(tmp_path, bad_lines=(7,))
    with pytest.raises(QuarantineLimitError) as raised:
        _ingest(tmp_path, root, limit=0.0)
    message = str(raised.value)
    assert message.startswith(
        "1 of 1380 row(s) (0.07%) could not be parsed, over "
        "the quarantine limit of 0.00%; nothing was ingested:"
    )
    assert f"  - {path}:7: fare='N/A' is not a number" in message


def test_quarantine_listing_sorts_by_file_and_line_even_for_uris(tmp_path):
    from components.csv_ingest import executor

    written = tmp_path / "quarantined_rows.csv"
    written.write_text(
        f"{executor.QUARANTINE_HEADER}\n"
        'gs://b/2014/trips.csv,12,"fare=\'N/A\' is not a number","x,N/A"\n'
        'gs://b/2014/trips.csv,3,2 fields expected 18,"a,b"\n'
    )
    assert executor._first_quarantined([str(written)]) == [
        "gs://b/2014/trips.csv:3: 2 fields expected 18",
        "gs://b/2014/trips.csv:12: fare='N/A' is not a number",
    ]


def _ingest_spans(tmp_path, root, limit, spans=None):
    """The span executor, as the driver would call it (`spans`: to ingest;
    None: as on Kubeflow, every span under `root`)."""
    from tfx.proto import example_gen_pb2
    from tfx.types import standard_artifacts

    from components.csv_ingest import executor
    from components.csv_ingest.component import QuarantinedRows
    from components.spans import driver
    from components.spans.record import to_json

    template = standard_artifacts.Examples()
    template.uri = str(tmp_path / "examples")
    quarantine = QuarantinedRows()
    quarantine.uri = str(tmp_path / "quarantine")
    outputs = {"examples": [template], "quarantine": [quarantine]}
    properties = {
        "input_base": str(root),
        "output_config": '{"split_config": {"splits": [{"name": "train", "hash_buckets": 1}]}}',
        "output_data_format": example_gen_pb2.FORMAT_TF_EXAMPLE,
        "output_file_format": example_gen_pb2.FORMAT_TFRECORDS_GZIP,
        executor.MAX_QUARANTINED_FRACTION_KEY: limit,
    }
    if spans is not None:
        properties[driver.TO_INGEST_KEY] = to_json(spans)
    executor.SpanExecutor(
        executor.SpanExecutor.Context(
            beam_pipeline_args=["--direct_running_mode=in_memory"],
            tmp_dir=str(tmp_path / "tmp"),
            unique_id="1",
        )
    ).Do({}, outputs, properties)
    return outputs["examples"], quarantine


@pytest.mark.slow
def test_each_span_becomes_its_own_artifact(tmp_path):
    from components.spans.manifest import MANIFEST_FILE, expanded
    from components.spans.record import span_of

    root, _ = _input(tmp_path)
    shutil.copytree(REPO_ROOT / "data" / "trips" / "2014-07-01", root / "2014-07-01")
    (root / "README.md").write_text("not a span")  # Stray files are left alone.
    artifacts, _ = _ingest_spans(tmp_path, root, limit=0.0)
    assert [span_of(a).name for a in artifacts] == [QUARTER, "2014-07-01"]
    assert [len(_examples(a)) for a in artifacts] == [1380, 1303]
    assert [a.span for a in artifacts] == [177, 178]
    assert all(Path(a.uri).parent == tmp_path / "examples" for a in artifacts)
    # What Kubeflow records (the prepared folder) expands back into the spans.
    assert (tmp_path / "examples" / MANIFEST_FILE).is_file()
    from tfx.types import standard_artifacts

    recorded = standard_artifacts.Examples()
    recorded.uri = str(tmp_path / "examples")
    assert [a.uri for a in expanded([recorded])] == [a.uri for a in artifacts]


@pytest.mark.slow
def test_the_driver_chooses_which_spans_are_ingested(tmp_path):
    from components.csv_ingest.spans import csv_spans
    from components.spans.record import span_of

    root, _ = _input(tmp_path)
    shutil.copytree(REPO_ROOT / "data" / "trips" / "2014-07-01", root / "2014-07-01")
    newest = csv_spans(str(root))[-1:]
    artifacts, _ = _ingest_spans(tmp_path, root, limit=0.0, spans=newest)
    assert [span_of(a) for a in artifacts] == newest
    nothing, quarantine = _ingest_spans(tmp_path / "again", root, limit=0.0, spans=[])
    assert nothing == [] and quarantine.get_int_custom_property("rows") == 0


@pytest.mark.slow
def test_a_row_outside_its_spans_quarter_is_a_data_error_naming_it(tmp_path):
    from components.csv_ingest.executor import QuarantineLimitError

    root, path = _input(tmp_path)
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    # 2019-01-01T00:00:00Z, in the 2014-04-01 folder.
    rows[4][rows[0].index("trip_start_timestamp")] = "1546300800"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    with pytest.raises(QuarantineLimitError) as raised:
        _ingest_spans(tmp_path, root, limit=0.0)
    assert (
        f"  - {path}:5: trip_start_timestamp=1546300800 (2019-01-01T00:00:00+00:00) "
        f"lies outside span {QUARTER}" in str(raised.value)
    )
    artifacts, quarantine = _ingest_spans(tmp_path / "kept", root, limit=0.01)
    assert len(_examples(artifacts[0])) == 1379
    assert quarantine.get_int_custom_property("quarantined_rows") == 1
