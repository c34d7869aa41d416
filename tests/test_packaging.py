"""The project as the Docker image installs it (a non-editable wheel) holds
every file of its packages, the report's CSS and JavaScript included."""

import shutil
import subprocess
import sys
import zipfile

from pipeline.config import REPO_ROOT

PACKAGES = ("components", "pipeline")


def _tracked_package_files():
    listed = subprocess.run(
        ["git", "ls-files", *PACKAGES], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return set(listed)


def test_the_wheel_holds_every_tracked_file_of_the_packages(tmp_path):
    source = tmp_path / "source"
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, source / package)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + [str(source), "-w", str(tmp_path / "dist")],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    assert _tracked_package_files() - packaged == set()
