"""Progress of a local run: one line per component on the terminal.

TensorFlow, Beam and TFX log thousands of lines; they go to a log file under
the output dir (`--verbose` keeps them on the terminal instead), while the
terminal shows which component runs, whether it came from cache, and how
long it took.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import Iterator, Optional, TextIO


class ProgressHandler(logging.Handler):
    """Turns TFX's per-component log lines into short progress lines."""

    _RUNNING = re.compile(r"Component (\S+) is running\.")
    _CACHED = re.compile(r"A cached execution \d+ is used\.")
    _FINISHED = re.compile(r"Component (\S+) is finished\.")

    def __init__(self, total: int, console: TextIO, inline: bool):
        super().__init__(logging.INFO)
        self._total = total
        self._console = console
        # Inline: "[ 3/11] StatisticsGen ... done (4.2 s)" on one line, when
        # nothing else writes to the console in between.
        self._inline = inline
        self._done = 0
        self._started = 0.0
        self._cached = False
        self._running: Optional[str] = None

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if match := self._RUNNING.match(message):
            self._started, self._cached = time.monotonic(), False
            self._running = match.group(1)
            start = f"[{self._done + 1:2d}/{self._total}] {match.group(1)} ..."
            self._write(start + (" " if self._inline else "\n"))
        elif self._CACHED.match(message):
            self._cached = True
        elif match := self._FINISHED.match(message):
            self._done += 1
            self._running = None
            how = "cached" if self._cached else f"{time.monotonic() - self._started:.1f} s"
            prefix = "" if self._inline else f"[{self._done:2d}/{self._total}] {match.group(1)} "
            self._write(f"{prefix}done ({how})\n")

    def fail(self) -> None:
        """Ends the line of the component that was running when the run failed."""
        if self._running is not None:
            prefix = "" if self._inline else f"[{self._done + 1:2d}/{self._total}] {self._running} "
            self._write(f"{prefix}failed\n")
            self._running = None

    def _write(self, text: str) -> None:
        self._console.write(text)
        self._console.flush()


@contextlib.contextmanager
def output_to_log(log_path: Path) -> Iterator[TextIO]:
    """Sends fds 1 and 2 (and Beam's worker processes) to the log file.

    Yields a stream on the real terminal for progress lines.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    console = os.fdopen(os.dup(saved[2]), "w", buffering=1)
    with log_path.open("ab") as log:
        for fd in saved:
            os.dup2(log.fileno(), fd)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, original in saved.items():
                os.dup2(original, fd)
                os.close(original)
            console.close()


@contextlib.contextmanager
def progress_lines(total: int, console: TextIO, inline: bool) -> Iterator[None]:
    from absl import logging as absl_logging

    previous_verbosity = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.INFO)
    logger = logging.getLogger("absl")
    handler = ProgressHandler(total, console, inline)
    logger.addHandler(handler)
    try:
        yield
    except BaseException:
        handler.fail()
        raise
    finally:
        logger.removeHandler(handler)
        absl_logging.set_verbosity(previous_verbosity)
