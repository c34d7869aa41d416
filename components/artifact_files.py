"""File names inside TFX's standard artifacts, as TFX writes them: our
components write theirs the same way, and the review tools read them. Light:
no TFX here (a test checks these against TFX's own constants)."""

# ExampleStatistics: one per split folder.
STATISTICS_FILE = "FeatureStats.pb"
# ExampleAnomalies: one per split folder.
ANOMALIES_FILE = "SchemaDiff.pb"
# Schema (SchemaGen's, ImportSchemaGen's).
SCHEMA_FILE = "schema.pbtxt"


def split_dir(split: str) -> str:
    """The folder of one split inside a multi-split artifact."""
    return f"Split-{split}"
