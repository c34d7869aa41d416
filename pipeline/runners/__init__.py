"""Runners: each builds what only it knows (ML Metadata, runtime parameters,
where the schema is) and hands it to `pipeline.pipeline.create_pipeline`.
Imported by the CLI and the tests."""
