"""Where trips files live: one folder per calendar quarter, as in `data/trips/`.

Each quarter is a folder named by its first day (`2013-04-01/trips.csv`): a
span, which the CSV ExampleGen ingests into its own artifact
(components/csv_ingest/spans.py).
"""

QUARTER_FILE = "trips.csv"
ALL_QUARTERS_PATTERN = f"*/{QUARTER_FILE}"
# A serving sample: CSVs of requests (no `tips` column) in one folder.
SERVING_PATTERN = "*.csv"
