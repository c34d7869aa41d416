"""The tests, one folder per folder of the tree they test; helpers in
`support/`, shared pipeline runs in `conftest.py`."""
