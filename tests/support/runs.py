"""Slices of the bundled data and short pipeline runs on them, as the
end-to-end tests use them."""

import csv
import shutil
from pathlib import Path

from components.rows import layout
from pipeline.config import REPO_ROOT

SLICE_QUARTERS = ("2014-04-01", "2014-07-01")  # 2,683 trips
ONE_QUARTER = SLICE_QUARTERS[0]  # 1,380 trips


def slice_of_data(root: Path, edit=None) -> Path:
    """Two bundled quarters under `root`; `edit=(column, value)` changes one cell."""
    for quarter in SLICE_QUARTERS:
        shutil.copytree(REPO_ROOT / "data" / "trips" / quarter, root / quarter)
    if edit:
        path = root / SLICE_QUARTERS[0] / layout.QUARTER_FILE
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        column, value = edit
        rows[1][rows[0].index(column)] = value
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return root


def slice_config(tmp: Path, data_root: Path):
    """A short training run on the slice; the full-data quality bar is
    checked in tests/pipeline/cli/test_cli.py. 300 steps on 2.7k trips vary
    by about 0.01 AUC with the trips they see, so a second run on a changed
    slice may trail the first by more than the default no-regression margin
    without being worse; the margin here is wider."""
    from pipeline.config import EvaluationThresholds, PipelineConfig

    return PipelineConfig(
        data_root=data_root,
        output_dir=tmp / "out",
        train_steps=300,
        thresholds=EvaluationThresholds(min_auc=0.85, min_binary_accuracy=0.8, max_auc_drop=0.05),
    )


def latest_outputs(config):
    """Each component's latest successful execution and outputs, from ML Metadata."""
    from pipeline.metadata import latest_outputs as read

    return read(Path(config.metadata_path), config.pipeline_name)["components"]


def one_quarter_of_data(root: Path, bad_fare_line=None) -> Path:
    """The bundled 2014-04-01 quarter (1,380 trips) under `root`; with
    `bad_fare_line`, that line's fare is 'N/A'."""
    shutil.copytree(REPO_ROOT / "data" / "trips" / ONE_QUARTER, root / ONE_QUARTER)
    if bad_fare_line:
        path = root / ONE_QUARTER / layout.QUARTER_FILE
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        rows[bad_fare_line - 1][rows[0].index("fare")] = "N/A"
        with path.open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return root
