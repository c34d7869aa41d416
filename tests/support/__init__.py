"""Helpers the tests share: servers they start (PostgreSQL), a headless browser,
a local Kubeflow launcher, statistics of CSVs, slices of the bundled data and
short runs on them, executor properties and inputs, the import graph. Only tests import
them."""
