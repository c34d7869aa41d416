"""CuratedSchemaImporter: the schema's content, not its path, keys the cache."""

import os

import pytest

from components.curated_schema import executor
from components.curated_schema.component import CuratedSchemaImporter
from components.curated_schema.executor import file_sha256

SCHEMA_TEXT = 'feature { name: "fare" type: FLOAT }\n'


def test_fingerprint_changes_with_content(tmp_path):
    path = tmp_path / "schema.pbtxt"
    path.write_text(SCHEMA_TEXT)
    before = CuratedSchemaImporter(str(path)).exec_properties[executor.SCHEMA_SHA256_KEY]
    path.write_text(SCHEMA_TEXT.replace("FLOAT", "INT"))
    after = CuratedSchemaImporter(str(path)).exec_properties[executor.SCHEMA_SHA256_KEY]
    assert before != after


def _import(tmp_path, schema_path, sha256):
    from tfx.types import standard_artifacts

    schema = standard_artifacts.Schema()
    schema.uri = str(tmp_path / "out")
    os.makedirs(schema.uri)
    executor.Executor().Do(
        {},
        {"schema": [schema]},
        {"schema_file": str(schema_path), executor.SCHEMA_SHA256_KEY: sha256},
    )
    return schema


def test_imports_the_file_it_was_built_with(tmp_path):
    path = tmp_path / "schema.pbtxt"
    path.write_text(SCHEMA_TEXT)
    schema = _import(tmp_path, path, file_sha256(str(path)))
    assert (tmp_path / "out" / "schema.pbtxt").read_text() == SCHEMA_TEXT
    assert schema.get_string_custom_property(executor.SCHEMA_SHA256_KEY) == file_sha256(str(path))


def test_refuses_a_file_edited_after_the_pipeline_was_built(tmp_path):
    path = tmp_path / "schema.pbtxt"
    path.write_text(SCHEMA_TEXT)
    built_with = file_sha256(str(path))
    path.write_text(SCHEMA_TEXT.replace("FLOAT", "INT"))
    with pytest.raises(executor.SchemaFileChangedError, match="schema.pbtxt changed"):
        _import(tmp_path, path, built_with)
