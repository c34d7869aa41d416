"""Database source: DatabaseExampleGen (SQLite or PostgreSQL, by URL)."""

from components.db_ingest.component import DatabaseExampleGen

__all__ = ["DatabaseExampleGen"]
