"""AnomalyGate executor: turns ExampleValidator's findings into a failed run.

ExampleValidator only records anomalies (and blesses an empty split); this
executor reads its output and the statistics, and raises
`DataValidationError` naming every split, feature and anomaly, so nothing
downstream (Transform, Trainer, Pusher) runs on bad data.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping

from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx import types
from tfx.components.example_validator import executor as validator_executor
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

STATISTICS_KEY = "statistics"
ANOMALIES_KEY = "anomalies"
RESULT_KEY = "result"
RESULT_FILE = "gate.json"


class DataValidationError(RuntimeError):
    """The data broke the curated schema; the message lists every finding."""

    def __init__(self, findings: List[str]):
        self.findings = findings
        listing = "\n".join(f"  - {finding}" for finding in findings)
        super().__init__(
            f"data validation failed with {len(findings)} finding(s); "
            f"Transform, Trainer and Pusher did not run:\n{listing}")


def describe_anomalies(split: str, anomalies: anomalies_pb2.Anomalies) -> List[str]:
    """One line per anomaly: split, feature and TFDV's own description."""
    lines = []
    for feature, info in sorted(anomalies.anomaly_info.items()):
        for reason in info.reason or [info]:
            lines.append(f"split '{split}', feature '{feature}': "
                         f"{reason.short_description}: {reason.description}")
    if anomalies.HasField("dataset_anomaly_info"):
        for reason in anomalies.dataset_anomaly_info.reason:
            lines.append(f"split '{split}', whole dataset: "
                         f"{reason.short_description}: {reason.description}")
    return lines


def find_problems(examples_per_split: Mapping[str, int],
                  anomalies_per_split: Mapping[str, anomalies_pb2.Anomalies]
                  ) -> List[str]:
    """Every reason to stop: empty splits, unvalidated splits, anomalies."""
    problems = []
    for split, count in sorted(examples_per_split.items()):
        if count == 0:
            problems.append(f"split '{split}': no examples")
        if split not in anomalies_per_split:
            problems.append(f"split '{split}': not validated by ExampleValidator")
    for split, anomalies in sorted(anomalies_per_split.items()):
        problems.extend(describe_anomalies(split, anomalies))
    return problems


def _examples_per_split(statistics: types.Artifact) -> Dict[str, int]:
    from tfx.components.statistics_gen import stats_artifact_utils

    counts = {}
    for split in artifact_utils.decode_split_names(statistics.split_names):
        datasets = stats_artifact_utils.load_statistics(statistics, split).proto()
        counts[split] = sum(dataset.num_examples for dataset in datasets.datasets)
    return counts


def _anomalies_per_split(anomalies: types.Artifact) -> Dict[str, anomalies_pb2.Anomalies]:
    result = {}
    for split in artifact_utils.decode_split_names(anomalies.split_names):
        path = os.path.join(artifact_utils.get_split_uri([anomalies], split),
                            validator_executor.DEFAULT_FILE_NAME)
        result[split] = anomalies_pb2.Anomalies.FromString(
            io_utils.read_bytes_file(path))
    return result


class Executor(base_executor.BaseExecutor):
    """Raises DataValidationError unless every split is non-empty and clean."""

    def Do(self, input_dict: Dict[str, List[types.Artifact]],
           output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> None:
        statistics = artifact_utils.get_single_instance(input_dict[STATISTICS_KEY])
        anomalies = artifact_utils.get_single_instance(input_dict[ANOMALIES_KEY])
        examples_per_split = _examples_per_split(statistics)
        problems = find_problems(examples_per_split, _anomalies_per_split(anomalies))
        if problems:
            raise DataValidationError(problems)
        result = artifact_utils.get_single_instance(output_dict[RESULT_KEY])
        result.set_json_value_custom_property("examples_per_split",
                                              examples_per_split)
        io_utils.write_string_file(
            os.path.join(result.uri, RESULT_FILE),
            json.dumps({"passed": True, "examples_per_split": examples_per_split},
                       indent=2))
