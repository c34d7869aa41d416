"""CuratedSchemaImporter component: imports the reviewed schema file."""

from __future__ import annotations

from typing import Optional

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.curated_schema import executor


class CuratedSchemaImporterSpec(ComponentSpec):
    PARAMETERS = {
        standard_component_specs.SCHEMA_FILE_KEY: ExecutionParameter(type=str),
        executor.SCHEMA_SHA256_KEY: ExecutionParameter(type=str),
    }
    INPUTS = {}
    OUTPUTS = {
        standard_component_specs.SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema),
    }


class CuratedSchemaImporter(base_component.BaseComponent):
    """ImportSchemaGen that re-runs whenever the schema file's content changes."""

    SPEC_CLASS = CuratedSchemaImporterSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, schema_file: str, schema_sha256: Optional[str] = None):
        """`schema_sha256` defaults to the hash of `schema_file`; pass it when
        the file lives where the pipeline runs (an image), not here."""
        super().__init__(
            spec=CuratedSchemaImporterSpec(
                schema_file=schema_file,
                schema_sha256=schema_sha256 or executor.file_sha256(schema_file),
                schema=types.Channel(type=standard_artifacts.Schema),
            )
        )
