"""StatisticsGen's and ExampleValidator's executors, once per span."""

from __future__ import annotations

from tfx.components.example_validator import executor as example_validator
from tfx.components.schema_gen import executor as schema_gen
from tfx.components.statistics_gen import executor as statistics_gen
from tfx.types import standard_component_specs

from components.spans.per_span import per_span


class StatisticsExecutor(per_span(statistics_gen.Executor, standard_component_specs.EXAMPLES_KEY)):
    """Statistics of each span's splits, one span after the other."""


class ValidatorExecutor(
    per_span(example_validator.Executor, standard_component_specs.STATISTICS_KEY)
):
    """Each span's statistics against the schema."""


class SchemaExecutor(per_span(schema_gen.Executor, standard_component_specs.STATISTICS_KEY)):
    """A schema inferred from each span's statistics, for review."""
