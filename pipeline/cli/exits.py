"""Exit codes and their help text, the usage error, and finding which error
in a chain decides the code."""

from __future__ import annotations

import argparse
from typing import Optional

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DATA_INVALID = 3
EXIT_NOT_BLESSED = 4
EXIT_BUSY = 5
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C.

EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}  success
  {EXIT_FAILED}  a component failed (see the log file named in the message)
  {EXIT_USAGE}  bad arguments or input paths, or a database that cannot be read
     (unreachable, credentials refused, missing table, failing query)
  {EXIT_DATA_INVALID}  the data is unreadable, broke the curated schema or drifted; \
nothing was trained
  {EXIT_NOT_BLESSED}  the new model missed the evaluation thresholds; nothing was pushed
  {EXIT_BUSY}  another run is using the output dir; nothing was done
"""

# Parser keywords that end a --help with EXIT_CODES_HELP, its line breaks kept.
EXIT_CODES_EPILOG = {
    "epilog": EXIT_CODES_HELP,
    "formatter_class": argparse.RawDescriptionHelpFormatter,
}


class UsageError(Exception):
    """Bad arguments or paths, found before any heavy work starts."""


def find_cause(error: BaseException, cls: type) -> Optional[BaseException]:
    """`error` itself or the first error it was raised from or during that is
    a `cls`; None if there is none."""
    while error is not None:
        if isinstance(error, cls):
            return error
        error = error.__cause__ or error.__context__
    return None
