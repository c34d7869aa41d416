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
        # Per-span statistics of the spans this run ingested (may be none).
        executor.STATISTICS_KEY: ChannelParameter(
            type=standard_artifacts.ExampleStatistics, optional=True
        ),
        # Every per-span statistics artifact published before (local runs).
        executor.HISTORY_KEY: ChannelParameter(
            type=standard_artifacts.ExampleStatistics, optional=True
        ),
        executor.SCHEMA_KEY: ChannelParameter(type=standard_artifacts.Schema),
        executor.SERVING_EXAMPLES_KEY: ChannelParameter(
            type=standard_artifacts.Examples, optional=True
        ),
    }
    OUTPUTS = {
        executor.ANOMALIES_KEY: ChannelParameter(type=standard_artifacts.ExampleAnomalies),
    }


class DriftSkewCheck(base_beam_component.BaseBeamComponent):
    """Compares each new span with the span before it and with the version
    it replaces, and the newest span with an optional serving sample, using
    the curated schema's comparators."""

    SPEC_CLASS = DriftSkewCheckSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(
        self,
        statistics: types.BaseChannel,
        schema: types.BaseChannel,
        history: Optional[types.BaseChannel] = None,
        serving_examples: Optional[types.BaseChannel] = None,
    ):
        super().__init__(
            spec=DriftSkewCheckSpec(
                statistics=statistics,
                history=history,
                schema=schema,
                serving_examples=serving_examples,
                anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
            )
        )
