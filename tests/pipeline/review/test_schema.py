"""`schema diff` and `schema update` against real runs."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components.artifact_files import STATISTICS_FILE, split_dir
from pipeline.cli import exits
from pipeline.config import DEFAULT_SCHEMA, REPO_ROOT

pytestmark = pytest.mark.slow


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_diff_shows_what_the_curated_schema_adds_to_the_inferred_one(small_run):
    config, _, _ = small_run
    result = _cli("schema", "diff", "--output-dir", config.output_dir)
    assert result.returncode == exits.EXIT_OK, result.stderr
    assert result.stdout.startswith(f"--- curated {DEFAULT_SCHEMA}\n+++ inferred ")
    # SchemaGen infers no community-area range; the curated schema has one.
    assert "-    max: 77\n" in result.stdout


def test_update_relaxes_the_schema_to_accept_the_new_data(gate_failed_run, tmp_path):
    import tensorflow_data_validation as tfdv

    from pipeline.review.schema import load_schema
    from tests.support.runs import latest_outputs

    config, _ = gate_failed_run
    schema = tmp_path / "schema.pbtxt"
    shutil.copy(DEFAULT_SCHEMA, schema)
    result = _cli("schema", "update", "--output-dir", config.output_dir, "--schema", str(schema))
    assert result.returncode == exits.EXIT_OK, result.stderr
    assert "-    max: 77\n+    max: 99\n" in result.stdout
    assert schema.read_text().startswith("# Curated schema for the Chicago taxi")
    statistics = latest_outputs(config)["StatisticsGen"]["outputs"]["statistics"][0]
    stats = tfdv.load_stats_binary(
        str(Path(statistics["uri"]) / split_dir("train") / STATISTICS_FILE)
    )
    assert not tfdv.validate_statistics(stats, load_schema(schema)).anomaly_info
    # Everything else stays as curated, e.g. the label's serving environment.
    tips = next(f for f in load_schema(schema).feature if f.name == "tips")
    assert list(tips.not_in_environment) == ["SERVING"]


def test_schema_commands_explain_a_missing_run(tmp_path):
    result = _cli("schema", "diff", "--output-dir", str(tmp_path))
    assert result.returncode == exits.EXIT_USAGE
    assert "run the pipeline first" in result.stderr
