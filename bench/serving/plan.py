"""What a run measures: the plan from the command line, and what every run
fixes (the trips cycled through, the error bodies kept, the memory sampling
interval), which the command line, load, sampler and results share."""

from __future__ import annotations

import dataclasses
from typing import Tuple

MEMORY_SAMPLE_SECONDS = 0.5
# Distinct trips the clients cycle through: enough that a batch of 64 is
# not the same few rows again and again.
POOL_ROWS = 2048
ERROR_SAMPLES = 3  # Error bodies kept per batch size.


@dataclasses.dataclass(frozen=True)
class Plan:
    batch_sizes: Tuple[int, ...]
    clients: int
    warmup_seconds: float
    seconds: float

    @property
    def load_seconds(self) -> float:
        return len(self.batch_sizes) * (self.warmup_seconds + self.seconds)
