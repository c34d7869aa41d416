"""Putting trips where the pipeline reads them: quarter folders from one CSV,
CSV rows into a database table (`load-db`). The CLI and the bench import it."""
