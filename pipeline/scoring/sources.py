"""CSV sources of the scoring commands: which files, and their headers."""

from __future__ import annotations

from pathlib import Path
from typing import List

from components.database import span_query
from components.rows.csv_records import read_header
from pipeline.scoring.model import PredictError


def csv_files(source: Path) -> List[Path]:
    files = [source] if source.is_file() else sorted(source.glob("**/*.csv"))
    if not files:
        raise PredictError(f"{source}: no CSV files")
    return files


def csv_header(path: Path) -> List[str]:
    try:
        return read_header(path, ignore=[span_query.KEY_COLUMN])
    except ValueError as error:
        raise PredictError(str(error)) from None
