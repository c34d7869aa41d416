"""The pipeline on Apache Spark (a standalone cluster the test starts: master,
worker and executors in JVMs of their own; Python workers in the run's own
process) and Apache Flink (the job server's embedded cluster; Python workers
from an external worker pool, as the project's image runs beside a
TaskManager), on the same two quarters as the DirectRunner's shared
`small_run`: the same statistics, the same transform, a blessed model, and
the same gate decision on bad input. One good and one bad run per engine."""

import contextlib
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Engine
from tests.support.runs import SLICE_QUARTERS, latest_outputs, slice_config, slice_of_data
from tests.support.statistics_equality import same, span_statistics

pytestmark = pytest.mark.slow


@dataclasses.dataclass
class EngineRuns:
    engine: Engine
    config: object
    result: object
    bad_config: object
    bad_error: Exception
    applications: int  # Spark applications the cluster ran; -1 for Flink.
    pool_workers: int  # SDK workers the external pool started; -1 for Spark.


def _config(root: Path, engine: Engine, edit=None):
    config = slice_config(root, slice_of_data(root / "trips", edit=edit))
    return dataclasses.replace(config, engine=engine, beam_args=())


@pytest.fixture(scope="module", params=["spark", "flink"])
def engine_runs(request, tmp_path_factory):
    from components.anomaly_gate.executor import DataValidationError
    from pipeline.runners import local
    from pipeline.serving.ports import free_port
    from tests.support.spark_cluster import standalone_cluster
    from tests.support.worker_pool import worker_pool, workers_started

    name = request.param
    tmp = tmp_path_factory.mktemp(f"{name}_runs")
    pool_log = tmp / "worker-pool.log"
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(standalone_cluster()) if name == "spark" else None
        workers = (
            "loopback" if cluster else f"external={stack.enter_context(worker_pool(pool_log))}"
        )
        engine = Engine(
            name, master=cluster and cluster.master, workers=workers, job_port=free_port()
        )
        config = _config(tmp / "good", engine)
        result = local.run(config)
        bad_config = _config(tmp / "bad", engine, edit=("pickup_community_area", "99"))
        with pytest.raises(DataValidationError) as raised:
            local.run(bad_config)
        applications = cluster.completed_applications() if cluster else -1
    pool_workers = -1 if cluster else workers_started(pool_log)
    return EngineRuns(engine, config, result, bad_config, raised.value, applications, pool_workers)


def test_statistics_equal_the_direct_runners(engine_runs, small_run):
    direct, _, _ = small_run
    ours, theirs = latest_outputs(engine_runs.config), latest_outputs(direct)
    for span in SLICE_QUARTERS:
        for split in ("train", "eval"):
            count, features = span_statistics(ours, "StatisticsGen", split, span)
            direct_count, direct_features = span_statistics(theirs, "StatisticsGen", split, span)
            assert count == direct_count > 0, (span, split)
            same(features, direct_features, f"{engine_runs.engine.name}/{span}/{split}")


def _transformed(config):
    """The run's transform graph applied to fixed raw rows."""
    import tensorflow as tf
    import tensorflow_transform as tft

    from tests.support.raw_trips import ROWS, serialized

    [graph] = latest_outputs(config)["Transform"]["outputs"]["transform_graph"]
    output = tft.TFTransformOutput(graph["uri"])
    raw = tf.io.parse_example([serialized(row) for row in ROWS], output.raw_feature_spec())
    return {name: tensor.numpy() for name, tensor in output.transform_features_layer()(raw).items()}


def test_the_transform_maps_rows_as_the_direct_runners(engine_runs, small_run):
    direct, _, _ = small_run
    ours, theirs = _transformed(engine_runs.config), _transformed(direct)
    assert sorted(ours) == sorted(theirs)
    for name, values in ours.items():
        np.testing.assert_allclose(values, theirs[name], rtol=1e-5, err_msg=name)


def test_the_model_is_blessed_and_pushed(engine_runs):
    result = engine_runs.result
    assert Path(result.pushed_model_dir, "saved_model.pb").is_file()
    assert result.metrics["auc"] >= engine_runs.config.thresholds.min_auc


def test_bad_input_stops_at_the_gate_as_on_the_direct_runner(engine_runs, gate_failed_run):
    _, direct_error = gate_failed_run
    assert engine_runs.bad_error.findings == direct_error.findings
    ran = latest_outputs(engine_runs.bad_config)
    assert "Transform" not in ran and "Pusher" not in ran
    assert not Path(engine_runs.bad_config.serving_dir).exists()


def test_the_beam_components_ran_on_the_engine(engine_runs):
    """Each Beam job of the good run (ExampleGen, StatisticsGen, Transform,
    Evaluator) went through the job server, and on Spark through the
    cluster, with the bad run's ExampleGen and StatisticsGen; on Flink the
    Python work ran in the external pool's workers."""
    [log] = Path(engine_runs.config.log_dir).glob(f"{engine_runs.engine.name}-job-server-*.log")
    assert log.read_text().count("Starting job invocation") == 4, log.read_text()[-3000:]
    if engine_runs.engine.name == "spark":
        assert engine_runs.applications >= 6
    else:
        assert engine_runs.pool_workers >= 6
