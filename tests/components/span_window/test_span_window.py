"""Transform reads the window as one artifact unless it keeps an analyzer cache."""

import pytest
from tfx.components.transform import executor as tfx_transform
from tfx.types import artifact_utils, standard_artifacts, standard_component_specs

from components.span_window import executor

EXAMPLES = standard_component_specs.EXAMPLES_KEY


@pytest.fixture
def transformed_inputs(monkeypatch):
    """What TFX's Transform is handed by ours."""
    seen = {}
    monkeypatch.setattr(
        tfx_transform.Executor, "Do", lambda self, inputs, outputs, properties: seen.update(inputs)
    )
    return seen


def _spans(tmp_path):
    spans = []
    for name in ("2014-04-01", "2014-07-01"):
        span = standard_artifacts.Examples()
        span.uri = str(tmp_path / name)
        span.split_names = artifact_utils.encode_split_names(["train", "eval"])
        for split in ("train", "eval"):
            (tmp_path / name / f"Split-{split}").mkdir(parents=True)
            (tmp_path / name / f"Split-{split}" / "data.gz").write_bytes(b"x")
        spans.append(span)
    return spans


def _transform(tmp_path, outputs):
    context = executor.TransformExecutor.Context(tmp_dir=str(tmp_path / "tmp"), unique_id="1")
    executor.TransformExecutor(context).Do({EXAMPLES: _spans(tmp_path)}, outputs, {})


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
