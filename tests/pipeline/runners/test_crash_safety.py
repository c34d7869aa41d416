"""A run killed with SIGKILL mid-Transform or mid-Trainer resumes to a pushed model."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import exits
from pipeline.config import REPO_ROOT
from tests.support.runs import slice_of_data

pytestmark = pytest.mark.slow


def _wait_for(log_dir: Path, text: str, process: subprocess.Popen, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        for log in log_dir.glob("run-*.log"):
            if text in log.read_text(errors="replace"):
                return
        time.sleep(0.5)
    raise AssertionError(f"{text!r} never appeared in {log_dir}")


@pytest.mark.parametrize(
    "killed_in, finished_before",
    [
        ("Transform", ("CuratedSchemaImporter",)),
        ("Trainer", ("CuratedSchemaImporter", "Transform")),
    ],
)
def test_killed_run_resumes_from_cache_and_pushes(tmp_path, killed_in, finished_before):
    from pipeline.metadata import latest_outputs

    out = tmp_path / "out"
    args = [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        "--output-dir",
        str(out),
        "--data-root",
        str(slice_of_data(tmp_path / "trips")),
    ]
    # Its own session, so the kill takes the Beam workers too, like a crash.
    killed = subprocess.Popen(
        args,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait_for(out / "logs", f"Component {killed_in} is running.", killed)
    time.sleep(5)  # Into the component's Beam job or training loop.
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()

    resumed = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=1800)
    assert resumed.returncode == exits.EXIT_OK, resumed.stderr[-3000:]
    assert "execution(s) of an interrupted run as canceled" in resumed.stderr
    # The spans passed the gate before the kill: none is ingested again.
    assert "Spans: none new" in resumed.stdout
    for component in finished_before:
        assert f"{component} ... done (cached)" in resumed.stderr
    assert f"{killed_in} ... done (cached)" not in resumed.stderr
    components = latest_outputs(out / "metadata.sqlite", "chicago-taxi")["components"]
    assert components[killed_in]["state"] == "COMPLETE"
    versions = [
        p for p in (out / "serving" / "chicago-taxi").iterdir() if not p.name.startswith(".")
    ]
    assert len(versions) == 1 and (versions[0] / "saved_model.pb").is_file()
