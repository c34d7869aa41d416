"""Assembling and running the pipeline (config, wiring, runners, CLI) and the
tools around a run (serving, scoring, review, loading). Imports `components`,
never the other way round."""
