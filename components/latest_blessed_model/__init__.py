"""The Evaluator's baseline without ML Metadata queries: LatestBlessedModel
copies the newest pushed model, which open-source Kubeflow Pipelines can run
where TFX's Resolver cannot; Evaluator accepts its "nothing pushed yet"."""

from components.latest_blessed_model.component import Evaluator, LatestBlessedModel

__all__ = ["Evaluator", "LatestBlessedModel"]
