"""Transform's and the Trainer's executors, reading every span of the window."""

from __future__ import annotations

import os

from tfx.components.trainer import executor as trainer_executor
from tfx.components.transform import executor as transform_executor
from tfx.components.transform import executor_utils
from tfx.types import standard_component_specs

from components.spans.joined import joined_inputs
from components.spans.manifest import expand_inputs

EXAMPLES_KEY = standard_component_specs.EXAMPLES_KEY


class TransformExecutor(transform_executor.Executor):
    def Do(self, input_dict, output_dict, exec_properties) -> None:
        input_dict = expand_inputs(input_dict, EXAMPLES_KEY)
        if not _keeps_analyzer_cache(input_dict, output_dict):
            # The cache is kept per span artifact; without it the window is
            # read as one (components/spans/joined.py).
            examples = input_dict[EXAMPLES_KEY]
            splits = executor_utils.ResolveSplitsConfig(
                exec_properties.get(standard_component_specs.SPLITS_CONFIG_KEY), examples
            )
            input_dict = joined_inputs(
                input_dict,
                EXAMPLES_KEY,
                sorted({*splits.analyze, *splits.transform}),
                os.path.join(self._get_tmp_dir(), "window"),
            )
        super().Do(input_dict, output_dict, exec_properties)


def _keeps_analyzer_cache(input_dict, output_dict) -> bool:
    """Whether Transform reads or writes an analyzer cache (its component
    drops the cache output when `disable_analyzer_cache` is set)."""
    return bool(
        input_dict.get(standard_component_specs.ANALYZER_CACHE_KEY)
        or output_dict.get(standard_component_specs.UPDATED_ANALYZER_CACHE_KEY)
    )


class TrainerExecutor(trainer_executor.GenericExecutor):
    def Do(self, input_dict, output_dict, exec_properties) -> None:
        super().Do(expand_inputs(input_dict, EXAMPLES_KEY), output_dict, exec_properties)
