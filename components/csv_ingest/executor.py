"""QuarantiningCsvExampleGen executor: CSV rows to tf.Examples typed by the
feature spec, with unparsable rows set aside instead of failing the run.

Each file is read in order (quoted fields may span lines, as in
CsvExampleGen). A row that is not UTF-8, has the wrong number of fields, or
has a cell that does not parse as its column's type goes to the quarantine
artifact as `file,line,problem,record`. After the Beam job, the run fails
with the first rows listed if the quarantined share exceeds
`max_quarantined_fraction` (default 0: any unparsable row fails the run).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

import apache_beam as beam
from tfx import types
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, proto_utils

from components.csv_ingest.spans import csv_spans, span_file
from components.rows.arrow_csv import serialized_examples
from components.rows.csv_records import column_types, data_records, read_records, typed_values
from components.rows.example_writing import (
    SPAN_KEY,
    StreamingExampleGenExecutor,
    spans_to_ingest,
)
from components.rows.examples import example
from components.rows.layout import QUARTER_FILE
from components.spans.driver import span_driver
from components.spans.record import Span

QUARANTINE_KEY = "quarantine"
MAX_QUARANTINED_FRACTION_KEY = "max_quarantined_fraction"
NUM_SPANS_KEY = "num_spans"
QUARANTINE_FILE = "quarantined_rows.csv"
SUMMARY_FILE = "summary.json"
QUARANTINE_HEADER = "file,line,problem,record"
MAX_LISTED = 10
# Hands the quarantine artifact's location to the Beam transform.
_QUARANTINE_URI = "_quarantine_uri"
_QUARANTINED = "quarantined"
# Examples per file: counted as they are read, since counting the examples
# themselves needs them all in one PCollection, which the DirectRunner holds
# in memory (a Flatten of every span's examples: 5.2 GiB at 1M rows).
_EXAMPLE_COUNTS = "example_counts"
# The output of a non-span read, and the quarantine folder of the span read.
_ROWS = "examples"
_SPANS_QUARANTINE_DIR = "spans"


class QuarantineLimitError(RuntimeError):
    """More rows were unparsable than the configured limit allows."""

    def __init__(self, quarantined: int, rows: int, limit: float, listed: List[str], path: str):
        self.quarantined, self.rows = quarantined, rows
        lines = "\n".join(f"  - {line}" for line in listed)
        more = f"\n  ... and {quarantined - len(listed)} more" if quarantined > len(listed) else ""
        super().__init__(
            f"{quarantined} of {rows} row(s) ({quarantined / rows:.2%}) could not "
            f"be parsed, over the quarantine limit of {limit:.2%}; nothing was "
            f"ingested:\n{lines}{more}\nAll of them are in {path}."
        )


def _header(path: str) -> List[str]:
    with fileio.open(path, "rb") as handle:
        first = next(read_records([handle.readline()]), None)
    if first is None or first.fields is None:
        raise ValueError(
            f"{path}:1: no readable header"
            + (f" ({first.problem})" if first and first.problem else "")
        )
    return first.fields


class _ReadRows(beam.DoFn):
    """(output, path, header) -> the file's rows as serialized tf.Examples on
    that output, or (file, line, problem, record) on the quarantine output.

    Files Arrow reads whole take the fast path (components/arrow_csv.py);
    only a file with a row it rejects is parsed row by row here. A span's
    rows must lie within its quarter.
    """

    def __init__(self, spans: Dict[str, Optional[Span]]):
        self._spans = spans

    def process(self, element: Tuple[str, str, List[str]]) -> Iterable[Any]:
        output, path, header = element
        span = self._spans[output]
        examples = 0
        for tag, value in self._rows(path, header, span):
            examples += tag is None
            yield beam.pvalue.TaggedOutput(output if tag is None else tag, value)
        yield beam.pvalue.TaggedOutput(_EXAMPLE_COUNTS, examples)

    @staticmethod
    def _rows(path: str, header: List[str], span: Optional[Span]) -> Iterable[Tuple[Any, Any]]:
        """(None, serialized example) or (_QUARANTINED, quarantined row)."""
        types = column_types(header)
        fast = serialized_examples(path, header, types, span.bounds if span else None)
        if fast is not None:
            for serialized in fast:
                yield None, serialized
            return
        with fileio.open(path, "rb") as handle:
            for record in data_records(handle, header, types, span):
                if record.problem:
                    yield (
                        _QUARANTINED,
                        (
                            path,
                            record.line,
                            record.problem,
                            record.text.rstrip("\r\n"),
                        ),
                    )
                    continue
                yield (
                    None,
                    example(types, typed_values(header, types, record.fields)).SerializeToString(
                        deterministic=True
                    ),
                )


def _csv_line(row) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(row)
    return buffer.getvalue()


def _checked_header(path: str) -> List[str]:
    header = _header(path)
    try:
        column_types(header)
    except KeyError as error:
        raise ValueError(f"{path}:1: {error.args[0]}") from error
    return header


def _read_csv(
    pipeline: beam.Pipeline,
    files: Dict[str, List[str]],
    spans: Dict[str, Optional[Span]],
    quarantine_dir: str,
) -> Dict[str, beam.pvalue.PCollection]:
    """Serialized tf.Examples of `files[output]` (deterministically
    serialized: ExampleGen's hash split hashes them) per output; unparsable
    rows and their count go to `quarantine_dir`.

    All files are read by one transform, so the runner spreads them over
    its workers however they divide among outputs. Each file keeps its own
    header: column order may differ between files.
    """
    elements = [
        (output, path, _checked_header(path)) for output, paths in files.items() for path in paths
    ]
    rows = (
        pipeline
        | "Files" >> beam.Create(elements)
        | "ReadRows"
        >> beam.ParDo(_ReadRows(spans)).with_outputs(_QUARANTINED, _EXAMPLE_COUNTS, *files)
    )
    _ = (
        rows[_QUARANTINED]
        | "ToCsv" >> beam.Map(_csv_line)
        | "WriteQuarantine"
        >> beam.io.WriteToText(
            os.path.join(quarantine_dir, QUARANTINE_FILE),
            shard_name_template="",
            header=QUARANTINE_HEADER,
        )
    )
    counts = {
        "examples": beam.pvalue.AsSingleton(
            rows[_EXAMPLE_COUNTS] | "CountExamples" >> beam.CombineGlobally(sum)
        ),
        "quarantined": beam.pvalue.AsSingleton(
            rows[_QUARANTINED] | "CountQuarantined" >> beam.combiners.Count.Globally()
        ),
    }
    _ = (
        pipeline
        | "Once" >> beam.Create([None])
        | "Summary" >> beam.Map(lambda _, **n: json.dumps(n), **counts)
        | "WriteSummary"
        >> beam.io.WriteToText(os.path.join(quarantine_dir, SUMMARY_FILE), shard_name_template="")
    )
    return {output: rows[output] for output in files}


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(bytes)
def _TypedCsvToExample(
    pipeline: beam.Pipeline, exec_properties: Dict[str, Any], split_pattern: str
) -> beam.pvalue.PCollection:
    pattern = os.path.join(exec_properties[standard_component_specs.INPUT_BASE_KEY], split_pattern)
    files = sorted(fileio.glob(pattern))
    if not files:
        raise RuntimeError(f"no files match {pattern}")
    quarantine_dir = os.path.join(
        exec_properties[_QUARANTINE_URI], re.sub(r"\W+", "_", split_pattern).strip("_")
    )
    return _read_csv(pipeline, {_ROWS: files}, {_ROWS: None}, quarantine_dir)[_ROWS]


def _first_quarantined(paths: List[str]) -> List[str]:
    rows = []
    for path in paths:
        with fileio.open(path, "r") as handle:
            for file, line, problem, _ in csv.reader(list(handle)[1:]):
                rows.append((file, int(line), problem))
    return [f"{file}:{line}: {problem}" for file, line, problem in sorted(rows)[:MAX_LISTED]]


def check_quarantine(quarantine: types.Artifact, exec_properties: Dict[str, Any]) -> None:
    """Counts ingested and quarantined rows onto the quarantine artifact, and
    fails the run when the quarantined share is over the limit."""
    examples = quarantined = 0
    for path in fileio.glob(os.path.join(quarantine.uri, "*", SUMMARY_FILE)):
        summary = json.loads(io_utils.read_string_file(path))
        examples += summary["examples"]
        quarantined += summary["quarantined"]
    rows = examples + quarantined
    quarantine.set_int_custom_property("rows", rows)
    quarantine.set_int_custom_property("quarantined_rows", quarantined)
    limit = float(exec_properties.get(MAX_QUARANTINED_FRACTION_KEY) or 0.0)
    if quarantined and quarantined > limit * rows:
        files = fileio.glob(os.path.join(quarantine.uri, "*", QUARANTINE_FILE))
        raise QuarantineLimitError(
            quarantined, rows, limit, _first_quarantined(files), ", ".join(sorted(files))
        )


class Executor(StreamingExampleGenExecutor):
    """Typed CSV ingestion with a quarantine for unparsable rows."""

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        return _TypedCsvToExample

    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        quarantine = artifact_utils.get_single_instance(output_dict[QUARANTINE_KEY])
        super().Do(input_dict, output_dict, {**exec_properties, _QUARANTINE_URI: quarantine.uri})
        check_quarantine(quarantine, exec_properties)


def _listed_spans(exec_properties: Dict[str, Any]) -> List[Span]:
    return csv_spans(
        exec_properties[standard_component_specs.INPUT_BASE_KEY],
        exec_properties.get(NUM_SPANS_KEY) or None,
    )


class SpanExecutor(Executor):
    """One examples artifact per span to ingest, in one Beam pipeline; a row
    whose start time lies outside its span's quarter is quarantined.

    One transform reads every span's file (see `_read_csv`); each span's
    ExampleGen input is that span's share of it.
    """

    def read_shared(self, pipeline: beam.Pipeline, jobs) -> None:
        spans = {properties[SPAN_KEY].name: properties[SPAN_KEY] for properties, _ in jobs}
        input_base = jobs[0][0][standard_component_specs.INPUT_BASE_KEY]
        self._span_rows = _read_csv(
            pipeline,
            {name: [span_file(input_base, span)] for name, span in spans.items()},
            spans,
            os.path.join(jobs[0][0][_QUARANTINE_URI], _SPANS_QUARANTINE_DIR),
        )

    def GetInputSourceToExamplePTransform(self) -> beam.PTransform:
        @beam.ptransform_fn
        @beam.typehints.with_output_types(bytes)
        def span_rows(root, exec_properties: Dict[str, Any], split_pattern: str):
            return self._span_rows[exec_properties[SPAN_KEY].name] | "Rows" >> beam.Map(
                lambda row: row
            )

        return span_rows

    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        quarantine = artifact_utils.get_single_instance(output_dict[QUARANTINE_KEY])
        self.write_spans(
            output_dict,
            {**exec_properties, _QUARANTINE_URI: quarantine.uri},
            spans_to_ingest(exec_properties, _listed_spans),
            span_input_config,
        )
        check_quarantine(quarantine, exec_properties)


class Driver(span_driver(_listed_spans)):
    """Picks the spans to ingest (see components/spans/driver.py)."""


def span_input_config(span: Span) -> str:
    """ExampleGen's input configuration for one span's file, as JSON."""
    return proto_utils.proto_to_json(
        example_gen_pb2.Input(
            splits=[example_gen_pb2.Input.Split(name="all", pattern=f"{span.name}/{QUARTER_FILE}")]
        )
    )
