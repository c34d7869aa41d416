"""A run's measurement: the warm-ups, then one recorded phase per batch size,
with the server's memory sampled throughout."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple

from bench.serving.instances import request_bodies
from bench.serving.load import Phase, run_load
from bench.serving.memory import memory_samples
from bench.serving.plan import Plan
from bench.serving.results import memory_summary, phase_line, phase_summary
from bench.serving.server import Address, ServerError


def measure(
    plan: Plan,
    address: Address,
    path: str,
    instances: Sequence[Dict[str, Any]],
    server: subprocess.Popen,
    log_path: Path,
    report: Callable[[str], None],
) -> Tuple[List[Dict], Dict]:
    """Warm-ups (every batch size, first), then the recorded phases, with the
    server's memory sampled throughout. The warm-ups all run first so that
    the memory after them includes every batch size's first allocations,
    and growth measures steady load only."""

    def server_alive() -> bool:
        return server.poll() is None

    def load(batch_size: int, seconds: float) -> Phase:
        phase = run_load(
            address,
            path,
            request_bodies(instances, batch_size),
            batch_size,
            plan.clients,
            seconds,
            server_alive,
        )
        if not server_alive():
            raise ServerError.with_log_tail(
                f"the server exited with code {server.returncode} under load", log_path
            )
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
            phases.append(phase_summary(load(batch_size, plan.seconds), warmups[batch_size]))
            report("  " + phase_line(phases[-1]))
    return phases, memory_summary(samples, measured_from)
