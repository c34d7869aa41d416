"""The Beam args TFX's components get: a DirectRunner run builds no sdist of
TFX, any other runner's args are TFX's to complete as before."""

import pytest
from tfx.utils import dependency_utils

from pipeline.config import beam_args_for, default_beam_args, in_process_beam_args
from pipeline.pipeline import beam_pipeline_args

DIRECT_RUNS = [
    in_process_beam_args(),
    default_beam_args(),
    beam_args_for(15_002),
    beam_args_for(1_000_000, cpus=2),
    # --beam-arg options come after the defaults.
    in_process_beam_args() + ("--runner=DirectRunner",),
    default_beam_args() + ("--runner=direct",),
    in_process_beam_args() + ("--runner", "SwitchingDirectRunner"),
    in_process_beam_args() + ("--runner=BundleBasedDirectRunner",),
    in_process_beam_args() + ("--runner=apache_beam.runners.direct.direct_runner.DirectRunner",),
    # The last --runner wins, as in Beam.
    ("--runner=FlinkRunner", "--runner=DirectRunner"),
]

REMOTE_RUNS = [
    default_beam_args() + ("--runner=FlinkRunner", "--flink_master=flink:8081"),
    default_beam_args() + ("--runner", "SparkRunner"),
    default_beam_args() + ("--runner=flink",),
    default_beam_args() + ("--runner=PortableRunner", "--job_endpoint=localhost:8099"),
    default_beam_args() + ("--runner=PrismRunner",),
    default_beam_args() + ("--runner=DataflowRunner", "--project=p", "--region=r"),
    default_beam_args() + ("--runner=apache_beam.runners.portability.flink_runner.FlinkRunner",),
    # A runner of someone else's that is only named like Beam's.
    default_beam_args() + ("--runner=example.runners.DirectRunner",),
    ("--runner=DirectRunner", "--runner=DataflowRunner"),
]


@pytest.fixture
def no_sdist(monkeypatch):
    def build_ephemeral_package():
        raise AssertionError("TFX built an sdist of itself")

    monkeypatch.setattr(dependency_utils, "build_ephemeral_package", build_ephemeral_package)


@pytest.fixture
def fake_sdist(monkeypatch):
    built = []

    def build_ephemeral_package():
        built.append("/tmp/tfx_ephemeral-0.tar.gz")
        return built[-1]

    monkeypatch.setattr(dependency_utils, "build_ephemeral_package", build_ephemeral_package)
    return built


@pytest.mark.parametrize("beam_args", DIRECT_RUNS)
def test_a_direct_runner_run_builds_no_sdist(no_sdist, beam_args):
    args = beam_pipeline_args(beam_args)
    assert args[: len(beam_args)] == list(beam_args)
    assert dependency_utils.make_beam_dependency_flags(args) == args


@pytest.mark.parametrize("beam_args", REMOTE_RUNS)
def test_any_other_runner_is_left_to_tfx(fake_sdist, beam_args):
    args = beam_pipeline_args(beam_args)
    assert args == list(beam_args)
    assert dependency_utils.make_beam_dependency_flags(args) == [
        *beam_args,
        "--extra_package=/tmp/tfx_ephemeral-0.tar.gz",
    ]


@pytest.mark.parametrize(
    "dependencies",
    [
        "--extra_package=/tmp/taxi.tar.gz",
        "--setup_file=/tmp/setup.py",
        "--requirements_file=/tmp/requirements.txt",
        "--sdk_container_image=registry.example.com/taxi-pipeline:1.0",
        "--worker_harness_container_image=registry.example.com/taxi-pipeline:1.0",
    ],
)
def test_dependencies_the_args_name_are_left_alone(dependencies):
    beam_args = in_process_beam_args() + (dependencies,)
    assert beam_pipeline_args(beam_args) == list(beam_args)


def test_the_direct_runner_runs_with_the_added_option():
    import apache_beam as beam
    from apache_beam.testing.util import assert_that, equal_to

    with beam.Pipeline(argv=beam_pipeline_args(in_process_beam_args())) as pipeline:
        squares = pipeline | beam.Create([1, 2, 3]) | beam.Map(lambda x: x * x)
        assert_that(squares, equal_to([1, 4, 9]))


@pytest.mark.parametrize("analyzer_cache", [False, True])
def test_transform_keeps_an_analyzer_cache_only_when_configured(tmp_path, analyzer_cache):
    from pipeline import node_ids
    from pipeline.config import PipelineConfig
    from pipeline.runners.local import local_pipeline

    config = PipelineConfig(output_dir=tmp_path, analyzer_cache=analyzer_cache)
    nodes = {node.id: node for node in local_pipeline(config).components}
    transform = nodes[node_ids.TRANSFORM]
    assert ("updated_analyzer_cache" in transform.outputs) == analyzer_cache
    assert ("analyzer_cache" in transform.inputs) == analyzer_cache
    assert ("analyzer_cache" in nodes[node_ids.SPAN_WINDOW].inputs) == analyzer_cache


@pytest.mark.parametrize("span_beam_args", [None, in_process_beam_args()])
def test_statistics_gen_runs_with_the_span_beam_args_when_given(tmp_path, span_beam_args):
    from apache_beam.options.pipeline_options import DirectOptions

    from pipeline import node_ids
    from pipeline.config import PipelineConfig
    from pipeline.runners.local import local_pipeline

    config = PipelineConfig(
        output_dir=tmp_path, beam_args=default_beam_args(), span_beam_args=span_beam_args
    )
    nodes = {node.id: node for node in local_pipeline(config).components}

    def running_mode(node_id):
        args = nodes[node_id].executor_spec.beam_pipeline_args
        return DirectOptions(args).direct_running_mode

    expected = "multi_processing" if span_beam_args is None else "in_memory"
    assert running_mode(node_ids.STATISTICS_GEN) == expected
    assert running_mode(node_ids.TRANSFORM) == "multi_processing"
