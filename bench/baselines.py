"""The two baselines, each run in its own process by the benchmark.

  python -m bench.baselines tfdv PATTERN OUTPUT_DIR
      plain `tfdv.generate_statistics_from_csv` with its defaults
  python -m bench.baselines polars PATTERN
      polars reads every CSV and describes it: the parsing floor

Both print the row count they saw, so the benchmark can check it.
"""

from __future__ import annotations

import sys
from pathlib import Path


def tfdv_statistics(pattern: str, output_dir: Path) -> int:
    import tensorflow_data_validation as tfdv

    output_dir.mkdir(parents=True, exist_ok=True)
    statistics = tfdv.generate_statistics_from_csv(
        data_location=pattern, output_path=str(output_dir / "statistics.tfrecord")
    )
    return int(statistics.datasets[0].num_examples)


def polars_describe(pattern: str) -> int:
    import polars as pl

    frame = pl.read_csv(pattern)
    frame.describe()
    return frame.height


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["tfdv"] and len(argv) == 3:
        rows = tfdv_statistics(argv[1], Path(argv[2]))
    elif argv[:1] == ["polars"] and len(argv) == 2:
        rows = polars_describe(argv[1])
    else:
        print(
            "usage: python -m bench.baselines tfdv PATTERN OUTPUT_DIR\n"
            "       python -m bench.baselines polars PATTERN",
            file=sys.stderr,
        )
        return 2
    print(f"rows: {rows}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
