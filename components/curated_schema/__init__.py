"""CuratedSchemaImporter: ImportSchemaGen whose cache key is the schema file's
content. Imported by the pipeline wiring."""
