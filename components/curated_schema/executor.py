"""Executor: ImportSchemaGen's, after checking the file is the one compiled in.

TFX's ImportSchemaGen caches on the schema file's path alone, so an edited
curated schema would silently be replaced by the cached old one. The
component puts the file's SHA-256 into the execution properties (hence the
cache key); here we refuse to import a file whose content differs from it,
for example an image built from another commit than the compiled spec.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List

from tfx import types
from tfx.components.schema_gen.import_schema_gen import executor as import_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils, standard_component_specs

SCHEMA_SHA256_KEY = "schema_sha256"


def file_sha256(path: str) -> str:
    with fileio.open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


class SchemaFileChangedError(ValueError):
    pass


class Executor(import_executor.Executor):
    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        path = exec_properties[standard_component_specs.SCHEMA_FILE_KEY]
        expected = exec_properties[SCHEMA_SHA256_KEY]
        actual = file_sha256(path)
        if actual != expected:
            raise SchemaFileChangedError(
                f"curated schema {path} changed after the pipeline was built "
                f"(sha256 {actual}, expected {expected}); rebuild the pipeline"
            )
        super().Do(input_dict, output_dict, exec_properties)
        schema = artifact_utils.get_single_instance(
            output_dict[standard_component_specs.SCHEMA_KEY]
        )
        schema.set_string_custom_property(SCHEMA_SHA256_KEY, actual)
