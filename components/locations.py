"""Local paths and URIs: the one test of which a location is."""


def is_uri(location: str) -> bool:
    """True for a URI such as gs://bucket/dir or postgresql://host/db; False
    for a local path."""
    return "://" in str(location)
