"""Reviewing a run's data: the offline statistics report (its content from
TFDV statistics, schema and ML Metadata; the page with its CSS and JavaScript
as files), TFDV's Facets page, and the curated schema's diff and update. The
CLI imports it."""
