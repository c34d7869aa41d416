"""DriftSkewCheck: TFDV drift and skew comparators, which ExampleValidator never runs."""

from components.drift_skew.component import DriftSkewCheck

__all__ = ["DriftSkewCheck"]
