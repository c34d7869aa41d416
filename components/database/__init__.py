"""Databases by URL (SQLite, PostgreSQL): connections and credentials, the
span query, parallel reads. Used by DatabaseExampleGen, `load-db` and reverse
ETL; only `reads.py` imports Beam."""
