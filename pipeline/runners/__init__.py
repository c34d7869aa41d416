"""Runners: each builds what only it knows (ML Metadata, runtime parameters,
where the schema is) and hands it to `pipeline.pipeline.create_pipeline`;
`engines` starts the Spark or Flink job server a local run's Beam components
use (`jvm/`: the POMs of their jars). Imported by the CLI and the tests."""
