"""SpanStatisticsGen's executor: the spans of a batch as one sliced TFDV
computation, writing what TFX's StatisticsGen writes for each span alone."""

import re
from pathlib import Path

import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import statistics_pb2

from components.artifact_files import STATISTICS_FILE, split_dir
from components.per_span.executor import StatisticsExecutor, _write
from pipeline import node_ids
from pipeline.config import in_process_beam_args
from pipeline.pipeline import beam_pipeline_args


def _read(folder: Path) -> statistics_pb2.DatasetFeatureStatisticsList:
    return statistics_pb2.DatasetFeatureStatisticsList.FromString(
        (folder / STATISTICS_FILE).read_bytes()
    )


def _summed(statistics: statistics_pb2.DatasetFeatureStatisticsList) -> str:
    """The statistics as text, means and standard deviations to 12 digits:
    they are sums over record batches, which Beam sizes as it goes."""
    return re.sub(
        r"(mean|std_dev): (\S+)",
        lambda m: f"{m.group(1)}: {float(m.group(2)):.12g}",
        text_format.MessageToString(statistics),
    )


def _statistics_artifact(uri: Path):
    from tfx.types import standard_artifacts

    artifact = standard_artifacts.ExampleStatistics()
    artifact.uri = str(uri)
    return artifact


def _context(tmp_path: Path, name: str):
    return StatisticsExecutor.Context(
        beam_pipeline_args=beam_pipeline_args(in_process_beam_args()),
        tmp_dir=str(tmp_path / name / "tmp"),
        unique_id=name,
    )


def test_each_slice_goes_to_its_folder_and_an_empty_one_gets_the_placeholder(tmp_path):
    full, empty = str(tmp_path / "full"), str(tmp_path / "empty")
    statistics = statistics_pb2.DatasetFeatureStatisticsList()
    statistics.datasets.add(name=full, num_examples=3)
    _write(statistics, [full, empty])
    assert _read(Path(full)) == statistics_pb2.DatasetFeatureStatisticsList(
        datasets=[statistics_pb2.DatasetFeatureStatistics(num_examples=3)]
    )
    assert _read(Path(empty)) == statistics_pb2.DatasetFeatureStatisticsList(
        datasets=[statistics_pb2.DatasetFeatureStatistics()]
    )


@pytest.mark.parametrize("given", ["stats_options_json", "sample_rate_by_split"])
def test_statistics_options_it_does_not_apply_are_refused(tmp_path, given):
    output = _statistics_artifact(tmp_path / "out")
    with pytest.raises(ValueError, match=given):
        StatisticsExecutor(_context(tmp_path, "refused")).Do(
            {"examples": []}, {"statistics": [output]}, {given: '{"x": 1}'}
        )


@pytest.mark.slow
def test_sliced_statistics_equal_tfx_statistics_gen_on_each_span_alone(small_run, tmp_path):
    from tfx.components.statistics_gen import executor as statistics_gen
    from tfx.orchestration import metadata
    from tfx.orchestration.portable.mlmd import execution_lib

    from components.spans.record import span_of

    config, _, _ = small_run
    connection = metadata.sqlite_metadata_connection_config(config.metadata_path)
    with metadata.Metadata(connection) as store:
        [context] = [
            c
            for c in store.store.get_contexts_by_type("node")
            if c.name.endswith(f".{node_ids.STATISTICS_GEN}")
        ]
        # The shared run's own execution: tests that run it again add later ones.
        execution = min(store.store.get_executions_by_context(context.id), key=lambda e: e.id)
        spans = execution_lib.get_input_artifacts(store, execution.id)["examples"]
    assert len(spans) == 2

    ours = _statistics_artifact(tmp_path / "ours")
    StatisticsExecutor(_context(tmp_path, "ours")).Do(
        {"examples": list(spans)}, {"statistics": [ours]}, {"exclude_splits": "[]"}
    )
    for examples in spans:
        alone = _statistics_artifact(tmp_path / "tfx" / span_of(examples).name)
        statistics_gen.Executor(_context(tmp_path, "tfx")).Do(
            {"examples": [examples]}, {"statistics": [alone]}, {"exclude_splits": "[]"}
        )
        for split in ("train", "eval"):
            theirs = _read(Path(alone.uri) / split_dir(split))
            # The span artifacts are sub-folders of the prepared one.
            mine = _read(Path(ours.uri) / span_of(examples).name / split_dir(split))
            assert theirs.datasets[0].num_examples > 0
            assert _summed(mine) == _summed(theirs), (span_of(examples).name, split)
