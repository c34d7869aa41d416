"""Where trips files live: one folder per calendar quarter, as in `data/trips/`.

Each quarter is a folder named by its first day (`2013-04-01/trips.csv`),
which TFX's ExampleGen reads as a span with `SPAN_PATTERN`; the default run
globs every quarter.
"""

QUARTER_FILE = "trips.csv"
ALL_QUARTERS_PATTERN = f"*/{QUARTER_FILE}"
SPAN_PATTERN = f"{{YYYY}}-{{MM}}-{{DD}}/{QUARTER_FILE}"
# A serving sample: CSVs of requests (no `tips` column) in one folder.
SERVING_PATTERN = "*.csv"
