"""What the clients send: bundled CSV rows as the server takes them, cut
into request bodies."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence

from components.rows.layout import ALL_QUARTERS_PATTERN
from pipeline.scoring.checks import csv_instance


def newest_quarters_first(data_root: Path) -> List[Path]:
    """The quarters' CSVs, newest first: folders are named by their first day."""
    return sorted(data_root.glob(ALL_QUARTERS_PATTERN), key=lambda p: p.parent.name, reverse=True)


def instances_from_rows(rows: Iterator[List[str]]) -> Iterator[Dict[str, Any]]:
    """One instance per data row of a CSV given as rows, header first, as
    a client sends it (`tips`, the label source, and empty cells left out)."""
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
    return [
        json.dumps({"instances": list(instances[start : start + batch_size])}).encode()
        for start in range(0, len(instances) - batch_size + 1, batch_size)
    ]
