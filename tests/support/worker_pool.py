"""A Beam worker pool of this install, as the project's image runs it beside
each TaskManager or Spark worker (`--workers external=HOST:PORT`): Beam's
`worker_pool_main`, which starts one SDK harness process per request with
the `python` on PATH, so this venv's comes first."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

from pipeline.serving.ports import free_port, listening


@contextlib.contextmanager
def worker_pool(log: Path, timeout: float = 60) -> Iterator[str]:
    """Yields the pool's `127.0.0.1:PORT`; stops it and its workers after."""
    port = free_port()
    path = os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", "")))
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main"]
            + [f"--service_port={port}"],
            env={**os.environ, "PATH": path},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Its SDK workers are stopped with it.
        )
        try:
            deadline = time.monotonic() + timeout
            while not listening(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker pool did not come up: {log.read_text()}")
                time.sleep(0.2)
            yield f"127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


def workers_started(log: Path) -> int:
    """SDK harness processes the pool started, from its log."""
    return log.read_text(errors="replace").count("Starting worker with command")
