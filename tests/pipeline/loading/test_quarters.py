"""The quarter folders: `data/trips/` is TFX's sample CSV split by quarter."""

import filecmp
from pathlib import Path

import pytest

from components.rows import layout
from pipeline.config import DEFAULT_DATA_ROOT
from pipeline.loading.quarters import main, split_by_quarter, tfx_sample_csv


def test_splitting_the_tfx_sample_rebuilds_the_bundled_data(tmp_path):
    counts = split_by_quarter(tfx_sample_csv(), tmp_path)
    assert sum(counts.values()) == 15_002
    bundled = sorted(
        p.parent.name for p in Path(DEFAULT_DATA_ROOT).glob(layout.ALL_QUARTERS_PATTERN)
    )
    assert sorted(counts) == bundled
    for quarter in bundled:
        assert filecmp.cmp(
            tmp_path / quarter / layout.QUARTER_FILE,
            f"{DEFAULT_DATA_ROOT}/{quarter}/{layout.QUARTER_FILE}",
            shallow=False,
        ), quarter


def test_a_row_without_a_start_time_is_named(tmp_path):
    source = tmp_path / "trips.csv"
    source.write_text("trip_start_timestamp,fare\n1400000000,5.0\nsoon,6.0\n")
    with pytest.raises(ValueError, match=f"{source}:3: no valid trip_start_timestamp"):
        main([str(source), str(tmp_path / "out")])
