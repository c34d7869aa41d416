"""DriftSkewCheck: TFDV's drift and skew comparators, which ExampleValidator
never runs. `outputs.py` (light) names its splits for the gate and the review."""
