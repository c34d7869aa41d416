"""`python -m pipeline serve`: the pushed model behind TF Serving's REST API."""
