"""DriftSkewCheck component: span drift and serving skew, as ExampleAnomalies."""

from __future__ import annotations

from typing import Optional

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec

from components.drift_skew import executor


class DriftSkewCheckSpec(ComponentSpec):
    PARAMETERS = {}
    INPUTS = {
        executor.EXAMPLES_KEY: ChannelParameter(type=standard_artifacts.Examples),
        executor.SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema),
        executor.SERVING_EXAMPLES_KEY: ChannelParameter(
            type=standard_artifacts.Examples, optional=True
        ),
    }
    OUTPUTS = {
        executor.SPAN_STATISTICS_KEY: ChannelParameter(type=standard_artifacts.ExampleStatistics),
        executor.ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies),
    }


class DriftSkewCheck(base_beam_component.BaseBeamComponent):
    """Compares the newest span with the previous one, and training data with
    an optional serving sample, using the curated schema's comparators."""

    SPEC_CLASS = DriftSkewCheckSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(
        self,
        examples: types.BaseChannel,
        schema: types.BaseChannel,
        serving_examples: Optional[types.BaseChannel] = None,
    ):
        super().__init__(
            spec=DriftSkewCheckSpec(
                examples=examples,
                schema=schema,
                serving_examples=serving_examples,
                span_statistics=types.Channel(type=standard_artifacts.ExampleStatistics),
                anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
            )
        )
