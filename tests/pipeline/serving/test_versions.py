"""Which version of a serving dir is served, with a stand-in loader."""

from pathlib import Path

import pytest

from pipeline.scoring.model import ModelLoadError, version_folders
from pipeline.serving.versions import ServedVersions


class StandInModel:
    def __init__(self, path: Path):
        if (path / "saved_model.pb").read_text() == "broken":
            raise ModelLoadError(f"{path}: cannot load")
        self.version = path.name

    def warm_up(self) -> int:
        return 0


def _push(serving_dir: Path, version: str, content: str = "model") -> None:
    (serving_dir / version).mkdir(parents=True)
    (serving_dir / version / "saved_model.pb").write_text(content)


@pytest.fixture()
def serving_dir(tmp_path):
    return tmp_path / "taxi"


def _served(versions: ServedVersions):
    return versions.current.version if versions.current else None


def test_the_newest_complete_version_serves(serving_dir):
    versions = ServedVersions(serving_dir, load=StandInModel)
    assert not versions.refresh() and _served(versions) is None
    for version in ("3", "20"):
        _push(serving_dir, version)
    (serving_dir / "100").mkdir()  # Being copied: no saved_model.pb yet.
    (serving_dir / ".staging" / "200").mkdir(parents=True)
    assert [p.name for p in version_folders(serving_dir)] == ["20", "3"]
    assert versions.refresh() and _served(versions) == "20"
    assert not versions.refresh()
    (serving_dir / "100" / "saved_model.pb").write_text("model")
    assert versions.refresh() and _served(versions) == "100"


def test_a_version_that_fails_to_load_is_reported_and_skipped(serving_dir):
    _push(serving_dir, "1")
    versions = ServedVersions(serving_dir, load=StandInModel)
    versions.refresh()
    _push(serving_dir, "2", content="broken")
    assert not versions.refresh() and _served(versions) == "1"
    assert versions.status() == [
        {
            "version": "2",
            "state": "END",
            "status": {"error_code": "UNKNOWN", "error_message": f"{serving_dir}/2: cannot load"},
        },
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}},
    ]
    _push(serving_dir, "3")
    assert versions.refresh() and _served(versions) == "3"


def test_without_a_good_version_the_newest_loadable_older_one_serves(serving_dir):
    _push(serving_dir, "1")
    _push(serving_dir, "2", content="broken")
    versions = ServedVersions(serving_dir, load=StandInModel)
    assert versions.refresh() and _served(versions) == "1"


def test_removing_the_served_version_falls_back_to_the_newest_left(serving_dir):
    for version in ("1", "2"):
        _push(serving_dir, version)
    versions = ServedVersions(serving_dir, load=StandInModel)
    versions.refresh()
    (serving_dir / "2" / "saved_model.pb").unlink()
    (serving_dir / "2").rmdir()
    assert versions.refresh() and _served(versions) == "1"


def test_polling_picks_up_a_push(serving_dir):
    import time

    _push(serving_dir, "1")
    versions = ServedVersions(serving_dir, poll_seconds=0.01, load=StandInModel)
    versions.refresh()
    versions.start()
    try:
        _push(serving_dir, "2")
        deadline = time.monotonic() + 10
        while _served(versions) != "2":
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        versions.stop()
