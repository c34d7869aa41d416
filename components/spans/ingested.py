"""The spans an ExampleGen already ingested and a gate passed, read from
ML Metadata.

AnomalyGate records on its result artifact each span it passed (name,
fingerprint, version). Only the spans of a node's own examples that a gate
passed count as ingested: a span the gate
refused is ingested and judged again on the next run (a person may have
accepted its anomalies by then), and never enters the training window
unjudged.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Set

from components.spans.record import (
    FINGERPRINT_PROPERTY,
    NAME_PROPERTY,
    VERSION_PROPERTY,
    Span,
    from_json,
)

# On AnomalyGate's result artifact: the spans it passed, as JSON records.
PASSED_PROPERTY = "passed_spans"
RESULT_TYPE = "components.DataValidationResult"
PIPELINE_CONTEXT_TYPE = "pipeline"
NODE_CONTEXT_TYPE = "node"


def passed_records(texts: Iterable[str]) -> Set[Span]:
    return {span for text in texts for span in from_json(text)}


def newest_passed(passed: Iterable[Span]) -> Dict[str, Span]:
    """The newest passed version of each span, by span name."""
    newest: Dict[str, Span] = {}
    for span in sorted(passed, key=lambda s: s.version):
        newest[span.name] = span
    return newest


def passed_spans(store, pipeline_name: str, node_id: str, output_key: str) -> Dict[str, Span]:
    """Newest version of each span that node `node_id` published under
    `output_key` and a gate passed, by span name."""
    published = _published(store, pipeline_name, node_id, output_key)
    passed = passed_records(_gate_results(store, pipeline_name))
    return newest_passed(span for span in published if span in passed)


def _gate_results(store, pipeline_name: str):
    from ml_metadata.proto import metadata_store_pb2

    context = store.get_context_by_type_and_name(PIPELINE_CONTEXT_TYPE, pipeline_name)
    try:
        result_type = store.get_artifact_type(RESULT_TYPE)
    except Exception:  # noqa: BLE001 (ml_metadata raises NotFoundError: no gate ran yet)
        return []
    if context is None:
        return []
    return [
        artifact.custom_properties[PASSED_PROPERTY].string_value
        for artifact in store.get_artifacts_by_context(context.id)
        if artifact.type_id == result_type.id
        and artifact.state == metadata_store_pb2.Artifact.LIVE
        and PASSED_PROPERTY in artifact.custom_properties
    ]


def _published(store, pipeline_name: str, node_id: str, output_key: str) -> List[Span]:
    """The spans of the LIVE artifacts the node's successful executions
    published under `output_key`."""
    from ml_metadata.proto import metadata_store_pb2

    context = store.get_context_by_type_and_name(NODE_CONTEXT_TYPE, f"{pipeline_name}.{node_id}")
    if context is None:
        return []
    succeeded = {metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED}
    execution_ids = [
        e.id for e in store.get_executions_by_context(context.id) if e.last_known_state in succeeded
    ]
    output_ids = {
        event.artifact_id
        for event in store.get_events_by_execution_ids(execution_ids)
        if event.type == metadata_store_pb2.Event.OUTPUT
        and any(step.key == output_key for step in event.path.steps)
    }
    spans = []
    for artifact in store.get_artifacts_by_id(sorted(output_ids)):
        values = artifact.custom_properties
        if artifact.state == metadata_store_pb2.Artifact.LIVE and NAME_PROPERTY in values:
            spans.append(
                Span(
                    values[NAME_PROPERTY].string_value,
                    values[FINGERPRINT_PROPERTY].string_value,
                    values[VERSION_PROPERTY].int_value,
                )
            )
    return spans
