"""Shared fixtures: the curated schema, the pipeline runs several tests read,
a PostgreSQL server; and quiet TensorFlow."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from pipeline.config import REPO_ROOT  # noqa: E402
from tests.support.runs import latest_outputs, slice_config, slice_of_data  # noqa: E402


@pytest.fixture(scope="session")
def curated_schema():
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(REPO_ROOT / "schema" / "schema.pbtxt"))


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """The real pipeline, run once on two quarters: (config, result, outputs)."""
    from pipeline.runners import local

    tmp = tmp_path_factory.mktemp("small_run")
    config = slice_config(tmp, slice_of_data(tmp / "trips"))
    result = local.run(config)
    return config, result, latest_outputs(config)


@pytest.fixture(scope="session")
def gate_failed_run(tmp_path_factory):
    """A run on a slice with one out-of-range cell: (config, DataValidationError)."""
    from components.anomaly_gate.executor import DataValidationError
    from pipeline.runners import local

    tmp = tmp_path_factory.mktemp("gate_failed_run")
    config = slice_config(tmp, slice_of_data(tmp / "trips", edit=("pickup_community_area", "99")))
    with pytest.raises(DataValidationError) as raised:
        local.run(config)
    return config, raised.value


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of the tests' own; PGPASSWORD holds its password."""
    from tests.support.postgres_server import PASSWORD, start_server

    server = start_server()
    previous = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = PASSWORD
    yield server
    if previous is None:
        os.environ.pop("PGPASSWORD", None)
    else:
        os.environ["PGPASSWORD"] = previous
    server.stop()
