"""QuarantiningCsvExampleGen: CSVs typed by the feature spec, unparsable rows
quarantined. Imported by the pipeline wiring (and the CLI, for its error)."""
