"""The command line, one module per command plus their shared parts; only
`pipeline/__main__.py` and the `taxi-pipeline` console script import it."""
