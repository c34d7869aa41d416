"""TFX's StatisticsGen, SchemaGen and ExampleValidator, run once per span artifact
(they read a single artifact): statistics and schema validation per span."""
