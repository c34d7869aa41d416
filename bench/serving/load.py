"""Load on the server: closed-loop clients (send, wait, send), each over one
keep-alive connection, run at once in threads; what each of them saw."""

from __future__ import annotations

import dataclasses
import functools
import http.client
import itertools
import json
import threading
import time
from typing import Any, Callable, List, Optional, Sequence

from bench.serving.plan import ERROR_SAMPLES
from bench.serving.server import Address

REQUEST_TIMEOUT_SECONDS = 30.0
HEADERS = {"Content-Type": "application/json"}


@dataclasses.dataclass
class ClientLog:
    """What one client saw in one phase."""

    latencies_ms: List[float] = dataclasses.field(default_factory=list)  # Of answers.
    instances: int = 0
    errors: int = 0
    error_samples: List[str] = dataclasses.field(default_factory=list)
    connections: int = 0  # Opened; more than one means keep-alive was lost.

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < ERROR_SAMPLES:
            self.error_samples.append(text)


def answer_problem(status: int, payload: bytes, batch_size: int) -> Optional[str]:
    """Why a response is not one prediction per instance sent, or None."""
    text = payload.decode("utf-8", errors="replace")
    if status != 200:
        return f"HTTP {status}: {text[:500]}"
    try:
        predictions = json.loads(text)["predictions"]
    except (ValueError, KeyError, TypeError):
        predictions = None
    if not isinstance(predictions, list):
        return f"HTTP 200 without a predictions list: {text[:500]}"
    if len(predictions) != batch_size:
        return f"HTTP 200 with {len(predictions)} predictions for {batch_size} instances"
    return None


def closed_loop(
    address: Address,
    path: str,
    bodies: Sequence[bytes],
    batch_size: int,
    first: int,
    seconds: float,
    server_alive: Callable[[], bool],
) -> ClientLog:
    """One client: send a request, read its answer, send the next, for
    `seconds`, over one keep-alive connection (reopened after an error)."""
    log = ClientLog()
    connection = http.client.HTTPConnection(*address, timeout=REQUEST_TIMEOUT_SECONDS)
    deadline = time.perf_counter() + seconds
    try:
        for index in itertools.count(first):
            if time.perf_counter() >= deadline:
                break
            try:
                if connection.sock is None:
                    connection.connect()  # Outside the timed span.
                    log.connections += 1
                started = time.perf_counter()
                connection.request("POST", path, bodies[index % len(bodies)], HEADERS)
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                log.error(f"{type(error).__name__}: {error}")
                if not server_alive():
                    break
                continue
            latency_ms = (time.perf_counter() - started) * 1000
            problem = answer_problem(response.status, payload, batch_size)
            if problem:
                log.error(problem)
            else:
                log.latencies_ms.append(latency_ms)
                log.instances += batch_size
    finally:
        connection.close()
    return log


def in_threads(calls: Sequence[Callable[[], Any]]) -> List[Any]:
    """The calls' results, run concurrently; daemon threads, so Ctrl-C does
    not wait for the clients to finish."""
    results: List[Any] = [None] * len(calls)

    def run(index: int) -> None:
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@dataclasses.dataclass(frozen=True)
class Phase:
    batch_size: int
    seconds: float  # From the first send to the last answer.
    logs: List[ClientLog]


def run_load(
    address: Address,
    path: str,
    bodies: Sequence[bytes],
    batch_size: int,
    clients: int,
    seconds: float,
    server_alive: Callable[[], bool],
) -> Phase:
    """`clients` closed loops at once, each starting at its own request."""
    started = time.perf_counter()
    logs = in_threads(
        [
            functools.partial(
                closed_loop,
                address,
                path,
                bodies,
                batch_size,
                client * len(bodies) // clients,
                seconds,
                server_alive,
            )
            for client in range(clients)
        ]
    )
    return Phase(batch_size, time.perf_counter() - started, logs)
