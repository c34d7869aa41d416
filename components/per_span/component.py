"""SpanStatisticsGen and SpanExampleValidator: TFX's components, per span."""

from __future__ import annotations

from tfx.components import ExampleValidator, SchemaGen, StatisticsGen
from tfx.dsl.components.base import executor_spec

from components.per_span import executor


class SpanStatisticsGen(StatisticsGen):
    """StatisticsGen over a list of per-span examples: one statistics
    artifact per span, tagged with it."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.StatisticsExecutor)


class SpanExampleValidator(ExampleValidator):
    """ExampleValidator over a list of per-span statistics: one anomalies
    artifact per span, tagged with it."""

    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.ValidatorExecutor)


class SpanSchemaGen(SchemaGen):
    """SchemaGen over a list of per-span statistics: one inferred schema per
    span, kept for review beside the curated one."""

    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.SchemaExecutor)
