"""The server's resident memory, its whole process tree's, sampled by a
thread while the load runs."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Iterator, List, Tuple

import psutil

from bench.measure import tree_rss
from bench.serving.plan import MEMORY_SAMPLE_SECONDS


@contextlib.contextmanager
def memory_samples(pid: int) -> Iterator[List[Tuple[float, int]]]:
    """(perf_counter, RSS of the process tree), every MEMORY_SAMPLE_SECONDS
    while the block runs."""
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
