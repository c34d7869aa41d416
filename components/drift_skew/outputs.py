"""What DriftSkewCheck's anomalies artifact holds, for those who read it (the
gate, the review). Light: no TFX here."""

# Splits of the anomalies artifact.
DRIFT_SPLIT = "span_drift"
RESTATEMENT_SPLIT = "restatement"
SERVING_SCHEMA_SPLIT = "serving_sample"
SKEW_SPLIT = "serving_skew"
# Properties of that artifact saying what was compared, which the gate records.
SPAN_DRIFT_CHECK = "span_drift"
RESTATEMENT_CHECK = "restatement"
SERVING_SKEW_CHECK = "serving_skew"
# The split of each span's statistics that the drift checks compare.
COMPARED_SPLIT = "train"
