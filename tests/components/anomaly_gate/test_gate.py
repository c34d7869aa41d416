"""AnomalyGate: pure checks on protos, and the executor on real artifact files."""

import os

import pytest
from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

from components.anomaly_gate import executor
from components.anomaly_gate.accepted import AcceptedAnomaly, parse_accepted
from components.anomaly_gate.executor import DataValidationError, apply_accepted, find_problems
from components.artifact_files import ANOMALIES_FILE, STATISTICS_FILE, split_dir
from components.spans.record import Span, tag


def _texts(findings):
    return [str(finding) for finding in findings]


def _anomalies(
    feature=None, short="Out-of-range values", description="Unexpectedly large value: 99."
):
    anomalies = anomalies_pb2.Anomalies()
    if feature:
        info = anomalies.anomaly_info[feature]
        info.severity = anomalies_pb2.AnomalyInfo.ERROR
        reason = info.reason.add()
        reason.type = anomalies_pb2.AnomalyInfo.INT_TYPE_BIG_INT
        reason.short_description = short
        reason.description = description
    return anomalies


def test_clean_non_empty_splits_pass():
    assert (
        find_problems({"train": 10, "eval": 3}, {"train": _anomalies(), "eval": _anomalies()}) == []
    )


def test_each_anomaly_names_split_feature_and_reason():
    problems = find_problems(
        {"train": 10, "eval": 3},
        {"train": _anomalies("pickup_community_area"), "eval": _anomalies()},
    )
    assert _texts(problems) == [
        "split 'train', feature 'pickup_community_area': Out-of-range values: "
        "Unexpectedly large value: 99. [pickup_community_area:INT_TYPE_BIG_INT]"
    ]


def test_empty_split_fails_even_without_anomalies():
    # ExampleValidator blesses an empty split; the gate must not.
    problems = find_problems(
        {"train": 10, "eval": 0}, {"train": _anomalies(), "eval": _anomalies()}
    )
    assert _texts(problems) == ["split 'eval': no examples"]


def test_split_missing_from_validation_fails():
    problems = find_problems({"train": 10, "eval": 3}, {"train": _anomalies()})
    assert _texts(problems) == ["split 'eval': not validated by ExampleValidator"]


def test_dataset_level_anomaly_is_reported():
    anomalies = anomalies_pb2.Anomalies()
    reason = anomalies.dataset_anomaly_info.reason.add()
    reason.type = anomalies_pb2.AnomalyInfo.COMPARATOR_LOW_NUM_EXAMPLES
    reason.short_description = "Low num examples"
    reason.description = "Fewer examples than expected."
    assert _texts(find_problems({"train": 1}, {"train": anomalies})) == [
        "split 'train', whole dataset: Low num examples: Fewer examples than "
        "expected. [dataset:COMPARATOR_LOW_NUM_EXAMPLES]"
    ]


def _dataset(values_per_feature):
    dataset = statistics_pb2.DatasetFeatureStatistics(num_examples=10)
    for name, values in values_per_feature.items():
        feature = dataset.features.add()
        feature.path.step.append(name)
        feature.string_stats.common_stats.num_non_missing = 10
        feature.string_stats.common_stats.tot_num_values = values
    return dataset


def test_a_column_empty_in_every_row_is_found():
    dataset = _dataset({"company": 0, "payment_type": 10, "pickup_census_tract": 0})
    # Only the features asked about; one missing altogether is the schema's job.
    assert executor.valueless_features(dataset, ["company", "payment_type", "fare"]) == ["company"]
    problems = find_problems({"train": 10}, {"train": _anomalies()}, {"train": ["company"]})
    assert _texts(problems) == [
        "split 'train', feature 'company': no values: the column is empty in every "
        "row [company:FEATURE_TYPE_NO_VALUES]"
    ]


def test_accepted_anomaly_passes_and_is_reported():
    problems = find_problems({"train": 10}, {"train": _anomalies("fare")})
    left, taken = apply_accepted(problems, (parse_accepted("fare:int_type_big_int"),))
    assert left == []
    assert _texts(taken) == _texts(problems)


def test_acceptance_is_per_feature_and_type():
    problems = find_problems({"train": 10}, {"train": _anomalies("fare")})
    left, taken = apply_accepted(
        problems,
        (
            AcceptedAnomaly("fare", "COMPARATOR_L_INFTY_HIGH"),
            AcceptedAnomaly("tips", "INT_TYPE_BIG_INT"),
        ),
    )
    assert taken == []
    assert _texts(left) == _texts(problems) + [
        "split '-': --accept-anomaly fare:COMPARATOR_L_INFTY_HIGH matched no finding; remove it",
        "split '-': --accept-anomaly tips:INT_TYPE_BIG_INT matched no finding; remove it",
    ]


def test_empty_split_cannot_be_accepted():
    problems = find_problems({"train": 0}, {"train": _anomalies()})
    assert [p.accepted_as() for p in problems] == [None]


@pytest.mark.parametrize(
    "text, message",
    [
        ("fare", "is not FEATURE:TYPE"),
        (":COMPARATOR_L_INFTY_HIGH", "is not FEATURE:TYPE"),
        ("fare:TOO_HIGH", "'TOO_HIGH' is not a TFDV anomaly type"),
    ],
)
def test_malformed_overrides_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_accepted(text)


def test_error_message_lists_every_finding():
    error = DataValidationError(
        find_problems({"train": 0}, {"train": _anomalies(), "eval": _anomalies("fare")})
    )
    assert "2 finding(s)" in str(error)
    assert "  - split 'train': no examples\n  - split 'eval', feature 'fare': " in str(error)
    assert "--accept-anomaly FEATURE:TYPE" in str(error)


SPAN = Span("2014-04-01", "fingerprint")


def _write_split_artifacts(tmp_path, examples_per_split, anomalies_per_split, span=SPAN):
    from tfx.types import artifact_utils, standard_artifacts
    from tfx.utils import io_utils

    statistics = standard_artifacts.ExampleStatistics()
    statistics.uri = str(tmp_path / "statistics" / span.name)
    tag(statistics, span)
    statistics.split_names = artifact_utils.encode_split_names(list(examples_per_split))
    for split, count in examples_per_split.items():
        stats = statistics_pb2.DatasetFeatureStatisticsList()
        stats.datasets.add(num_examples=count)
        io_utils.write_bytes_file(
            os.path.join(statistics.uri, split_dir(split), STATISTICS_FILE),
            stats.SerializeToString(),
        )
    anomalies_artifact = standard_artifacts.ExampleAnomalies()
    anomalies_artifact.uri = str(tmp_path / "anomalies" / span.name)
    tag(anomalies_artifact, span)
    anomalies_artifact.split_names = artifact_utils.encode_split_names(list(anomalies_per_split))
    for split, anomalies in anomalies_per_split.items():
        io_utils.write_bytes_file(
            os.path.join(anomalies_artifact.uri, split_dir(split), ANOMALIES_FILE),
            anomalies.SerializeToString(),
        )
    return statistics, anomalies_artifact


def _run_executor(tmp_path, examples_per_split, anomalies_per_split, accepted="[]", spans=(SPAN,)):
    from components.anomaly_gate.component import DataValidationResult

    written = [
        _write_split_artifacts(tmp_path, examples_per_split, anomalies_per_split, span)
        for span in spans
    ]
    result = DataValidationResult()
    result.uri = str(tmp_path / "result")
    os.makedirs(result.uri)
    executor.Executor().Do(
        {
            executor.STATISTICS_KEY: [statistics for statistics, _ in written],
            executor.ANOMALIES_KEY: [anomalies for _, anomalies in written],
        },
        {executor.RESULT_KEY: [result]},
        {executor.ACCEPTED_ANOMALIES_KEY: accepted},
    )
    return result


def test_executor_raises_on_anomalies_from_files(tmp_path):
    with pytest.raises(DataValidationError) as raised:
        _run_executor(
            tmp_path, {"train": 5, "eval": 2}, {"train": _anomalies(), "eval": _anomalies("fare")}
        )
    assert raised.value.findings == [
        "split '2014-04-01/eval', feature 'fare': Out-of-range values: "
        "Unexpectedly large value: 99. [fare:INT_TYPE_BIG_INT]"
    ]
    assert not (tmp_path / "result" / executor.RESULT_FILE).exists()


def test_executor_names_the_span_of_each_finding(tmp_path):
    later = Span("2014-07-01", "other")
    with pytest.raises(DataValidationError) as raised:
        _run_executor(
            tmp_path,
            {"train": 5, "eval": 0},
            {"train": _anomalies(), "eval": _anomalies()},
            spans=(SPAN, later),
        )
    assert raised.value.findings == [
        "split '2014-04-01/eval': no examples",
        "split '2014-07-01/eval': no examples",
    ]


def test_a_run_that_ingested_no_span_has_nothing_to_judge(tmp_path):
    import json

    _run_executor(tmp_path, {}, {}, spans=())
    written = json.loads((tmp_path / "result" / executor.RESULT_FILE).read_text())
    assert written["spans"] == [] and written["examples_per_split"] == {}


def test_executor_records_examples_per_split_when_clean(tmp_path):
    import json

    result = _run_executor(
        tmp_path, {"train": 5, "eval": 2}, {"train": _anomalies(), "eval": _anomalies()}
    )
    written = json.loads((tmp_path / "result" / executor.RESULT_FILE).read_text())
    per_split = {"2014-04-01/train": 5, "2014-04-01/eval": 2}
    assert written == {
        "passed": True,
        "spans": ["2014-04-01"],
        "examples_per_split": per_split,
        "checks": {},
        "accepted_anomalies": [],
    }
    assert result.get_json_value_custom_property("examples_per_split") == per_split


def test_executor_records_what_was_accepted(tmp_path):
    import json

    result = _run_executor(
        tmp_path,
        {"train": 5, "eval": 2},
        {"train": _anomalies(), "eval": _anomalies("fare")},
        accepted='["fare:INT_TYPE_BIG_INT"]',
    )
    accepted = [
        "split '2014-04-01/eval', feature 'fare': Out-of-range values: Unexpectedly "
        "large value: 99. [fare:INT_TYPE_BIG_INT]"
    ]
    written = json.loads((tmp_path / "result" / executor.RESULT_FILE).read_text())
    assert written["accepted_anomalies"] == accepted
    assert result.get_json_value_custom_property("accepted_anomalies") == accepted
