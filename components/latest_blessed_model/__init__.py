"""The Evaluator's baseline without ML Metadata queries: LatestBlessedModel
copies the newest pushed model, which open-source Kubeflow Pipelines can run
where TFX's Resolver cannot; Evaluator accepts its "nothing pushed yet" and
reads the window as one artifact, with TFMA's extractors made cheaper per
example (`extractors.py`). Imported by the pipeline wiring."""
