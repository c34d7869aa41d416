"""Structural input problems stop a run before TFX, naming file and line."""

import shutil
import subprocess
import sys

import pytest

from pipeline import cli, datasets
from pipeline.config import REPO_ROOT
from pipeline.preflight import InputError, check_input

QUARTERS = ("2014-04-01", "2014-07-01")


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / "trips"
    for quarter in QUARTERS:
        shutil.copytree(REPO_ROOT / "data" / "trips" / quarter, root / quarter)
    return root


def _file(root, quarter=QUARTERS[0]):
    return root / quarter / datasets.QUARTER_FILE


def _problems(root):
    with pytest.raises(InputError) as raised:
        check_input(root, datasets.ALL_QUARTERS_PATTERN)
    return raised.value.problems


def _replace_line(path, number, transform):
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = transform(lines[number - 1])
    path.write_bytes(b"\n".join(lines))


def test_bundled_data_passes(data_root):
    assert len(check_input(REPO_ROOT / "data" / "trips", datasets.ALL_QUARTERS_PATTERN)) == 16


def test_empty_file(data_root):
    _file(data_root).write_bytes(b"")
    assert _problems(data_root) == [f"{_file(data_root)}: empty file (no header)"]


def test_header_only_file(data_root):
    header = _file(data_root).read_text().splitlines()[0]
    _file(data_root).write_text(header + "\n")
    assert _problems(data_root) == [f"{_file(data_root)}: header only, no rows"]


def test_wrong_column_count_names_the_line(data_root):
    _replace_line(_file(data_root), 5, lambda line: line + b",extra")
    assert _problems(data_root) == [f"{_file(data_root)}:5: 19 fields, expected 18"]


def test_unbalanced_quote_names_where_it_starts(data_root):
    _replace_line(_file(data_root), 7, lambda line: b'"' + line)
    [problem] = _problems(data_root)
    assert problem.startswith(f"{_file(data_root)}:7: unbalanced quote")


def test_non_utf8_bytes_name_the_line(data_root):
    _replace_line(_file(data_root), 9, lambda line: line + b"\xff")
    assert _problems(data_root) == [f"{_file(data_root)}:9: not UTF-8 (byte 0xff)"]


def test_byte_order_mark(data_root):
    _file(data_root).write_bytes(b"\xef\xbb\xbf" + _file(data_root).read_bytes())
    assert _problems(data_root) == [
        f"{_file(data_root)}:1: starts with a UTF-8 byte-order mark; save it without one"]


def test_header_differing_between_files_names_the_columns(data_root):
    second = _file(data_root, QUARTERS[1])
    _replace_line(second, 1, lambda line: line.replace(b",tips", b",tip_amount"))
    assert _problems(data_root) == [
        f"{second}:1: header differs from the other files'; missing ['tips']; "
        f"new ['tip_amount']"]


def test_every_problem_is_listed_at_once(data_root):
    _file(data_root).write_bytes(b"")
    _replace_line(_file(data_root, QUARTERS[1]), 3, lambda line: line + b",x")
    assert len(_problems(data_root)) == 2


def test_cli_stops_before_tfx_with_exit_3(data_root, tmp_path):
    _replace_line(_file(data_root), 5, lambda line: line + b",extra")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--data-root", str(data_root),
         "--output-dir", str(tmp_path / "out")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == cli.EXIT_DATA_INVALID
    assert f"{_file(data_root)}:5: 19 fields, expected 18" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
