"""`python -m bench.serving` (or `make bench-serving`): a bounded load test
of the REST model server, `python -m pipeline serve`.

Starts the server on the newest model version in the serving dir, then, per
batch size, runs concurrent closed-loop clients (send, wait, send) from this
process, each over one keep-alive HTTP/1.1 connection, after a warm-up that
is not recorded, while sampling the server's resident memory. Writes
serving.json and serving.md into the results dir and prints a verdict per
target; see bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import datetime
import functools
import http.client
import itertools
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

READY_TIMEOUT_SECONDS = 120.0
READY_POLL_SECONDS = 0.25
STOP_TIMEOUT_SECONDS = 10.0
REQUEST_TIMEOUT_SECONDS = 30.0
MEMORY_SAMPLE_SECONDS = 0.5
# Distinct trips the clients cycle through: enough that a batch of 64 is
# not the same few rows again and again.
POOL_ROWS = 2048
ERROR_SAMPLES = 3  # Error bodies kept per batch size.
LOG_TAIL_LINES = 30
HEADERS = {"Content-Type": "application/json"}

Address = Tuple[str, int]


class ServerError(RuntimeError):
    """The server did not start, or died under load; the message has its log tail."""


# --- Instances: bundled CSV rows as the server takes them -------------------

def newest_quarters_first(data_root: Path) -> List[Path]:
    """The quarters' CSVs, newest first: folders are named by their first day."""
    from pipeline.datasets import ALL_QUARTERS_PATTERN

    return sorted(data_root.glob(ALL_QUARTERS_PATTERN), key=lambda p: p.parent.name,
                  reverse=True)


def instances_from_rows(rows: Iterator[List[str]]) -> Iterator[Dict[str, Any]]:
    """One instance per data row of a CSV given as rows, header first, as
    a client sends it (`tips`, the label source, and empty cells left out)."""
    from pipeline.serving.instances import csv_instance

    header = next(rows)
    for fields in rows:
        yield csv_instance(header, fields)


def load_instances(data_root: Path, count: int) -> List[Dict[str, Any]]:
    """Up to `count` instances, from the newest quarters."""
    def all_instances() -> Iterator[Dict[str, Any]]:
        for path in newest_quarters_first(data_root):
            with path.open(newline="") as handle:
                yield from instances_from_rows(csv.reader(handle))

    return list(itertools.islice(all_instances(), count))


def request_bodies(instances: Sequence[Dict[str, Any]], batch_size: int) -> List[bytes]:
    """The instances cut into whole batches, each encoded once up front, so
    that JSON encoding stays out of the clients' timed loop."""
    return [json.dumps({"instances": list(instances[start:start + batch_size])}).encode()
            for start in range(0, len(instances) - batch_size + 1, batch_size)]


# --- The server -------------------------------------------------------------

def server_command(serving_dir: Path, address: Address, model_name: str) -> List[str]:
    host, port = address
    return [sys.executable, "-m", "pipeline", "serve", "--serving-dir", str(serving_dir),
            "--host", host, "--port", str(port), "--model-name", model_name]


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
    from pipeline.config import REPO_ROOT

    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(list(command), stdout=log, stderr=subprocess.STDOUT,
                                   cwd=REPO_ROOT)
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


def wait_ready(process: subprocess.Popen, address: Address, log_path: Path,
               timeout: float = READY_TIMEOUT_SECONDS) -> float:
    """Seconds until /healthz answered 200 (a model is loaded)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise ServerError(f"the server exited with code {process.returncode} before "
                              f"it was ready; the end of {log_path}:\n{log_tail(log_path)}")
        if health_status(address) == 200:
            return time.monotonic() - started
        time.sleep(READY_POLL_SECONDS)
    raise ServerError(f"the server was not ready after {timeout:.0f} s; the end of "
                      f"{log_path}:\n{log_tail(log_path)}")


# --- Load -------------------------------------------------------------------

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


def closed_loop(address: Address, path: str, bodies: Sequence[bytes], batch_size: int,
                first: int, seconds: float, server_alive: Callable[[], bool]) -> ClientLog:
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

    threads = [threading.Thread(target=run, args=(i,), daemon=True)
               for i in range(len(calls))]
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


def run_load(address: Address, path: str, bodies: Sequence[bytes], batch_size: int,
             clients: int, seconds: float, server_alive: Callable[[], bool]) -> Phase:
    """`clients` closed loops at once, each starting at its own request."""
    started = time.perf_counter()
    logs = in_threads([
        functools.partial(closed_loop, address, path, bodies, batch_size,
                          client * len(bodies) // clients, seconds, server_alive)
        for client in range(clients)])
    return Phase(batch_size, time.perf_counter() - started, logs)


@contextlib.contextmanager
def memory_samples(pid: int) -> Iterator[List[Tuple[float, int]]]:
    """(perf_counter, RSS of the process tree), every MEMORY_SAMPLE_SECONDS
    while the block runs."""
    import psutil

    from bench.measure import tree_rss

    process = psutil.Process(pid)
    samples: List[Tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while True:
            try:
                samples.append((time.perf_counter(), tree_rss(process)))
            except psutil.Error:  # The server is gone.
                return
            if done.wait(MEMORY_SAMPLE_SECONDS):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield samples
    finally:
        done.set()
        sampler.join()


@dataclasses.dataclass(frozen=True)
class Plan:
    batch_sizes: Tuple[int, ...]
    clients: int
    warmup_seconds: float
    seconds: float

    @property
    def load_seconds(self) -> float:
        return len(self.batch_sizes) * (self.warmup_seconds + self.seconds)


def measure(plan: Plan, address: Address, path: str,
            instances: Sequence[Dict[str, Any]], server: subprocess.Popen,
            log_path: Path, report: Callable[[str], None]):
    """Warm-ups (every batch size, first), then the recorded phases, with the
    server's memory sampled throughout. The warm-ups all run first so that
    the memory after them includes every batch size's first allocations,
    and growth measures steady load only."""
    from bench import serving_results

    def server_alive() -> bool:
        return server.poll() is None

    def load(batch_size: int, seconds: float) -> Phase:
        phase = run_load(address, path, request_bodies(instances, batch_size),
                         batch_size, plan.clients, seconds, server_alive)
        if not server_alive():
            raise ServerError(f"the server exited with code {server.returncode} under "
                              f"load; the end of {log_path}:\n{log_tail(log_path)}")
        return phase

    with memory_samples(server.pid) as samples:
        warmups = {}
        for batch_size in plan.batch_sizes:
            report(f"warm-up, batch {batch_size}: {plan.warmup_seconds:g} s")
            warmups[batch_size] = load(batch_size, plan.warmup_seconds)
        measured_from = time.perf_counter()
        phases = []
        for batch_size in plan.batch_sizes:
            report(f"batch {batch_size}, {plan.clients} clients: {plan.seconds:g} s")
            phases.append(serving_results.phase_summary(
                load(batch_size, plan.seconds), warmups[batch_size]))
            report("  " + serving_results.phase_line(phases[-1]))
    return phases, serving_results.memory_summary(samples, measured_from)


# --- Command line -----------------------------------------------------------

def _batch_sizes(text: str) -> Tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not comma-separated whole numbers: {text!r}")
    if min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be at least 1: {text!r}")
    return sizes


def _parser() -> argparse.ArgumentParser:
    from pipeline.config import DEFAULT_DATA_ROOT, PipelineConfig

    parser = argparse.ArgumentParser(
        prog="python -m bench.serving", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--serving-dir", type=Path,
                        default=Path(os.path.relpath(PipelineConfig().serving_dir)),
                        help="numbered model versions, as `make run` pushes them; "
                             "the newest is served (default %(default)s)")
    parser.add_argument("--model-name",
                        help="the name in the predict URL (default: the serving "
                             "dir's folder name, as the server's)")
    parser.add_argument("--batch-sizes", type=_batch_sizes, default=(1, 64),
                        metavar="N[,N...]", help="instances per request (default 1,64)")
    parser.add_argument("--clients", type=int, default=8,
                        help="concurrent closed-loop clients (default %(default)s)")
    parser.add_argument("--seconds-per-batch-size", type=float, default=25.0,
                        help="recorded load per batch size (default %(default)s)")
    parser.add_argument("--warmup-seconds", type=float, default=2.0,
                        help="unrecorded load per batch size first (default %(default)s)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="where the server listens (default %(default)s)")
    parser.add_argument("--port", type=int, default=0,
                        help="the server's port (default: a free one)")
    parser.add_argument("--data-root", type=Path, default=Path(DEFAULT_DATA_ROOT),
                        help="quarterly trips CSVs the instances come from "
                             "(default: the bundled data)")
    parser.add_argument("--results", type=Path, default=Path("bench/results"),
                        help="where serving.json and serving.md go (default %(default)s)")
    parser.add_argument("--server-log", type=Path,
                        default=Path("runs/bench/serving/server.log"),
                        help="the server's output (default %(default)s)")
    return parser


def _plan(args: argparse.Namespace) -> Plan:
    if args.clients < 1:
        raise ValueError("--clients must be at least 1")
    if args.seconds_per_batch_size <= 0 or args.warmup_seconds < 0:
        raise ValueError("--seconds-per-batch-size must be positive and "
                         "--warmup-seconds not negative")
    return Plan(args.batch_sizes, args.clients, args.warmup_seconds,
                args.seconds_per_batch_size)


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    from bench import serving_results
    from pipeline.predict import PredictError, latest_model

    try:
        plan = _plan(args)
        model = latest_model(args.serving_dir)
        instances = load_instances(args.data_root, max(POOL_ROWS, *plan.batch_sizes))
        if len(instances) < max(plan.batch_sizes):
            raise ValueError(f"{len(instances)} trips under {args.data_root}, fewer "
                             f"than a batch of {max(plan.batch_sizes)}")
    except PredictError:
        print(f"error: no pushed model version under {args.serving_dir}; "
              f"run `make run` first, or pass --serving-dir", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    def report(line: str) -> None:
        print(line, flush=True)

    from pipeline.serving.server import free_port

    model_name = args.model_name or args.serving_dir.resolve().name
    address = (args.host, args.port or free_port(args.host))
    command = server_command(args.serving_dir.resolve(), address, model_name)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    report(f"serving {model.path} as {model_name!r} on {address[0]}:{address[1]}; "
           f"{plan.load_seconds:g} s of load in all")
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        with running_server(command, args.server_log) as server:
            ready_seconds = wait_ready(server, address, args.server_log)
            report(f"server ready in {ready_seconds:.1f} s")
            phases, memory = measure(plan, address, f"/v1/models/{model_name}:predict",
                                     instances, server, args.server_log, report)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the server is stopped, no results written", file=sys.stderr)
        return 128 + signal.SIGINT
    document = serving_results.document(
        started=started, command=shlex.join(["python", "-m", "bench.serving", *argv]),
        server_command=command, ready_seconds=ready_seconds, model=model,
        model_name=model_name, plan=plan, distinct_instances=len(instances),
        phases=phases, memory=memory)
    paths = serving_results.write(document, args.results)
    for target in serving_results.targets(phases, memory):
        report(serving_results.target_line(target))
    report("results: " + ", ".join(str(p) for p in paths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
