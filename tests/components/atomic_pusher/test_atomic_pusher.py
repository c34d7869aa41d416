"""The atomic Pusher: a version appears complete or not at all."""

import json
import os

from tfx.types import standard_artifacts

from components.atomic_pusher import executor
from components.atomic_pusher.layout import STAGING_DIR


def _artifacts(tmp_path, blessed=True):
    model = standard_artifacts.Model()
    model.uri = str(tmp_path / "model")
    serving_model = tmp_path / "model" / "Format-Serving"
    (serving_model / "variables").mkdir(parents=True)
    (serving_model / "variables" / "variables.data-00000-of-00001").write_bytes(b"w" * 1000)
    (serving_model / "saved_model.pb").write_bytes(b"graph")
    blessing = standard_artifacts.ModelBlessing()
    blessing.uri = str(tmp_path / "blessing")
    os.makedirs(blessing.uri)
    blessing.set_int_custom_property("blessed", int(blessed))
    pushed = standard_artifacts.PushedModel()
    pushed.uri = str(tmp_path / "pushed")
    os.makedirs(pushed.uri)
    return model, blessing, pushed


def _push(tmp_path, serving, blessed=True):
    model, blessing, pushed = _artifacts(tmp_path, blessed)
    destination = {"filesystem": {"base_directory": str(serving)}}
    executor.Executor().Do(
        {"model": [model], "model_blessing": [blessing]},
        {"pushed_model": [pushed]},
        {"push_destination": json.dumps(destination)},
    )
    return pushed


def test_push_lands_complete_under_the_base_directory(tmp_path):
    serving = tmp_path / "serving"
    pushed = _push(tmp_path, serving)
    version = pushed.get_string_custom_property("pushed_version")
    assert pushed.get_string_custom_property("pushed_destination") == str(serving / version)
    assert (serving / version / "saved_model.pb").read_bytes() == b"graph"
    assert (
        serving / version / "variables" / "variables.data-00000-of-00001"
    ).stat().st_size == 1000
    assert sorted(os.listdir(serving)) == [STAGING_DIR, version]
    assert os.listdir(serving / STAGING_DIR) == []


def test_nothing_appears_in_the_serving_dir_while_copying(tmp_path, monkeypatch):
    from tfx.utils import io_utils

    serving = tmp_path / "serving"
    seen = []
    real_copy_dir = io_utils.copy_dir

    def versions():
        return [p for p in os.listdir(serving) if p != STAGING_DIR] if serving.exists() else []

    def watching_copy_dir(source, destination, *args, **kwargs):
        seen.append(versions())
        real_copy_dir(source, destination, *args, **kwargs)
        seen.append(versions())

    monkeypatch.setattr(io_utils, "copy_dir", watching_copy_dir)
    _push(tmp_path, serving)
    assert seen and all(listing == [] for listing in seen)


def test_unblessed_model_is_not_pushed(tmp_path):
    serving = tmp_path / "serving"
    pushed = _push(tmp_path, serving, blessed=False)
    assert pushed.get_int_custom_property("pushed") == 0
    assert not serving.exists() or os.listdir(serving) in ([], [STAGING_DIR])


def test_leftovers_of_a_killed_push_are_cleared(tmp_path):
    serving = tmp_path / "serving"
    (serving / STAGING_DIR / "1700000000" / "variables").mkdir(parents=True)
    pushed = _push(tmp_path, serving)
    assert os.listdir(serving / STAGING_DIR) == []
    assert pushed.get_int_custom_property("pushed") == 1
