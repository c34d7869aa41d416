"""The spans a node already published, read from ML Metadata by its driver.

Only LIVE output artifacts of the node's successful (or cached) executions
count: a run that failed half-way published nothing, so its spans are
ingested again.
"""

from __future__ import annotations

from typing import Dict

from components.spans.record import FINGERPRINT_PROPERTY, NAME_PROPERTY, VERSION_PROPERTY, Span

NODE_CONTEXT_TYPE = "node"


def ingested_spans(store, pipeline_name: str, node_id: str, output_key: str) -> Dict[str, Span]:
    """Newest published version of each span, by span name."""
    from ml_metadata.proto import metadata_store_pb2

    context = store.get_context_by_type_and_name(NODE_CONTEXT_TYPE, f"{pipeline_name}.{node_id}")
    if context is None:
        return {}
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
    newest: Dict[str, Span] = {}
    for proto in store.get_artifacts_by_id(sorted(output_ids)):
        if proto.state != metadata_store_pb2.Artifact.LIVE or NAME_PROPERTY not in (
            proto.custom_properties
        ):
            continue
        values = proto.custom_properties
        span = Span(
            values[NAME_PROPERTY].string_value,
            values[FINGERPRINT_PROPERTY].string_value,
            values[VERSION_PROPERTY].int_value,
        )
        if span.name not in newest or span.version > newest[span.name].version:
            newest[span.name] = span
    return newest
