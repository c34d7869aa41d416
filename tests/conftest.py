"""Shared fixtures: paths to the repo's data and schema, quiet TensorFlow."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from pipeline.config import REPO_ROOT  # noqa: E402


@pytest.fixture(scope="session")
def curated_schema():
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(str(REPO_ROOT / "schema" / "schema.pbtxt"))
