"""The REST service: TensorFlow Serving's predict and status API, on FastAPI.

    POST /v1/models/<name>[/versions/<v>]:predict  {"instances": [{...}, ...]}
    GET  /v1/models/<name>[/versions/<v>]          version status
    GET  /healthz                                  200 once a model serves

Responses use TF Serving's shapes (`{"predictions": [[p], ...]}`, errors as
`{"error": "..."}`), so its clients work unchanged. Every bad request (body
too large, not JSON, wrong content type, an instance the schema refuses)
gets a 4xx naming the problem; a 500 means a bug, never bad input.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from components.trainer.contract import SERVING_SIGNATURE
from pipeline.scoring.checks import BadInstance
from pipeline.serving.limits import DEFAULT_MAX_REQUEST_BYTES

log = logging.getLogger(__name__)

VERSION_HEADER = "X-Model-Version"


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _read_json(request: Request, max_bytes: int) -> Any:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(
            415, f"Content-Type must be application/json, got {content_type or 'none'!r}"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(
            413, f"request body of {int(declared)} bytes is over the limit of {max_bytes} bytes"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:  # A chunked body has no length up front.
            raise ApiError(413, f"request body is over the limit of {max_bytes} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError included.
        raise ApiError(400, f"malformed JSON: {error}") from None


def _instances(document: Any) -> List[Any]:
    if not isinstance(document, dict):
        raise ApiError(400, 'the body must be a JSON object with "instances"')
    unknown = sorted(set(document) - {"instances", "signature_name"})
    if unknown:
        raise ApiError(
            400,
            f"unsupported request field(s) {unknown}: send "
            f'{{"instances": [...]}} (TF Serving\'s row format)',
        )
    signature = document.get("signature_name", SERVING_SIGNATURE)
    if signature != SERVING_SIGNATURE:
        raise ApiError(
            400, f"signature_name {signature!r} is not served; use {SERVING_SIGNATURE!r}"
        )
    instances = document.get("instances")
    if not isinstance(instances, list) or not instances:
        raise ApiError(400, '"instances" must be a non-empty list of objects')
    return instances


def _predict(model, instances: List[Any]) -> List[float]:
    # Checks every instance before the model sees any, so a bad one fails
    # the whole request and the error names it.
    checked = [
        model.checks.check(instance, f"instances[{i}]") for i, instance in enumerate(instances)
    ]
    return model.predict(checked)


class _Service:
    """What the routes do, for one served model name."""

    def __init__(self, versions, model_name: str, max_request_bytes: int):
        self.versions = versions
        self.model_name = model_name
        self.max_request_bytes = max_request_bytes
        # One prediction per core at a time, the rest queued in arrival order:
        # more threads only share the cores and stretch the slowest requests.
        self.predictions = ThreadPoolExecutor(
            max_workers=os.cpu_count() or 1, thread_name_prefix="predict"
        )

    def check_name(self, name: str) -> None:
        if name != self.model_name:
            raise ApiError(
                404, f"model {name!r} is not served here; this server serves {self.model_name!r}"
            )

    def served(self, name: str, version: Optional[str]):
        self.check_name(name)
        model = self.versions.current
        if model is None:
            raise ApiError(503, f"no version of {self.model_name!r} is loaded yet")
        if version is not None and version != model.version:
            raise ApiError(
                404,
                f"version {version} of {self.model_name!r} is not served; "
                f"the served version is {model.version}",
            )
        return model

    async def predict(self, request: Request, name: str, version: Optional[str]):
        model = self.served(name, version)  # Held for the whole request.
        instances = _instances(await _read_json(request, self.max_request_bytes))
        try:
            probabilities = await asyncio.get_running_loop().run_in_executor(
                self.predictions, _predict, model, instances
            )
        except BadInstance as error:
            raise ApiError(400, str(error)) from None
        return JSONResponse(
            {"predictions": [[p] for p in probabilities]}, headers={VERSION_HEADER: model.version}
        )

    def status(self, name: str, version: Optional[str]):
        self.check_name(name)  # Answers with no version loaded too: failures show.
        entries = [
            entry
            for entry in self.versions.status()
            if version is None or entry["version"] == version
        ]
        if not entries:
            raise ApiError(404, f"version {version} of {self.model_name!r} is unknown")
        return {"model_version_status": entries}

    def health(self):
        model = self.versions.current
        if model is None:
            return _error(503, f"no version of {self.model_name!r} is loaded yet")
        return {"status": "ok", "model": self.model_name, "version": model.version}


def _add_routes(app: FastAPI, service: _Service) -> None:
    @app.post("/v1/models/{name}:predict")
    async def predict_latest(name: str, request: Request):
        return await service.predict(request, name, None)

    @app.post("/v1/models/{name}/versions/{version}:predict")
    async def predict_version(name: str, version: str, request: Request):
        return await service.predict(request, name, version)

    @app.get("/v1/models/{name}")
    def status_latest(name: str):
        return service.status(name, None)

    @app.get("/v1/models/{name}/versions/{version}")
    def status_version(name: str, version: str):
        return service.status(name, version)

    @app.get("/healthz")
    def health():
        return service.health()


def _add_error_handlers(app: FastAPI) -> None:
    """TF Serving's error shape for every failure; a 500 only for a bug."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError):
        return _error(error.status, str(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        return _error(400, str(error))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _error(500, f"internal error: {type(error).__name__}")


def create_app(
    versions, model_name: str, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
) -> FastAPI:
    """`versions` has `current` (the served model or None) and `status()`."""
    service = _Service(versions, model_name, max_request_bytes)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        service.predictions.shutdown()

    app = FastAPI(title="Chicago taxi big-tipper model", description=__doc__, lifespan=lifespan)
    _add_routes(app, service)
    _add_error_handlers(app)
    return app
