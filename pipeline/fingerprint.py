"""A fingerprint of the code Transform and Trainer run.

They reference their functions by import path, and TFX caches on execution
properties, so without this a changed preprocessing_fn or run_fn would
silently reuse the cached outputs of the old code. Only that code counts:
the feature spec and the transform and trainer folders, which import nothing
else from `components/` (a test holds them to it), so editing, say, the
database URL parser keeps a trained model cached.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List, Optional

COMPONENTS_DIR = Path(__file__).resolve().parent.parent / "components"
# Relative to COMPONENTS_DIR: files, or folders taken whole.
FINGERPRINTED = ("features.py", "transform", "trainer")


def fingerprinted_files(components_dir: Optional[Path] = None) -> List[Path]:
    """The Python sources the fingerprint covers, in a stable order."""
    root = components_dir or COMPONENTS_DIR
    files = []
    for name in FINGERPRINTED:
        path = root / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def code_fingerprint(components_dir: Optional[Path] = None) -> str:
    """SHA-256 over the covered sources and their paths."""
    root = components_dir or COMPONENTS_DIR
    digest = hashlib.sha256()
    for path in fingerprinted_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
