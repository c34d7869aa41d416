"""Ports on this machine: one free to listen on, or why one is not. Standard
library only, so the CLI checks a port before TensorFlow loads."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (tests, the benchmark)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def listening(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on host:port now."""
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


def check_listenable(host: str, port: int) -> None:
    """OSError naming the address if nothing can listen there now: found
    before TensorFlow loads the model, not 10 s later."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # As uvicorn.
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from None
