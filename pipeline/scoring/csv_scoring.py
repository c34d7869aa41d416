"""Batch scoring, CSV to CSV: `python -m pipeline predict --source CSV --to OUT.csv`.

Every row of a CSV file or folder, scored by a pushed model, written in
input order with its probability, its decision and the model version. Rows
go through the check `serve` applies to a request (the SERVING environment
of the schema the model carries), so a row the service would refuse fails
the job, naming file, line and field. Columns the model does not take at
serving time (the label source `tips`, the `trip_id` key) are carried
through to the output but never scored.

The output is written under a temporary name and renamed when complete: a
failed job leaves the previous output, if any, as it was.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from components.database import span_query
from components.features import RawType
from components.rows.csv_records import checked_rows, column_types
from components.trainer.contract import PROBABILITY_OUTPUT
from pipeline.scoring.checks import BadInstance, csv_instance
from pipeline.scoring.model import (
    BATCH,
    DECISION,
    MODEL_VERSION,
    LoadedModel,
    Model,
    ModelLoadError,
    PredictError,
    decision,
)
from pipeline.scoring.sources import csv_files, csv_header

OUTPUT_COLUMNS = (PROBABILITY_OUTPUT, DECISION, MODEL_VERSION)


def is_csv_target(target: str) -> bool:
    return target.lower().endswith(".csv")


@dataclasses.dataclass(frozen=True)
class CsvOutcome:
    scored: int
    path: Path


def _headers(files: List[Path]) -> Dict[Path, List[str]]:
    """Each file's header; every file must have the first file's columns."""
    headers = {path: csv_header(path) for path in files}
    first = headers[files[0]]
    for path, header in headers.items():
        if set(header) != set(first):
            raise PredictError(
                f"{path}:1: columns {sorted(set(header) ^ set(first))} are in this "
                f"file or in {files[0]}, not both; every file needs the same columns"
            )
    return headers


def _rows(
    files: List[Path], headers: Dict[Path, List[str]], checks
) -> Iterator[Tuple[Dict[str, str], Dict[str, list]]]:
    """(cells by column, checked instance) for every row, in order."""
    for path in files:
        header = headers[path]
        types = column_types([name for name in header if name != span_query.KEY_COLUMN])
        typed = {**types, span_query.KEY_COLUMN: RawType.BYTES}
        try:
            for line, fields in checked_rows(path, header, typed):
                yield (
                    dict(zip(header, fields)),
                    checks.check(csv_instance(header, fields), f"{path}:{line}"),
                )
        except BadInstance as error:
            raise PredictError(f"{error.where}: {error.field}: {error.problem}") from None
        except ValueError as error:
            raise PredictError(str(error)) from None


def _batches(rows: Iterator, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def score_csv(
    source: Path, target: Path, model: Model, progress: Optional[Callable[[int], None]] = None
) -> CsvOutcome:
    """Scores every row of `source` (a CSV file or folder) into `target`."""
    if source.is_dir() and target.resolve().is_relative_to(source.resolve()):
        raise PredictError(
            f"{target} is inside the source folder {source}; a re-run would read it as input"
        )
    files = csv_files(source)
    headers = _headers(files)
    try:
        loaded = LoadedModel(model.path)
    except ModelLoadError as error:
        raise PredictError(str(error)) from None
    columns = headers[files[0]]
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    scored = 0
    try:
        with partial.open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([*columns, *OUTPUT_COLUMNS])
            for batch in _batches(_rows(files, headers, loaded.checks), BATCH):
                probabilities = loaded.predict([instance for _, instance in batch])
                writer.writerows(
                    [*(cells[name] for name in columns), repr(p), decision(p), model.version]
                    for (cells, _), p in zip(batch, probabilities)
                )
                scored += len(batch)
                if progress:
                    progress(scored)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return CsvOutcome(scored=scored, path=target)
