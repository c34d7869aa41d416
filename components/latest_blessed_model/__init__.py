"""The Evaluator's baseline without ML Metadata queries: LatestBlessedModel
copies the newest pushed model, which open-source Kubeflow Pipelines can run
where TFX's Resolver cannot; Evaluator accepts its "nothing pushed yet".
Imported by the pipeline wiring."""
