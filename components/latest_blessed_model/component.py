"""LatestBlessedModel, and TFX's Evaluator made to read its empty result.

The Pusher pushes only blessed models, so the newest complete version in its
destination is, by construction, the latest blessed model. Finding it there
is a plain container task; TFX's Resolver with LatestBlessedModelStrategy
queries ML Metadata instead, which KFP's backend compiler rejects ("resolver
not implemented yet") and only Vertex AI runs.
"""

from __future__ import annotations

from tfx import types
from tfx.components.evaluator import component as evaluator_component
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.latest_blessed_model import executor


class LatestBlessedModelSpec(ComponentSpec):
    PARAMETERS = {
        executor.PUSH_DIRECTORY_KEY: ExecutionParameter(type=str),
    }
    INPUTS = {
        executor.CANDIDATE_KEY: ChannelParameter(type=standard_artifacts.Model),
    }
    OUTPUTS = {
        executor.BASELINE_KEY: ChannelParameter(type=standard_artifacts.Model),
    }


class LatestBlessedModel(base_component.BaseComponent):
    """The newest model pushed to `push_directory`, as a Model artifact.

    `candidate` is the model about to be judged: it orders the look-up after
    training and keys the cache, so a new candidate gets a fresh baseline.
    When nothing is pushed yet the artifact is empty and marked so; the
    Evaluator below then judges the candidate on its thresholds alone.
    """

    SPEC_CLASS = LatestBlessedModelSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, candidate: types.BaseChannel, push_directory: str):
        super().__init__(
            spec=LatestBlessedModelSpec(
                candidate=candidate,
                push_directory=push_directory,
                baseline=types.Channel(type=standard_artifacts.Model),
            )
        )


class Evaluator(evaluator_component.Evaluator):
    """TFX's Evaluator, which takes LatestBlessedModel's empty result as no
    baseline (as the Resolver's empty output was)."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.EvaluatorExecutor)
