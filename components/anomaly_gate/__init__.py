"""AnomalyGate: fails the run when validation found anomalies, except those a
person accepted (`accepted.py`, light: the config and CLI import it).

Only the pipeline wiring imports `component`; the CLI imports `executor` for
its error type."""
