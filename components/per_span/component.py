"""SpanStatisticsGen, SpanSchemaGen and SpanExampleValidator: TFX's
components, once per span artifact.

Their per-span input is optional: a run that ingested no span runs them on
nothing (they publish nothing), where TFX would skip them with an input
resolution error and run them again on every later unchanged run.
"""

from __future__ import annotations

import json

from tfx import types
from tfx.dsl.components.base import base_beam_component, base_component, executor_spec
from tfx.types import standard_artifacts, standard_component_specs
from tfx.types.component_spec import ChannelParameter

from components.per_span import executor


def _optional(channels, key):
    """`channels` with `key` optional."""
    return {**channels, key: ChannelParameter(type=channels[key].type, optional=True)}


class SpanStatisticsGenSpec(standard_component_specs.StatisticsGenSpec):
    INPUTS = _optional(standard_component_specs.StatisticsGenSpec.INPUTS, "examples")


class SpanSchemaGenSpec(standard_component_specs.SchemaGenSpec):
    INPUTS = _optional(standard_component_specs.SchemaGenSpec.INPUTS, "statistics")


class SpanExampleValidatorSpec(standard_component_specs.ExampleValidatorSpec):
    INPUTS = _optional(standard_component_specs.ExampleValidatorSpec.INPUTS, "statistics")


class SpanStatisticsGen(base_beam_component.BaseBeamComponent):
    """StatisticsGen over a list of per-span examples: one statistics
    artifact per span, tagged with it."""

    SPEC_CLASS = SpanStatisticsGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.StatisticsExecutor)

    def __init__(self, examples: types.BaseChannel):
        super().__init__(
            spec=SpanStatisticsGenSpec(
                examples=examples,
                exclude_splits=json.dumps([]),
                statistics=types.Channel(type=standard_artifacts.ExampleStatistics),
            )
        )


class SpanSchemaGen(base_component.BaseComponent):
    """SchemaGen over a list of per-span statistics: one inferred schema per
    span, kept for review beside the curated one."""

    SPEC_CLASS = SpanSchemaGenSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.SchemaExecutor)

    def __init__(self, statistics: types.BaseChannel):
        super().__init__(
            spec=SpanSchemaGenSpec(
                statistics=statistics,
                infer_feature_shape=1,
                exclude_splits=json.dumps([]),
                schema=types.Channel(type=standard_artifacts.Schema),
            )
        )


class SpanExampleValidator(base_component.BaseComponent):
    """ExampleValidator over a list of per-span statistics: one anomalies
    artifact per span, tagged with it."""

    SPEC_CLASS = SpanExampleValidatorSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.ValidatorExecutor)

    def __init__(self, statistics: types.BaseChannel, schema: types.BaseChannel):
        super().__init__(
            spec=SpanExampleValidatorSpec(
                statistics=statistics,
                schema=schema,
                exclude_splits=json.dumps([]),
                anomalies=types.Channel(type=standard_artifacts.ExampleAnomalies),
            )
        )
