"""Run a command and measure it: wall time and peak resident memory.

Peak RSS is the largest sum of resident memory over the command's whole
process tree (Beam's multi-processing workers included), sampled every
SAMPLE_SECONDS; getrusage would report only the largest single process.
"""

from __future__ import annotations

import dataclasses
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import psutil

SAMPLE_SECONDS = 0.2


@dataclasses.dataclass(frozen=True)
class Measurement:
    wall_seconds: float
    peak_rss_bytes: int
    exit_code: int
    # (Unix time, tree RSS) every SAMPLE_SECONDS, to find which component
    # held the memory.
    samples: Tuple[Tuple[float, int], ...] = ()

    def peak_between(self, start: float, end: float) -> int:
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:  # Exited between listing and reading.
            continue
    return total


def run(
    command: Sequence[str],
    log_path: Path,
    env: Optional[Dict[str, str]] = None,
    cwd: Optional[Path] = None,
) -> Measurement:
    """Runs `command` with stdout and stderr into `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        started = time.monotonic()
        child = subprocess.Popen(
            list(command), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )
        process = psutil.Process(child.pid)
        samples: List[Tuple[float, int]] = []
        while child.poll() is None:
            try:
                samples.append((time.time(), tree_rss(process)))
            except psutil.Error:
                pass
            time.sleep(SAMPLE_SECONDS)
        wall = time.monotonic() - started
    return Measurement(
        wall_seconds=wall,
        peak_rss_bytes=max((rss for _, rss in samples), default=0),
        exit_code=child.returncode,
        samples=tuple(samples),
    )
