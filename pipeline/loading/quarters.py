"""Lays trips out one folder per calendar quarter (`components/rows/layout.py`).

`python -m pipeline.loading.quarters [SOURCE_CSV] [DEST_DIR]` rebuilds
`data/trips/` from the sample CSV that ships inside the `tfx` package.
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from typing import Dict, List

from components.features import START_TIME
from components.rows.layout import QUARTER_FILE
from components.rows.spans import quarter_start
from pipeline.config import DATA_SUBDIR, REPO_ROOT


def tfx_sample_csv() -> Path:
    """The Chicago taxi sample bundled with the installed `tfx` package."""
    spec = importlib.util.find_spec("tfx")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the tfx package is not installed")
    package_dir = Path(list(spec.submodule_search_locations)[0])
    return package_dir / "examples/chicago_taxi_pipeline/data/simple/data.csv"


def split_by_quarter(source: Path, dest: Path) -> Dict[str, int]:
    """Writes `source`'s rows into `dest/<quarter>/trips.csv`; returns row counts.

    Rows keep their order and exact text, and each file repeats the header.
    """
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        timestamp_index = header.index(START_TIME)
        quarters: Dict[str, List[List[str]]] = {}
        for line_number, row in enumerate(reader, start=2):
            try:
                folder = quarter_start(int(row[timestamp_index]))
            except (ValueError, IndexError) as error:
                raise ValueError(
                    f"{source}:{line_number}: no valid {START_TIME}: {error}"
                ) from error
            quarters.setdefault(folder, []).append(row)
    for folder, rows in sorted(quarters.items()):
        (dest / folder).mkdir(parents=True, exist_ok=True)
        with (dest / folder / QUARTER_FILE).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    return {folder: len(rows) for folder, rows in sorted(quarters.items())}


def main(argv: List[str]) -> int:
    source = Path(argv[0]) if argv else tfx_sample_csv()
    dest = Path(argv[1]) if len(argv) > 1 else REPO_ROOT / DATA_SUBDIR
    counts = split_by_quarter(source, dest)
    for folder, count in counts.items():
        print(f"{folder}: {count} rows")
    print(f"{sum(counts.values())} rows in {len(counts)} quarters under {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
