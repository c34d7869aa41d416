"""Shared fixtures: paths to the repo's data and schema, quiet TensorFlow."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import csv  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from pipeline.config import REPO_ROOT  # noqa: E402


@pytest.fixture(scope="session")
def curated_schema():
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(REPO_ROOT / "schema" / "schema.pbtxt"))


SLICE_QUARTERS = ("2014-04-01", "2014-07-01")  # 2,683 trips


def slice_of_data(root: Path, edit=None) -> Path:
    """Two bundled quarters under `root`; `edit=(column, value)` changes one cell."""
    from pipeline import datasets

    for quarter in SLICE_QUARTERS:
        shutil.copytree(REPO_ROOT / "data" / "trips" / quarter, root / quarter)
    if edit:
        path = root / SLICE_QUARTERS[0] / datasets.QUARTER_FILE
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        column, value = edit
        rows[1][rows[0].index(column)] = value
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return root


def slice_config(tmp: Path, data_root: Path):
    """A short training run on the slice; the full-data quality bar is
    checked in test_cli.test_full_run_meets_the_quality_bar."""
    from pipeline.config import EvaluationThresholds, PipelineConfig

    return PipelineConfig(
        data_root=data_root, output_dir=tmp / "out", train_steps=300,
        thresholds=EvaluationThresholds(min_auc=0.85, min_binary_accuracy=0.8))


def latest_outputs(config):
    """Each component's latest successful execution and outputs, from ML Metadata."""
    from pipeline.metadata import latest_outputs as read

    return read(Path(config.metadata_path), config.pipeline_name)["components"]


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The real pipeline, run once on two quarters: (config, result, outputs)."""
    from pipeline import local_run

    tmp = tmp_path_factory.mktemp("small_run")
    config = slice_config(tmp, slice_of_data(tmp / "trips"))
    result = local_run.run(config)
    return config, result, latest_outputs(config)


@pytest.fixture(scope="session")
def gate_failed_run(tmp_path_factory):
    """A run on a slice with one out-of-range cell: (config, DataValidationError)."""
    from components.anomaly_gate import DataValidationError
    from pipeline import local_run

    tmp = tmp_path_factory.mktemp("gate_failed_run")
    config = slice_config(tmp, slice_of_data(
        tmp / "trips", edit=("pickup_community_area", "99")))
    with pytest.raises(DataValidationError) as raised:
        local_run.run(config)
    return config, raised.value


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of the tests' own; PGPASSWORD holds its password."""
    from tests.postgres_server import PASSWORD, start_server

    server = start_server()
    previous = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = PASSWORD
    yield server
    if previous is None:
        os.environ.pop("PGPASSWORD", None)
    else:
        os.environ["PGPASSWORD"] = previous
    server.stop()
