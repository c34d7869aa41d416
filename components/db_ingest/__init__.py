"""DatabaseExampleGen: a span query on SQLite or PostgreSQL to tf.Examples.
Imported by the pipeline wiring; database access itself is in `components/database/`."""
