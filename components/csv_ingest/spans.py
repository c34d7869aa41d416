"""The CSV source's spans: one folder per quarter under the input base,
named by the quarter's first day and holding `trips.csv`.

Other entries (a README, `.DS_Store`, a folder of notes) are not spans and
are left alone; a folder named like a date that is not a quarter's first day
is refused, since its rows would belong to no span.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from typing import List, Optional

from tfx.dsl.io import fileio

from components.rows.layout import QUARTER_FILE
from components.spans.record import Span, SpanNameError, span_number

_DATE_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHUNK = 1 << 20


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with fileio.open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def span_file(input_base: str, span: Span) -> str:
    return posixpath.join(input_base, span.name, QUARTER_FILE)


def csv_spans(input_base: str, num_spans: Optional[int] = None) -> List[Span]:
    """The newest `num_spans` spans (all when None), each fingerprinted by
    its file's content."""
    names = []
    for path in fileio.glob(posixpath.join(input_base, "*", QUARTER_FILE)):
        folder = posixpath.basename(posixpath.dirname(path))
        if not _DATE_NAME.match(folder):
            continue
        try:
            span_number(folder)
        except SpanNameError as error:
            raise ValueError(f"{posixpath.dirname(path)}: {error}; spans are quarters") from error
        names.append(folder)
    if not names:
        raise RuntimeError(
            f"no spans under {input_base}: expected quarter folders such as "
            f"2014-04-01/{QUARTER_FILE}"
        )
    names = sorted(names)[-num_spans:] if num_spans else sorted(names)
    return [Span(name, file_sha256(span_file(input_base, Span(name)))) for name in names]
