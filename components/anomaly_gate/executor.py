"""AnomalyGate executor: turns validation findings into a failed run.

ExampleValidator only records anomalies (and blesses an empty split); this
executor reads its output, DriftSkewCheck's, and the statistics, one artifact
of each per span ingested in this run, and raises
`DataValidationError` naming every span and split, feature and anomaly, so nothing
downstream (Transform, Trainer, Pusher) runs on bad data. Anomalies a person
accepted (`accepted_anomalies`, recorded with the execution in ML Metadata)
pass, and are listed in the result.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2
from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components import features
from components.anomaly_gate.accepted import DATASET, AcceptedAnomaly, from_json
from components.artifact_files import ANOMALIES_FILE
from components.drift_skew.outputs import RESTATEMENT_CHECK, SERVING_SKEW_CHECK, SPAN_DRIFT_CHECK
from components.spans.ingested import PASSED_PROPERTY
from components.spans.manifest import expand_inputs
from components.spans.record import span_of, to_json

STATISTICS_KEY = "statistics"
ANOMALIES_KEY = "anomalies"
DRIFT_ANOMALIES_KEY = "drift_anomalies"
ACCEPTED_ANOMALIES_KEY = "accepted_anomalies"
RESULT_KEY = "result"
RESULT_FILE = "gate.json"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One reason to stop. Anomalies carry feature and type, so a person who
    reviewed one can accept it as FEATURE:TYPE; empty or unvalidated splits
    cannot be accepted."""

    split: str
    text: str
    feature: str = ""
    anomaly: str = ""

    def accepted_as(self) -> Optional[AcceptedAnomaly]:
        return AcceptedAnomaly(self.feature, self.anomaly) if self.anomaly else None

    def __str__(self) -> str:
        where = f"split '{self.split}'"
        if self.feature == DATASET:
            where += ", whole dataset"
        elif self.feature:
            where += f", feature '{self.feature}'"
        accept = f" [{self.accepted_as()}]" if self.anomaly else ""
        return f"{where}: {self.text}{accept}"


class DataValidationError(RuntimeError):
    """The data broke the curated schema or drifted; the message lists every finding."""

    def __init__(self, findings: List[Finding]):
        self.findings = [str(finding) for finding in findings]
        listing = "\n".join(f"  - {finding}" for finding in self.findings)
        hint = (
            "\nAfter reviewing an anomaly, re-run with --accept-anomaly "
            "FEATURE:TYPE as shown in brackets to let it pass; the override "
            "is recorded in ML Metadata."
            if any(finding.anomaly for finding in findings)
            else ""
        )
        super().__init__(
            f"data validation failed with {len(findings)} finding(s); "
            f"Transform, Trainer and Pusher did not run:\n{listing}{hint}"
        )


def describe_anomalies(split: str, anomalies: anomalies_pb2.Anomalies) -> List[Finding]:
    """One finding per anomaly: split, feature, type and TFDV's description."""

    def finding(feature, reason):
        return Finding(
            split,
            f"{reason.short_description}: {reason.description}",
            feature,
            anomalies_pb2.AnomalyInfo.Type.Name(reason.type),
        )

    found = [
        finding(feature, reason)
        for feature, info in sorted(anomalies.anomaly_info.items())
        for reason in info.reason or [info]
    ]
    if anomalies.HasField("dataset_anomaly_info"):
        found += [finding(DATASET, reason) for reason in anomalies.dataset_anomaly_info.reason]
    return found


def valueless_features(
    dataset: statistics_pb2.DatasetFeatureStatistics, names: Iterable[str]
) -> List[str]:
    """Of `names`, the features present in the statistics without a single
    value. The schema lets a cell be empty, so it cannot see a column that
    is empty in every row (a column missing altogether it does see)."""
    values = {}
    for feature in dataset.features:
        kind = feature.WhichOneof("stats")
        if kind in ("num_stats", "string_stats", "bytes_stats"):
            values[feature.path.step[0] if feature.path.step else feature.name] = getattr(
                feature, kind
            ).common_stats.tot_num_values
    return [name for name in names if values.get(name, 1) == 0]


def find_problems(
    examples_per_split: Mapping[str, int],
    anomalies_per_split: Mapping[str, anomalies_pb2.Anomalies],
    valueless_per_split: Mapping[str, List[str]] = {},
) -> List[Finding]:
    """Every reason to stop: empty splits, unvalidated splits, features
    without values, anomalies.

    `anomalies_per_split` may hold more splits than the examples (the
    drift and skew checks); each of those is reported the same way.
    """
    problems = []
    for split, count in sorted(examples_per_split.items()):
        if count == 0:
            problems.append(Finding(split, "no examples"))
        if split not in anomalies_per_split:
            problems.append(Finding(split, "not validated by ExampleValidator"))
        problems += [
            Finding(
                split,
                "no values: the column is empty in every row",
                feature,
                "FEATURE_TYPE_NO_VALUES",
            )
            for feature in valueless_per_split.get(split, [])
        ]
    for split, anomalies in sorted(anomalies_per_split.items()):
        problems.extend(describe_anomalies(split, anomalies))
    return problems


def apply_accepted(
    problems: List[Finding], accepted: Tuple[AcceptedAnomaly, ...]
) -> Tuple[List[Finding], List[Finding]]:
    """(problems left, findings accepted). An override that matches nothing
    is itself a problem: it is stale or mistyped, and would otherwise wait
    to wave through a future anomaly nobody reviewed."""
    left = [p for p in problems if p.accepted_as() not in accepted]
    taken = [p for p in problems if p.accepted_as() in accepted]
    matched = {p.accepted_as() for p in taken}
    left += [
        Finding("-", f"--accept-anomaly {a} matched no finding; remove it")
        for a in accepted
        if a not in matched
    ]
    return left, taken


def _statistics_per_split(
    statistics: types.Artifact,
) -> Dict[str, statistics_pb2.DatasetFeatureStatistics]:
    from tfx.components.statistics_gen import stats_artifact_utils

    return {
        split: stats_artifact_utils.load_statistics(statistics, split).proto().datasets[0]
        for split in artifact_utils.decode_split_names(statistics.split_names)
    }


def _anomalies_per_split(anomalies: types.Artifact) -> Dict[str, anomalies_pb2.Anomalies]:
    result = {}
    for split in artifact_utils.decode_split_names(anomalies.split_names):
        path = os.path.join(artifact_utils.get_split_uri([anomalies], split), ANOMALIES_FILE)
        result[split] = anomalies_pb2.Anomalies.FromString(io_utils.read_bytes_file(path))
    return result


def _by_span(artifacts: List[types.Artifact]) -> Dict[str, types.Artifact]:
    return {span_of(artifact).name: artifact for artifact in artifacts}


def _labelled(span: str, per_split: Mapping[str, Any]) -> Dict[str, Any]:
    """Keys 'SPAN/SPLIT', so a finding names the span it is about."""
    return {f"{span}/{split}": value for split, value in per_split.items()}


class Executor(base_executor.BaseExecutor):
    """Raises DataValidationError unless every split of every span ingested
    in this run is non-empty and clean, up to the anomalies accepted by a
    person. A run that ingested no span has nothing to judge."""

    def Do(
        self,
        input_dict: Dict[str, List[types.Artifact]],
        output_dict: Dict[str, List[types.Artifact]],
        exec_properties: Dict[str, Any],
    ) -> None:
        input_dict = expand_inputs(input_dict, STATISTICS_KEY, ANOMALIES_KEY, DRIFT_ANOMALIES_KEY)
        statistics = _by_span(input_dict.get(STATISTICS_KEY) or [])
        schema_anomalies = _by_span(input_dict.get(ANOMALIES_KEY) or [])
        drift_anomalies = _by_span(input_dict.get(DRIFT_ANOMALIES_KEY) or [])
        anomalies, datasets, checks = {}, {}, {}
        for span in sorted(statistics):
            if span in schema_anomalies:
                anomalies.update(_labelled(span, _anomalies_per_split(schema_anomalies[span])))
            if span in drift_anomalies:
                drift = drift_anomalies[span]
                anomalies.update(_labelled(span, _anomalies_per_split(drift)))
                checks[span] = {
                    name: drift.get_string_custom_property(name)
                    for name in (SPAN_DRIFT_CHECK, RESTATEMENT_CHECK, SERVING_SKEW_CHECK)
                    if drift.has_custom_property(name)
                }
            datasets.update(_labelled(span, _statistics_per_split(statistics[span])))
        examples_per_split = {split: int(d.num_examples) for split, d in datasets.items()}
        must_have_values = [f.name for f in features.RAW_FEATURES if f.must_have_values]
        valueless = {
            split: valueless_features(d, must_have_values) for split, d in datasets.items()
        }
        accepted = from_json(exec_properties.get(ACCEPTED_ANOMALIES_KEY))
        problems, taken = apply_accepted(
            find_problems(examples_per_split, anomalies, valueless), accepted
        )
        if problems:
            raise DataValidationError(problems)
        summary = {
            "passed": True,
            "spans": sorted(statistics),
            "examples_per_split": examples_per_split,
            "checks": checks,
            "accepted_anomalies": [str(finding) for finding in taken],
        }
        result = artifact_utils.get_single_instance(output_dict[RESULT_KEY])
        # What the drivers and resolvers read: these spans may be trained on.
        result.set_string_custom_property(
            PASSED_PROPERTY, to_json(span_of(artifact) for artifact in statistics.values())
        )
        for name in ("spans", "examples_per_split", "checks", "accepted_anomalies"):
            result.set_json_value_custom_property(name, summary[name])
        io_utils.write_string_file(
            os.path.join(result.uri, RESULT_FILE), json.dumps(summary, indent=2)
        )
