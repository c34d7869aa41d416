"""The baseline finder and the Evaluator that reads its empty result."""

import os

import pytest
from tfx.components.evaluator import executor as tfx_evaluator
from tfx.types import standard_artifacts, standard_component_specs

from components.atomic_pusher.layout import versions_newest_first
from components.latest_blessed_model import executor
from tests.support.executors import handed_inputs, span_examples


def _version(serving, name, complete=True):
    folder = serving / name
    (folder / "variables").mkdir(parents=True)
    (folder / "variables" / "variables.index").write_bytes(b"index " + name.encode())
    if complete:
        (folder / "saved_model.pb").write_bytes(b"graph " + name.encode())
    return folder


def test_versions_are_numbered_folders_newest_first():
    listing = ["9", "10/", ".staging", "notes.txt", "100", "10"]
    assert versions_newest_first(listing) == ["100", "10", "9"]


def test_the_newest_complete_version_is_the_baseline(tmp_path):
    serving = tmp_path / "serving"
    _version(serving, "1700000000")
    _version(serving, "1800000000")
    _version(serving, "1900000000", complete=False)  # A copy still under way.
    _version(serving / ".staging", "2000000000")
    assert executor.newest_pushed_version(str(serving)) == "1800000000"
    assert executor.newest_pushed_version(str(tmp_path / "absent")) is None


def _find(push_directory, tmp_path):
    baseline = standard_artifacts.Model()
    baseline.uri = str(tmp_path / "baseline")
    executor.Executor().Do(
        {executor.CANDIDATE_KEY: [standard_artifacts.Model()]},
        {executor.BASELINE_KEY: [baseline]},
        {executor.PUSH_DIRECTORY_KEY: str(push_directory)},
    )
    return baseline


def test_the_baseline_is_a_copy_in_the_model_artifact_layout(tmp_path):
    serving = tmp_path / "serving"
    pushed = _version(serving, "1800000000")
    baseline = _find(serving, tmp_path)
    copy = tmp_path / "baseline" / "Format-Serving"
    assert (copy / "saved_model.pb").read_bytes() == (pushed / "saved_model.pb").read_bytes()
    assert (copy / "variables" / "variables.index").is_file()
    assert baseline.get_string_custom_property("pushed_version") == "1800000000"
    assert baseline.get_string_custom_property("pushed_destination") == str(pushed)
    assert not baseline.get_int_custom_property(executor.NO_MODEL_PUSHED)


def test_nothing_pushed_marks_the_baseline_empty(tmp_path):
    (tmp_path / "serving" / ".staging").mkdir(parents=True)
    baseline = _find(tmp_path / "serving", tmp_path)
    assert baseline.get_int_custom_property(executor.NO_MODEL_PUSHED) == 1
    assert sorted(p.name for p in (tmp_path / "baseline").iterdir()) == ["NO_MODEL_PUSHED"]


@pytest.fixture
def evaluated_inputs(monkeypatch):
    return handed_inputs(monkeypatch, tfx_evaluator.Executor)


def _evaluate(baseline, tmp_path, examples=None):
    inputs = {
        standard_component_specs.MODEL_KEY: [standard_artifacts.Model()],
        standard_component_specs.BASELINE_MODEL_KEY: [baseline],
        **({standard_component_specs.EXAMPLES_KEY: examples} if examples else {}),
    }
    context = executor.EvaluatorExecutor.Context(tmp_dir=str(tmp_path / "tmp"), unique_id="1")
    executor.EvaluatorExecutor(context).Do(inputs, {}, {})


def test_an_empty_baseline_is_no_baseline(evaluated_inputs, tmp_path):
    baseline = standard_artifacts.Model()
    baseline.set_int_custom_property(executor.NO_MODEL_PUSHED, 1)
    _evaluate(baseline, tmp_path)
    assert list(evaluated_inputs) == [standard_component_specs.MODEL_KEY]


def test_any_other_baseline_is_evaluated(evaluated_inputs, tmp_path):
    baseline = standard_artifacts.Model()  # e.g. one a user wires in themselves
    _evaluate(baseline, tmp_path)
    assert evaluated_inputs[standard_component_specs.BASELINE_MODEL_KEY] == [baseline]


def test_the_windows_eval_split_is_read_as_one_artifact(evaluated_inputs, tmp_path):
    from tfx.types import artifact_utils

    spans = span_examples(tmp_path, ["2014-04-01", "2014-07-01"])
    _evaluate(standard_artifacts.Model(), tmp_path, spans)
    [window] = evaluated_inputs[standard_component_specs.EXAMPLES_KEY]
    eval_folder = artifact_utils.get_split_uri([window], "eval")
    assert sorted(os.listdir(eval_folder)) == ["00000-data.gz", "00001-data.gz"]
