"""TFX's Transform and Trainer over a window of per-span examples artifacts:
the same components, with executors that expand what Kubeflow records as one
artifact back into its spans (see components/spans/manifest.py)."""
