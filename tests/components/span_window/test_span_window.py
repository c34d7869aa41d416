"""Transform reads the window as one artifact unless it keeps an analyzer cache."""

import pytest
from tfx.components.transform import executor as tfx_transform
from tfx.types import artifact_utils, standard_artifacts, standard_component_specs

from components.span_window import executor
from tests.support.executors import handed_inputs, span_examples

EXAMPLES = standard_component_specs.EXAMPLES_KEY


@pytest.fixture
def transformed_inputs(monkeypatch):
    return handed_inputs(monkeypatch, tfx_transform.Executor)


def _transform(tmp_path, outputs):
    context = executor.TransformExecutor.Context(tmp_dir=str(tmp_path / "tmp"), unique_id="1")
    spans = span_examples(tmp_path, ["2014-04-01", "2014-07-01"])
    executor.TransformExecutor(context).Do({EXAMPLES: spans}, outputs, {})


def test_without_a_cache_transform_reads_the_window_as_one_artifact(transformed_inputs, tmp_path):
    _transform(tmp_path, {})
    [window] = transformed_inputs[EXAMPLES]
    # Analyzed: train; transformed (by default): every split.
    assert artifact_utils.decode_split_names(window.split_names) == ["eval", "train"]


def test_with_a_cache_transform_reads_each_span(transformed_inputs, tmp_path):
    cache = standard_artifacts.TransformCache()
    _transform(tmp_path, {standard_component_specs.UPDATED_ANALYZER_CACHE_KEY: [cache]})
    assert [a.uri for a in transformed_inputs[EXAMPLES]] == [
        str(tmp_path / "2014-04-01"),
        str(tmp_path / "2014-07-01"),
    ]
