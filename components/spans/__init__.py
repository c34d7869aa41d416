"""One artifact per span: what a span is (a calendar quarter, its content's
fingerprint and its version), how artifacts carry it, the wrapper that runs a
single-artifact TFX executor once per span, and the ML Metadata look-up of
the spans a node already ingested."""
