"""Runs the REST service with uvicorn, for `serve`."""

from __future__ import annotations

import socket

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

