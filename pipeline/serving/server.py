"""Runs the REST service with uvicorn, for `serve`."""

from __future__ import annotations

from pipeline.serving.app import create_app
from pipeline.serving.versions import ServedVersions


def uvicorn_server(
    versions: ServedVersions,
    model_name: str,
    host: str,
    port: int,
    max_request_bytes: int,
    log_level: str = "info",
):
    import uvicorn

    app = create_app(versions, model_name, max_request_bytes)
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            # Uvicorn's per-request access log line costs more than a prediction.
            access_log=False,
            ws="none",
        )
    )  # No websocket routes.
