"""Scaled copies of the bundled taxi trips for the benchmark.

A dataset of N rows resamples the trips that ship inside the `tfx` package
(with replacement, from a fixed seed) and jitters every FLOAT feature of the
feature spec by a hundredth of its standard deviation, so rows are not exact
duplicates but keep their distributions and labels (up to borderline tips).
Timestamps and categories are kept, so every row stays in its quarter.

Each dataset is laid out twice:
  trips/<quarter>/trips.csv   this pipeline's layout, as in data/trips/
  flat/<quarter>.csv          links for TFX's example, which reads one folder
The `15k` dataset is the bundled data itself, linked, not copied.

For the "add one quarter" runs, `link_history` lays out a data root of links
to every quarter folder but the newest, and `link_next_quarter` adds it; the
by-quarter runs start from `link_quarters(..., 0)` and add one at a time.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Dict, List

from components.features import RAW_FEATURES, START_TIME, RawType
from components.rows import layout
from components.rows.spans import quarter_start
from pipeline.config import DEFAULT_DATA_ROOT
from pipeline.loading.quarters import tfx_sample_csv

SEED = 20130101
# Jitter of each FLOAT feature, as a share of its standard deviation.
JITTER = 0.01
BUNDLED = "15k"
# Bump when the generated rows change, so stale copies are regenerated.
FORMAT_VERSION = 3
MANIFEST = "manifest.json"

SIZES: Dict[str, int] = {"15k": 15_002, "100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}


@dataclasses.dataclass(frozen=True)
class Dataset:
    name: str
    rows: int
    root: Path

    @property
    def trips(self) -> Path:
        """This pipeline's input: one folder per quarter."""
        return self.root / "trips"

    @property
    def flat(self) -> Path:
        """TFX's example's input: every CSV in one folder."""
        return self.root / "flat"

    @property
    def csv_pattern(self) -> str:
        return str(self.trips / layout.ALL_QUARTERS_PATTERN)

    @property
    def bytes(self) -> int:
        return sum(path.stat().st_size for path in self.trips.glob(layout.ALL_QUARTERS_PATTERN))


def quarter_folders(dataset: Dataset) -> List[Path]:
    """The dataset's quarter folders, oldest first (their names are dates)."""
    return sorted(path.parent for path in dataset.trips.glob(layout.ALL_QUARTERS_PATTERN))


def link_quarters(dataset: Dataset, root: Path, count: int) -> Dataset:
    """`dataset` as it was when its oldest `count` quarters had arrived: under
    `root`, links to those quarter folders, in this pipeline's layout only.
    `rows` stays the whole dataset's, whose runs these are."""
    partial = dataclasses.replace(dataset, root=root)
    partial.trips.mkdir(parents=True)
    for _ in range(count):
        link_next_quarter(dataset, partial)
    return partial


def link_history(dataset: Dataset, root: Path) -> Dataset:
    """`dataset` as it was before its newest quarter arrived."""
    return link_quarters(dataset, root, len(quarter_folders(dataset)) - 1)


def link_next_quarter(dataset: Dataset, partial: Dataset) -> int:
    """The oldest quarter of `dataset` not yet in the data root of `partial`
    arrives there; returns how many quarters that root now holds."""
    arrived = {folder.name for folder in quarter_folders(partial)}
    folder = next(f for f in quarter_folders(dataset) if f.name not in arrived)
    (partial.trips / folder.name).symlink_to(folder.resolve())
    return len(arrived) + 1


def rows_for(name: str) -> int:
    """Row count of a size name: one of SIZES, or a number with k/m suffix."""
    if name in SIZES:
        return SIZES[name]
    scale = {"k": 1_000, "m": 1_000_000}.get(name[-1:].lower(), 1)
    digits = name[:-1] if scale > 1 else name
    try:
        rows = int(float(digits) * scale)
    except ValueError:
        raise ValueError(f"not a dataset size: {name!r} (e.g. 100k, 1m, 2500)") from None
    if rows < 100:
        raise ValueError(f"dataset size {name!r} is below 100 rows")
    return rows


def prepare(name: str, base: Path) -> Dataset:
    """The dataset `name` under `base`, generated unless an identical one exists."""
    rows = rows_for(name)
    dataset = Dataset(name=name, rows=rows, root=base / name)
    manifest = {
        "rows": rows,
        "seed": SEED,
        "jitter": JITTER,
        "format_version": FORMAT_VERSION,
        "bundled": name == BUNDLED,
    }
    manifest_path = dataset.root / MANIFEST
    if manifest_path.exists() and json.loads(manifest_path.read_text()) == manifest:
        return dataset
    if dataset.root.exists():
        shutil.rmtree(dataset.root)
    dataset.root.mkdir(parents=True)
    if name == BUNDLED:
        _link_bundled(dataset.trips)
    else:
        _generate(rows, dataset.trips)
    _link_flat(dataset)
    # Written last: an interrupted generation is redone, never reused.
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return dataset


def _link_bundled(dest: Path) -> None:
    for source in sorted(Path(DEFAULT_DATA_ROOT).glob(layout.ALL_QUARTERS_PATTERN)):
        (dest / source.parent.name).mkdir(parents=True)
        (dest / source.parent.name / source.name).symlink_to(source)


def _link_flat(dataset: Dataset) -> None:
    dataset.flat.mkdir()
    for source in sorted(dataset.trips.glob(layout.ALL_QUARTERS_PATTERN)):
        (dataset.flat / f"{source.parent.name}.csv").symlink_to(source.resolve())


def jitter(values, scale: float, non_negative: bool, rng):
    """`values` plus normal noise of standard deviation `scale`. NaN (an
    empty cell) stays NaN; for non-negative columns (fares, miles, tips) a
    zero such as "no tip" stays exactly zero and nothing goes below zero."""
    import numpy as np

    jittered = values + rng.normal(0.0, scale, len(values))
    if non_negative:
        jittered = np.where(values == 0, 0.0, np.maximum(jittered, 0.0))
    return jittered


def _generate(rows: int, dest: Path) -> None:
    import numpy as np
    import polars as pl

    # Every column as text, so untouched cells are written back unchanged.
    source = pl.read_csv(tfx_sample_csv(), infer_schema=False)
    source = source.with_columns(
        pl.Series("_quarter", [quarter_start(int(value)) for value in source[START_TIME]])
    )
    sample = source.sample(n=rows, with_replacement=True, seed=SEED)
    rng = np.random.default_rng(SEED)
    for feature in RAW_FEATURES:
        if feature.raw_type is not RawType.FLOAT:
            continue
        observed = source[feature.name].cast(pl.Float64)
        jittered = jitter(
            sample[feature.name].cast(pl.Float64).to_numpy(),
            JITTER * observed.std(),
            non_negative=observed.min() >= 0,
            rng=rng,
        )
        column = pl.Series(feature.name, jittered, nan_to_null=True).round(6)
        sample = sample.with_columns(column.cast(pl.Utf8))
    for (quarter,), part in sample.group_by("_quarter"):
        (dest / quarter).mkdir(parents=True)
        part.drop("_quarter").write_csv(dest / quarter / layout.QUARTER_FILE)


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bench.datasets",
        description="Generate the benchmark's scaled taxi datasets.",
    )
    parser.add_argument("sizes", nargs="+", help=f"sizes: {', '.join(SIZES)} or e.g. 250k")
    parser.add_argument("--dest", default="runs/bench/data", help="default: %(default)s")
    args = parser.parse_args(argv)
    for name in args.sizes:
        dataset = prepare(name, Path(args.dest))
        print(
            f"{dataset.name}: {dataset.rows} rows, {dataset.bytes / 1e6:.1f} MB in {dataset.trips}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
