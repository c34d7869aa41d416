"""Runs the REST service with uvicorn: from the CLI, or in a thread (tests)."""

from __future__ import annotations

import socket
import threading
import time

from pipeline.serving.app import create_app
from pipeline.serving.models import ServedVersions


def uvicorn_server(versions: ServedVersions, model_name: str, host: str, port: int,
                   max_request_bytes: int, log_level: str = "info"):
    import uvicorn

    app = create_app(versions, model_name, max_request_bytes)
    return uvicorn.Server(uvicorn.Config(
        app, host=host, port=port, log_level=log_level,
        # Uvicorn's per-request access log line costs more than a prediction.
        access_log=False,
        ws="none"))  # No websocket routes.


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (tests, the benchmark)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def check_listenable(host: str, port: int) -> None:
    """OSError naming the address if nothing can listen there now: found
    before TensorFlow loads the model, not 10 s later."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # As uvicorn.
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from None


class ServerThread:
    """The service in a background thread of this process, on loopback."""

    def __init__(self, versions: ServedVersions, model_name: str,
                 max_request_bytes: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn_server(versions, model_name, "127.0.0.1", self.port,
                                      max_request_bytes, log_level="warning")
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> "ServerThread":
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
