"""Transform's and the Trainer's executors, reading every span of the window."""

from __future__ import annotations

from tfx.components.trainer import executor as trainer_executor
from tfx.components.transform import executor as transform_executor
from tfx.types import standard_component_specs

from components.spans.manifest import expand_inputs

EXAMPLES_KEY = standard_component_specs.EXAMPLES_KEY


class TransformExecutor(transform_executor.Executor):
    def Do(self, input_dict, output_dict, exec_properties) -> None:
        super().Do(expand_inputs(input_dict, EXAMPLES_KEY), output_dict, exec_properties)


class TrainerExecutor(trainer_executor.GenericExecutor):
    def Do(self, input_dict, output_dict, exec_properties) -> None:
        super().Do(expand_inputs(input_dict, EXAMPLES_KEY), output_dict, exec_properties)
