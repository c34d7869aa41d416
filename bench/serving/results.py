"""The serving bench's figures, its targets, and its two outputs: JSON and
markdown (the style and the machine description of bench/results.py)."""

from __future__ import annotations

import json
import math
import shlex
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bench.results import (
    GIB,
    Target,
    format_value,
    machine,
    target_record,
    targets_table,
    verdict_line,
)
from bench.serving.load import Phase
from bench.serving.plan import ERROR_SAMPLES, MEMORY_SAMPLE_SECONDS, Plan

MIB = 2**20
# The targets.
MAX_P99_MS = 50.0
P99_BATCH_SIZE = 1
MAX_MEMORY_GROWTH = 1.10


def percentile(sorted_values: Sequence[float], percent: float) -> Optional[float]:
    """Nearest rank: a value that was observed, never an interpolation."""
    if not sorted_values:
        return None
    rank = math.ceil(percent / 100 * len(sorted_values))
    return sorted_values[max(rank, 1) - 1]


def phase_summary(phase: Phase, warmup: Phase) -> Dict:
    """One batch size's figures. `requests` and `instances` count answers
    with one prediction per instance; every other outcome is an error, the
    warm-up's counted apart (its latencies are not recorded)."""
    latencies = sorted(ms for log in phase.logs for ms in log.latencies_ms)
    instances = sum(log.instances for log in phase.logs)
    return {
        "batch_size": phase.batch_size,
        "seconds": phase.seconds,
        "requests": len(latencies),
        "instances": instances,
        "errors": sum(log.errors for log in phase.logs),
        "warmup_errors": sum(log.errors for log in warmup.logs),
        "error_samples": [
            text for log in [*warmup.logs, *phase.logs] for text in log.error_samples
        ][:ERROR_SAMPLES],
        "connections": sum(log.connections for log in phase.logs),
        "latency_ms": {
            "p50": percentile(latencies, 50),
            "p90": percentile(latencies, 90),
            "p99": percentile(latencies, 99),
            "max": latencies[-1] if latencies else None,
        },
        "requests_per_second": len(latencies) / phase.seconds,
        "instances_per_second": instances / phase.seconds,
    }


def _value_format(value) -> str:
    """A count as it is, a measure to three decimals (13.148 ms, 1.000x)."""
    return "d" if isinstance(value, int) else ".3f"


def target_line(target: Target) -> str:
    return verdict_line(target, _value_format(target.value))


def phase_line(phase: Dict) -> str:
    latency = phase["latency_ms"]
    return (
        f"{phase['requests']:,} requests, {phase['errors']:,} errors; "
        f"p50 {format_value(latency['p50'], '.1f')} ms, "
        f"p99 {format_value(latency['p99'], '.1f')} ms; "
        f"{phase['requests_per_second']:,.0f} requests/s, "
        f"{phase['instances_per_second']:,.0f} instances/s"
    )


def memory_summary(samples: Sequence[Tuple[float, int]], measured_from: float) -> Dict:
    """RSS after the warm-ups (the first sample from `measured_from` on), at
    the end and at its peak over the whole load, and the growth end/after."""
    after_warmup = next((rss for at, rss in samples if at >= measured_from), None)
    end = samples[-1][1] if samples else None
    return {
        "samples": len(samples),
        "sample_seconds": MEMORY_SAMPLE_SECONDS,
        "after_warmup_bytes": after_warmup,
        "end_bytes": end,
        "peak_bytes": max((rss for _, rss in samples), default=None),
        "growth": end / after_warmup if after_warmup and end else None,
    }


def memory_line(memory: Dict) -> str:
    def mib(key: str) -> str:
        return format_value(memory[key] and memory[key] / MIB, ".0f")

    return (
        f"after the warm-ups {mib('after_warmup_bytes')} MiB, at the end "
        f"{mib('end_bytes')} MiB, peak {mib('peak_bytes')} MiB"
    )


def _p99_target(phases: Sequence[Dict]) -> Target:
    phase = next((p for p in phases if p["batch_size"] == P99_BATCH_SIZE), None)
    p99 = phase and phase["latency_ms"]["p99"]
    return Target(
        name=f"p99 latency at batch {P99_BATCH_SIZE}, ms",
        value=p99,
        limit=f"< {MAX_P99_MS:g}",
        met=None if p99 is None else p99 < MAX_P99_MS,
        detail="client-side, per request" if phase else "batch size not run",
    )


def _errors_target(phases: Sequence[Dict]) -> Target:
    errors = sum(p["errors"] + p["warmup_errors"] for p in phases)
    answered = sum(p["requests"] for p in phases)
    return Target(
        name="errors",
        value=errors,
        limit="0",
        met=errors == 0,
        detail=f"non-200, wrong or failed answers, warm-ups included; "
        f"{answered:,} recorded answers",
    )


def _memory_target(memory: Dict) -> Target:
    growth = memory["growth"]
    return Target(
        name="server RSS growth, end / after warm-up",
        value=growth,
        limit=f"< {MAX_MEMORY_GROWTH:g}",
        met=None if growth is None else growth < MAX_MEMORY_GROWTH,
        detail=memory_line(memory),
    )


def targets(phases: Sequence[Dict], memory: Dict) -> List[Target]:
    return [_p99_target(phases), _errors_target(phases), _memory_target(memory)]


def document(
    *,
    started: str,
    command: str,
    server_command: Sequence[str],
    ready_seconds: float,
    model,
    model_name: str,
    plan: Plan,
    distinct_instances: int,
    phases: List[Dict],
    memory: Dict,
) -> Dict:
    return {
        "started": started,
        "command": command,
        "machine": machine(),
        "model": {"name": model_name, "version": model.version, "path": str(model.path)},
        "server": {"command": shlex.join(server_command), "ready_seconds": ready_seconds},
        "load": {
            "batch_sizes": list(plan.batch_sizes),
            "clients": plan.clients,
            "warmup_seconds": plan.warmup_seconds,
            "seconds_per_batch_size": plan.seconds,
            "distinct_instances": distinct_instances,
        },
        "batch_sizes": phases,
        "memory": memory,
        "targets": [target_record(t) for t in targets(phases, memory)],
    }


def markdown(document: Dict) -> str:
    load, model, host = document["load"], document["model"], document["machine"]
    lines = [
        "# Serving benchmark results",
        "",
        f"{document['started']}, {host['cpus']} CPUs, "
        f"{host['memory_bytes'] / GIB:.0f} GiB, {host['platform']}.",
        "",
        f"`{document['command']}`: model `{model['name']}` version {model['version']}, "
        f"server ready in {document['server']['ready_seconds']:.1f} s; "
        f"{load['clients']} closed-loop clients over keep-alive connections, "
        f"{load['seconds_per_batch_size']:g} s per batch size after "
        f"{load['warmup_seconds']:g} s of warm-up each, cycling through "
        f"{load['distinct_instances']:,} trips.",
        "",
        *targets_table(document["targets"], _value_format),
    ]
    lines += [
        "",
        "## Latency (client-side, ms) and throughput",
        "",
        "| batch | requests | instances | errors (warm-up) | p50 | p90 | p99 | max "
        "| requests/s | instances/s | connections |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for phase in document["batch_sizes"]:
        latency = phase["latency_ms"]
        lines.append(
            f"| {phase['batch_size']} | {phase['requests']:,} | {phase['instances']:,} | "
            f"{phase['errors']} ({phase['warmup_errors']}) | "
            + " | ".join(format_value(latency[key], ".1f") for key in ("p50", "p90", "p99", "max"))
            + f" | {phase['requests_per_second']:,.1f} | "
            f"{phase['instances_per_second']:,.0f} | {phase['connections']} |"
        )
    memory = document["memory"]
    lines += [
        "",
        "## Server memory (RSS of its process tree)",
        "",
        f"RSS {memory_line(memory)}; {memory['samples']} samples, "
        f"every {memory['sample_seconds']:g} s.",
    ]
    errors = [
        (p["batch_size"], text) for p in document["batch_sizes"] for text in p["error_samples"]
    ]
    if errors:
        lines += ["", "## First errors", ""]
        lines += [f"- batch {size}: `{text}`" for size, text in errors]
    return "\n".join(lines) + "\n"


def write(document: Dict, results_dir: Path) -> List[Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    paths = [results_dir / "serving.json", results_dir / "serving.md"]
    paths[0].write_text(json.dumps(document, indent=2) + "\n")
    paths[1].write_text(markdown(document))
    return paths
