"""CuratedSchemaImporter: ImportSchemaGen whose cache key is the file's content."""

from components.curated_schema.component import CuratedSchemaImporter, file_sha256

__all__ = ["CuratedSchemaImporter", "file_sha256"]
