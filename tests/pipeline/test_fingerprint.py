"""The code fingerprint in Transform's and Trainer's cache keys: it covers
exactly the code they run, so other edits keep a trained model cached."""

import contextlib
import dataclasses
import shutil

import pytest

from pipeline import fingerprint
from pipeline.fingerprint import COMPONENTS_DIR, code_fingerprint, fingerprinted_files
from tests.support.imports import imported_modules, project_modules
from tests.support.runs import latest_outputs


def _copy_of_components(tmp_path):
    copy = tmp_path / "components"
    shutil.copytree(COMPONENTS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _append_comment(path):
    path.write_text(path.read_text() + "# edited\n")


@pytest.mark.parametrize(
    ("edited", "changes"),
    [
        ("features.py", True),
        ("transform/preprocessing.py", True),
        ("trainer/model.py", True),
        ("trainer/run_fn.py", True),
        ("database/connection.py", False),
        ("atomic_pusher/executor.py", False),
        ("rows/csv_records.py", False),
        ("anomaly_gate/executor.py", False),
    ],
)
def test_only_transform_and_trainer_code_changes_the_fingerprint(tmp_path, edited, changes):
    copy = _copy_of_components(tmp_path)
    before = code_fingerprint(copy)
    _append_comment(copy / edited)
    assert (code_fingerprint(copy) != before) == changes


def test_the_fingerprint_covers_the_functions_transform_and_trainer_run():
    from pipeline.pipeline import PREPROCESSING_FN, RUN_FN

    covered = {
        path.relative_to(COMPONENTS_DIR.parent).with_suffix("").as_posix().replace("/", ".")
        for path in fingerprinted_files()
    }
    for function in (PREPROCESSING_FN, RUN_FN):
        assert function.rpartition(".")[0] in covered, function
    assert len(code_fingerprint()) == 64


def test_fingerprinted_code_imports_no_other_components_code():
    """Else an edit there would change what Transform or Trainer do without
    changing their cache key."""
    modules = project_modules()
    covered = {name for name, path in modules.items() if path in set(fingerprinted_files())}
    for path in fingerprinted_files():
        for module in imported_modules(path, modules):
            if module.startswith("components."):
                assert module in covered, f"{path} imports {module}"


@pytest.mark.slow
def test_only_transform_and_trainer_edits_rerun_them(small_run, tmp_path, monkeypatch):
    """The real pipeline, on a copy of the shared run's outputs: an edit to
    the database URL module keeps Transform and Trainer cached; an edit to
    preprocessing_fn's module re-runs both."""
    from pipeline.runners import local

    config, _, _ = small_run
    shutil.copytree(config.output_dir, tmp_path / "out")
    config = dataclasses.replace(config, output_dir=str(tmp_path / "out"))
    copy = _copy_of_components(tmp_path)
    monkeypatch.setattr(fingerprint, "COMPONENTS_DIR", copy)

    def states_after_run():
        # A retrained model may miss the no-regression threshold; whether
        # the components ran is what this test is about.
        with contextlib.suppress(local.ModelNotBlessedError):
            local.run(config)
        components = latest_outputs(config)
        return {name: components[name]["state"] for name in ("Transform", "Trainer")}

    _append_comment(copy / "database" / "connection.py")
    assert states_after_run() == {"Transform": "CACHED", "Trainer": "CACHED"}
    _append_comment(copy / "transform" / "preprocessing.py")
    assert states_after_run() == {"Transform": "COMPLETE", "Trainer": "COMPLETE"}
