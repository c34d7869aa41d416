"""Reads a run's ML Metadata store through ml_metadata's public API.

For each component of a pipeline: its latest successful (run or cached)
execution, and that execution's output artifacts with URIs and properties.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Dict, List

from components.spans.record import NAME_PROPERTY as SPAN_NAME
from components.spans.record import VERSION_PROPERTY as SPAN_VERSION

NODE_CONTEXT_TYPE = "node"


class MetadataNotFoundError(FileNotFoundError):
    pass


def _open_store(metadata_path: Path):
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    if not metadata_path.is_file():
        raise MetadataNotFoundError(
            f"no ML Metadata store at {metadata_path}: run the pipeline first "
            f"(python -m pipeline run) or pass the --output-dir it used"
        )
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(metadata_path)
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    return metadata_store.MetadataStore(config)


def _value(value) -> Any:
    kind = value.WhichOneof("value")
    if kind == "struct_value":
        from google.protobuf import json_format

        decoded = json_format.MessageToDict(value.struct_value)
        # How TFX stores a JSON value that is not an object.
        return decoded.get("__value__", decoded) if len(decoded) == 1 else decoded
    if kind == "proto_value":
        return f"<{value.proto_value.type_url}>"
    return getattr(value, kind) if kind else None


def _properties(artifact) -> Dict[str, Any]:
    values = {name: _value(v) for name, v in artifact.properties.items()}
    values.update(
        {
            name: _value(v)
            for name, v in artifact.custom_properties.items()
            # TFX bookkeeping, not facts about the artifact.
            if name not in ("tfx_version", "is_external", "state")
        }
    )
    return values


def _timestamp(millis: int) -> str:
    return datetime.datetime.fromtimestamp(millis / 1000, datetime.timezone.utc).isoformat(
        timespec="seconds"
    )


def latest_outputs(metadata_path: Path, pipeline_name: str) -> Dict[str, Any]:
    """Each component's latest successful execution and its output artifacts."""
    from ml_metadata.proto import metadata_store_pb2

    store = _open_store(metadata_path)
    succeeded = (metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED)
    prefix = f"{pipeline_name}."
    components: Dict[str, Any] = {}
    for context in store.get_contexts_by_type(NODE_CONTEXT_TYPE):
        if not context.name.startswith(prefix):
            continue
        executions = [
            e
            for e in store.get_executions_by_context(context.id)
            if e.last_known_state in succeeded
        ]
        if not executions:
            continue
        latest = max(executions, key=lambda e: (e.create_time_since_epoch, e.id))
        components[context.name[len(prefix) :]] = {
            "execution_id": latest.id,
            "state": metadata_store_pb2.Execution.State.Name(latest.last_known_state),
            "finished_at": _timestamp(latest.last_update_time_since_epoch),
            # From registration to publication: the component's own time.
            "started_at_ms": latest.create_time_since_epoch,
            "seconds": (latest.last_update_time_since_epoch - latest.create_time_since_epoch)
            / 1000,
            "outputs": _output_artifacts(store, latest.id),
        }
    if not components:
        raise MetadataNotFoundError(
            f"no successful execution of pipeline {pipeline_name!r} in {metadata_path}"
        )
    return {
        "pipeline": pipeline_name,
        "metadata": str(metadata_path),
        "components": dict(sorted(components.items())),
    }


def span_artifacts(
    metadata_path: Path, pipeline_name: str, node_id: str, key: str
) -> List[Dict[str, Any]]:
    """The newest version of each span that node `node_id` published under
    `key`, over all its successful executions, oldest span first: what the
    pipeline holds per span, whichever run ingested it."""
    from ml_metadata.proto import metadata_store_pb2

    store = _open_store(metadata_path)
    context = store.get_context_by_type_and_name(NODE_CONTEXT_TYPE, f"{pipeline_name}.{node_id}")
    if context is None:
        return []
    succeeded = (metadata_store_pb2.Execution.COMPLETE, metadata_store_pb2.Execution.CACHED)
    ids = [
        e.id for e in store.get_executions_by_context(context.id) if e.last_known_state in succeeded
    ]
    newest: Dict[str, Dict[str, Any]] = {}
    published = sorted(
        (a for a in _output_artifacts(store, *ids).get(key, []) if a["state"] == "LIVE"),
        key=lambda a: (a["properties"].get(SPAN_VERSION, 0), a["id"]),
    )
    for artifact in published:
        name = artifact["properties"].get(SPAN_NAME)
        if name:
            newest[name] = artifact
    return [newest[name] for name in sorted(newest)]


def _output_artifacts(store, *execution_ids: int) -> Dict[str, List[Dict[str, Any]]]:
    from ml_metadata.proto import metadata_store_pb2

    keys: Dict[int, str] = {}
    for event in store.get_events_by_execution_ids(list(execution_ids)):
        if event.type == metadata_store_pb2.Event.OUTPUT:
            keys[event.artifact_id] = event.path.steps[0].key if event.path.steps else ""
    artifacts = store.get_artifacts_by_id(list(keys))
    type_names = {
        t.id: t.name for t in store.get_artifact_types_by_id(list({a.type_id for a in artifacts}))
    }
    outputs: Dict[str, List[Dict[str, Any]]] = {}
    for artifact in sorted(artifacts, key=lambda a: a.id):
        outputs.setdefault(keys[artifact.id], []).append(
            {
                "id": artifact.id,
                "type": type_names[artifact.type_id],
                "uri": artifact.uri,
                "state": metadata_store_pb2.Artifact.State.Name(artifact.state),
                "properties": _properties(artifact),
            }
        )
    return outputs


def cancel_stale_executions(metadata_path: Path) -> List[int]:
    """Marks executions left RUNNING by a killed run as CANCELED; returns their ids.

    Call it only while holding the output dir's run lock: then no other run
    is alive, so any RUNNING execution is stale. TFX never reuses them (its
    cache only takes COMPLETE ones); this keeps ML Metadata honest.
    """
    from ml_metadata.metadata_store import metadata_store
    from ml_metadata.proto import metadata_store_pb2

    if not metadata_path.is_file():
        return []
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = str(metadata_path)
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE
    store = metadata_store.MetadataStore(config)
    stale = [
        e
        for e in store.get_executions()
        if e.last_known_state
        in (metadata_store_pb2.Execution.RUNNING, metadata_store_pb2.Execution.NEW)
    ]
    for execution in stale:
        execution.last_known_state = metadata_store_pb2.Execution.CANCELED
    if stale:
        store.put_executions(stale)
    return [e.id for e in stale]
