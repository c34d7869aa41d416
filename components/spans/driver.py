"""The driver of the span ExampleGens: which spans this run ingests.

It lists the source's spans in the window with their fingerprints (the
source's `spans` function), reads from ML Metadata the spans a gate already
passed (components/spans/ingested.py), and passes the executor the window,
each span with the version it gets, and the spans to ingest: those new,
whose content changed, or that the gate has not passed yet. Kubeflow runs
no custom driver; there the executor lists the window itself and ingests
every span of it.

Both lists are execution properties, so they are part of TFX's cache key: a
window whose spans are all ingested runs once with nothing to ingest (and
publishes no artifact), then comes from cache until a span changes.
"""

from __future__ import annotations

from typing import Callable, Dict, List

from tfx.components.example_gen import driver as example_gen_driver
from tfx.proto.orchestration import driver_output_pb2

from components.spans.ingested import passed_spans
from components.spans.record import Span, to_json

# Execution properties the driver sets.
WINDOW_KEY = "span_window"
TO_INGEST_KEY = "spans_to_ingest"
EXAMPLES_KEY = "examples"


def versioned(window: List[Span], ingested: Dict[str, Span]) -> List[Span]:
    """The window's spans with their versions: an ingested span keeps its
    version while its content is the same, and gets the next one when it changed."""
    result = []
    for span in window:
        known = ingested.get(span.name)
        if known is None:
            result.append(span)
        elif known.fingerprint == span.fingerprint:
            result.append(known)
        else:
            result.append(Span(span.name, span.fingerprint, known.version + 1))
    return result


def to_ingest(window: List[Span], ingested: Dict[str, Span]) -> List[Span]:
    return [span for span in window if ingested.get(span.name) != span]


def span_driver(list_spans: Callable[[dict], List[Span]]):
    """A driver class for an ExampleGen whose source lists its spans with
    `list_spans(exec_properties)`."""

    class SpanDriver(example_gen_driver.Driver):
        def run(self, execution_info) -> driver_output_pb2.DriverOutput:
            window = list_spans(dict(execution_info.exec_properties))
            with self._mlmd_connection as handle:
                ingested = passed_spans(
                    handle.store,
                    execution_info.pipeline_info.id,
                    execution_info.pipeline_node.node_info.id,
                    EXAMPLES_KEY,
                )
            window = versioned(window, ingested)
            result = driver_output_pb2.DriverOutput()
            result.exec_properties[WINDOW_KEY].string_value = to_json(window)
            result.exec_properties[TO_INGEST_KEY].string_value = to_json(
                to_ingest(window, ingested)
            )
            return result

    return SpanDriver
