"""The server under test, `python -m pipeline serve`, as a child process:
started, waited for until healthy, stopped; its log's tail in every error."""

from __future__ import annotations

import contextlib
import http.client
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from pipeline.config import REPO_ROOT

READY_TIMEOUT_SECONDS = 120.0
READY_POLL_SECONDS = 0.25
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_LINES = 30

Address = Tuple[str, int]  # (host, port): where the server listens.


class ServerError(RuntimeError):
    """The server did not start, or died under load; the message has its log tail."""

    @classmethod
    def with_log_tail(cls, problem: str, log_path: Path) -> ServerError:
        return cls(f"{problem}; the end of {log_path}:\n{log_tail(log_path)}")


def server_command(serving_dir: Path, address: Address, model_name: str) -> List[str]:
    host, port = address
    return [
        sys.executable,
        "-m",
        "pipeline",
        "serve",
        "--serving-dir",
        str(serving_dir),
        "--host",
        host,
        "--port",
        str(port),
        "--model-name",
        model_name,
    ]


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the server has not exited after a while."""
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_server(command: Sequence[str], log_path: Path) -> Iterator[subprocess.Popen]:
    """The server as a child process, its output in `log_path` (a pipe could
    fill and block it); stopped on the way out, also on error or Ctrl-C."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT
        )
        try:
            yield process
        finally:
            stop(process)


def health_status(address: Address) -> Optional[int]:
    """GET /healthz's status, or None while nothing listens."""
    connection = http.client.HTTPConnection(*address, timeout=5)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def wait_ready(
    process: subprocess.Popen,
    address: Address,
    log_path: Path,
    timeout: float = READY_TIMEOUT_SECONDS,
) -> float:
    """Seconds until /healthz answered 200 (a model is loaded)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise ServerError.with_log_tail(
                f"the server exited with code {process.returncode} before it was ready", log_path
            )
        if health_status(address) == 200:
            return time.monotonic() - started
        time.sleep(READY_POLL_SECONDS)
    raise ServerError.with_log_tail(f"the server was not ready after {timeout:.0f} s", log_path)
