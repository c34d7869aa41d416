"""Scoring with a pushed model: loading and checking it, the request checks of
its schema, CSV batch scoring and reverse ETL to a database. Serving and the
CLI import it."""
