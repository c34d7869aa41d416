"""The code fingerprint in Transform's and Trainer's cache keys."""

from pipeline.fingerprint import COMPONENTS_DIR, source_fingerprint


def _package(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "preprocessing.py").write_text("def preprocessing_fn(x):\n    return x\n")
    (tmp_path / "sub" / "model.py").write_text("UNITS = 8\n")
    (tmp_path / "test_model.py").write_text("def test(): pass\n")
    return tmp_path


def test_fingerprint_changes_when_component_code_changes(tmp_path):
    package = _package(tmp_path)
    before = source_fingerprint(package)
    (package / "sub" / "model.py").write_text("UNITS = 16\n")
    assert source_fingerprint(package) != before


def test_fingerprint_ignores_tests(tmp_path):
    package = _package(tmp_path)
    before = source_fingerprint(package)
    (package / "test_model.py").write_text("def test(): assert True\n")
    assert source_fingerprint(package) == before


def test_fingerprint_covers_the_components_package():
    assert (COMPONENTS_DIR / "preprocessing.py").is_file()
    assert len(source_fingerprint()) == 64
