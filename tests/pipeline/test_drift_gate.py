"""A drifted span stops the run and keeps the pushed model; a reviewed
override lets it through and is recorded in ML Metadata."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from components.rows import layout
from pipeline.cli import exits
from pipeline.config import REPO_ROOT
from tests.support.runs import latest_outputs, slice_config, slice_of_data

pytestmark = pytest.mark.slow

NEW_QUARTER = "2014-10-01"
ACCEPT = "dataset:COMPARATOR_LOW_NUM_EXAMPLES"


def _add_tenth_of_a_quarter(data_root: Path) -> None:
    """The next quarter arrives with a tenth of its rows, as from a broken export."""
    with (REPO_ROOT / "data" / "trips" / NEW_QUARTER / layout.QUARTER_FILE).open(
        newline=""
    ) as handle:
        rows = list(csv.reader(handle))
    (data_root / NEW_QUARTER).mkdir()
    with (data_root / NEW_QUARTER / layout.QUARTER_FILE).open("w", newline="") as handle:
        # Every tenth row: as few rows, distributed like the quarter.
        csv.writer(handle, lineterminator="\n").writerows([rows[0]] + rows[1::10])


def _versions(serving_dir: str):
    return sorted(p.name for p in Path(serving_dir).iterdir() if not p.name.startswith("."))


def _gate_execution(config):
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    connection = metadata_store_pb2.ConnectionConfig()
    connection.sqlite.filename_uri = config.metadata_path
    store = metadata_store.MetadataStore(connection)
    execution_id = latest_outputs(config)["AnomalyGate"]["execution_id"]
    [execution] = store.get_executions_by_id([execution_id])
    return execution


def test_drift_stops_the_run_until_a_person_accepts_it(tmp_path):
    import dataclasses

    from pipeline.runners import local

    data_root = slice_of_data(tmp_path / "trips")
    config = slice_config(tmp_path, data_root)
    local.run(config)
    pushed = _versions(config.serving_dir)
    saved_model = (Path(config.serving_dir) / pushed[0] / "saved_model.pb").read_bytes()

    _add_tenth_of_a_quarter(data_root)
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            "--data-root",
            str(data_root),
            "--output-dir",
            config.output_dir,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert refused.returncode == exits.EXIT_DATA_INVALID, refused.stderr[-3000:]
    findings = [
        line[len("  - ") :] for line in refused.stderr.splitlines() if line.startswith("  - split ")
    ]
    assert len(findings) == 1, findings
    [finding] = findings
    assert finding.startswith(f"split '{NEW_QUARTER}/span_drift', whole dataset: ")
    assert finding.endswith(f"[{ACCEPT}]")
    assert "--accept-anomaly FEATURE:TYPE" in refused.stderr
    assert "Traceback" not in refused.stderr
    # Nothing downstream ran on the drifted data; the served model is untouched.
    assert _versions(config.serving_dir) == pushed
    assert (Path(config.serving_dir) / pushed[0] / "saved_model.pb").read_bytes() == saved_model

    accepted = dataclasses.replace(config, accepted_anomalies=(ACCEPT,))
    result = local.run(accepted)
    assert result.accepted_anomalies == [finding]
    assert result.data_checks["span_drift"].startswith(f"span {NEW_QUARTER} (")
    assert result.data_checks["span_drift"].endswith(
        " train examples) against span 2014-07-01 (1045)"
    )
    assert len(_versions(config.serving_dir)) == 2
    recorded = _gate_execution(accepted).custom_properties["accepted_anomalies"]
    assert recorded.string_value == f'["{ACCEPT}"]'
