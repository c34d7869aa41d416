"""`serve`: the pushed model behind TensorFlow Serving's REST API until
stopped, newer pushes swapped in."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import config as config_module
from pipeline.cli import options
from pipeline.cli.exits import EXIT_CODES_EPILOG, EXIT_OK, EXIT_USAGE, UsageError
from pipeline.cli.terminal import quiet_tensorflow
from pipeline.serving.limits import DEFAULT_MAX_REQUEST_BYTES

if TYPE_CHECKING:
    import uvicorn

    from pipeline.serving.versions import ServedVersions

NAME = "serve"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="serve the pushed model over TensorFlow Serving's REST API",
        description="Serve the newest model version Pusher wrote, with TF "
        "Serving's REST API: POST /v1/models/NAME:predict with "
        '{"instances": [{raw trip}, ...]} returns '
        '{"predictions": [[probability], ...]}; GET '
        "/v1/models/NAME gives the version status, GET /healthz "
        "the health. Each instance is checked against the SERVING "
        "environment of the schema the model was trained under; a "
        "bad one gets a 400 naming the field. A newer version "
        "pushed while serving is loaded, warmed up and swapped in "
        "without failing a request.",
        **EXIT_CODES_EPILOG,
    )
    default_serving_dir = Path(config_module.PipelineConfig().serving_dir)
    parser.add_argument(
        "--serving-dir",
        type=Path,
        default=default_serving_dir,
        metavar="DIR",
        help="the folder of numbered model versions Pusher writes "
        "(default: %(default)s, where `run` pushes)",
    )
    parser.add_argument(
        "--model-name",
        default=None,
        help="NAME in the URLs (default: the serving dir's "
        f"folder name, {default_serving_dir.name})",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; 0.0.0.0 for every interface, "
        "e.g. in a container (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=options.port,
        default=8501,
        help="TCP port (default: %(default)s, TF Serving's REST port)",
    )
    parser.add_argument(
        "--poll-seconds",
        type=options.positive_float,
        default=1.0,
        help="how often to look for a newer version (default: %(default)s)",
    )
    parser.add_argument(
        "--max-request-bytes",
        type=options.positive_int,
        default=DEFAULT_MAX_REQUEST_BYTES,
        help="larger request bodies get 413 (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    import logging

    from pipeline.serving.server import uvicorn_server
    from pipeline.serving.versions import ServedVersions

    _check_servable(args)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")
    quiet_tensorflow(level="3")

    name = args.model_name or args.serving_dir.resolve().name
    print(f"Loading the newest model under {args.serving_dir} ...", file=sys.stderr)
    versions = ServedVersions(args.serving_dir, args.poll_seconds)
    if not versions.refresh():
        failures = "; ".join(f.error for f in versions.failures.values())
        print(
            f"error: no version under {args.serving_dir} could be served: {failures}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    versions.start()
    server = uvicorn_server(versions, name, args.host, args.port, args.max_request_bytes)
    print(
        f"Serving {name!r} version {versions.current.version} on "
        f"http://{args.host}:{args.port}/v1/models/{name} (Ctrl-C stops)",
        file=sys.stderr,
    )
    return _serve_until_stopped(server, versions)


def _check_servable(args: argparse.Namespace) -> None:
    """A pushed model and a free port, before any model loads."""
    from pipeline.scoring.model import version_folders
    from pipeline.serving.ports import check_listenable

    if not version_folders(args.serving_dir):
        raise UsageError(
            f"no pushed model under {args.serving_dir}; run "
            f"`python -m pipeline run` (or `make run`) first"
        )
    try:
        check_listenable(args.host, args.port)
    except OSError as error:
        raise UsageError(f"{error}; pick another with --port") from None


def _serve_until_stopped(server: uvicorn.Server, versions: ServedVersions) -> int:
    # Uvicorn shuts down gracefully on SIGINT or SIGTERM, then re-raises the
    # signal; either is how a server is meant to stop, so it exits 0.
    signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        server.run()
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        versions.stop()
    if not server.started:  # e.g. the port is taken; uvicorn said why.
        return EXIT_USAGE
    print("Stopped.", file=sys.stderr)
    return EXIT_OK


class _Stopped(Exception):
    """SIGTERM, raised where the server ran."""


def _raise_stopped(signum, frame) -> None:
    raise _Stopped()
