"""`serve`: the pushed model behind TF Serving's REST API, swapping in newer
versions as they are pushed. Built on `pipeline/scoring/`; the CLI imports it."""
