"""Request limits of the REST service, apart from FastAPI so that the CLI's
`--help` can show them without loading it."""

DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024
