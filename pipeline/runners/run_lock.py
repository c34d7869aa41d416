"""One run per output dir at a time.

Two runs writing one ML Metadata store and pipeline root would corrupt each
other's executions; a second run is refused instead. The lock is an OS file
lock (flock), so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
from pathlib import Path
from typing import Iterator

LOCK_FILE = ".run.lock"


class OutputDirBusyError(RuntimeError):
    """Another run holds the output dir."""


@contextlib.contextmanager
def run_lock(output_dir: Path) -> Iterator[None]:
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / LOCK_FILE
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise OutputDirBusyError(
                f"output dir {output_dir} is in use by {holder}; wait for that run "
                f"to finish or pass another --output-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.datetime.now().isoformat(timespec="seconds")
        handle.write(f"a run (pid {os.getpid()}, started {started})")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
