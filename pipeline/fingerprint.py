"""A fingerprint of the code that runs inside components.

Transform and Trainer reference their functions by import path, and TFX
caches on execution properties, so without this a changed preprocessing_fn
or run_fn would silently reuse the cached outputs of the old code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

COMPONENTS_DIR = Path(__file__).resolve().parent.parent / "components"


def _is_test(path: Path) -> bool:
    return path.name.startswith("test_") or path.name.endswith("_test.py")


def source_fingerprint(package_dir: Path = COMPONENTS_DIR) -> str:
    """SHA-256 over the package's non-test Python sources and their paths."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if _is_test(path):
            continue
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
