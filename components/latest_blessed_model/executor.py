"""Executors: copy the newest pushed model; evaluate without an empty baseline."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

from absl import logging
from tfx import types
from tfx.components.evaluator import executor as evaluator_executor
from tfx.dsl.components.base import base_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils, path_utils

from components.atomic_pusher.layout import (
    PUSHED_DESTINATION,
    PUSHED_VERSION,
    SAVED_MODEL_FILE,
    versions_newest_first,
)
from components.spans.joined import joined_inputs
from components.spans.manifest import expand_inputs

PUSH_DIRECTORY_KEY = "push_directory"
CANDIDATE_KEY = "candidate"
BASELINE_KEY = "baseline"
# Set to 1 on the baseline artifact when the destination held no model; the
# artifact then holds a file of this name saying so, as TFX's blessings hold
# BLESSED or NOT_BLESSED.
NO_MODEL_PUSHED = "no_model_pushed"
NO_MODEL_PUSHED_FILE = "NO_MODEL_PUSHED"


def newest_pushed_version(push_directory: str) -> Optional[str]:
    """The newest complete version folder's name, or None."""
    if not fileio.isdir(push_directory):
        return None
    for version in versions_newest_first(fileio.listdir(push_directory)):
        if fileio.exists(os.path.join(push_directory, version, SAVED_MODEL_FILE)):
            return version
    return None


class Executor(base_executor.BaseExecutor):
    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        push_directory = exec_properties[PUSH_DIRECTORY_KEY]
        baseline = artifact_utils.get_single_instance(output_dict[BASELINE_KEY])
        version = newest_pushed_version(push_directory)
        if version is None:
            logging.info(
                "No model pushed to %s yet: the candidate is judged on its thresholds alone.",
                push_directory,
            )
            baseline.set_int_custom_property(NO_MODEL_PUSHED, 1)
            io_utils.write_string_file(
                os.path.join(baseline.uri, NO_MODEL_PUSHED_FILE),
                f"No model was pushed to {push_directory}.\n",
            )
            return
        source = os.path.join(push_directory, version)
        # A copy, so the baseline outlives a version pruned from serving and
        # is an artifact of this run, with lineage, like any model.
        io_utils.copy_dir(source, path_utils.serving_model_dir(baseline.uri))
        baseline.set_string_custom_property(PUSHED_VERSION, version)
        baseline.set_string_custom_property(PUSHED_DESTINATION, source)
        logging.info("Baseline: version %s from %s.", version, source)


class EvaluatorExecutor(evaluator_executor.Executor):
    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        key = standard_component_specs.BASELINE_MODEL_KEY
        baselines = input_dict.get(key, [])
        if len(baselines) == 1 and baselines[0].get_int_custom_property(NO_MODEL_PUSHED):
            # TFX's Evaluator then drops the change thresholds (rubber stamp).
            input_dict = {k: v for k, v in input_dict.items() if k != key}
        # Every span of the window (see components/spans/manifest.py), read
        # as one (components/spans/joined.py).
        key = standard_component_specs.EXAMPLES_KEY
        splits = json.loads(
            exec_properties.get(standard_component_specs.EXAMPLE_SPLITS_KEY) or "null"
        )
        input_dict = joined_inputs(
            expand_inputs(input_dict, key),
            key,
            splits or ["eval"],  # TFX's Evaluator's default
            os.path.join(self._get_tmp_dir(), "window"),
        )
        super().Do(input_dict, output_dict, exec_properties)
