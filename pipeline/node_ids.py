"""The pipeline's node ids: set on each component by the wiring, and the
names its outputs are found by in ML Metadata (the CLI, the review, the
runners) and its tasks are called on Kubeflow."""

CSV_EXAMPLE_GEN = "CsvExampleGen"
DATABASE_EXAMPLE_GEN = "DatabaseExampleGen"
SERVING_EXAMPLE_GEN = "ServingExampleGen"
STATISTICS_GEN = "StatisticsGen"
SCHEMA_GEN = "SchemaGen"
CURATED_SCHEMA = "CuratedSchemaImporter"
EXAMPLE_VALIDATOR = "ExampleValidator"
DRIFT_SKEW_CHECK = "DriftSkewCheck"
ANOMALY_GATE = "AnomalyGate"
# Resolvers (local runs): what earlier runs published.
STATISTICS_HISTORY = "StatisticsHistory"
SPAN_WINDOW = "SpanWindow"
TRANSFORM = "Transform"
TRAINER = "Trainer"
LATEST_BLESSED_MODEL = "LatestBlessedModel"
EVALUATOR = "Evaluator"
PUSHER = "Pusher"
# The ExampleGens with one artifact per span.
SPAN_EXAMPLE_GENS = (CSV_EXAMPLE_GEN, DATABASE_EXAMPLE_GEN)
# The ExampleGens that quarantine unparsable CSV rows.
QUARANTINING_EXAMPLE_GENS = (CSV_EXAMPLE_GEN, SERVING_EXAMPLE_GEN)
