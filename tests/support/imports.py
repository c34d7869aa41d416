"""The project's modules and what each imports, read from the source (nothing
is imported), for the tests of the code's shape."""

import ast
from pathlib import Path
from typing import Dict, Set

from pipeline.config import REPO_ROOT

PACKAGES = ("components", "pipeline", "bench")


def project_modules() -> Dict[str, Path]:
    """Module name -> source path, for every module of the project's packages."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imported_modules(path: Path, modules: Dict[str, Path]) -> Set[str]:
    """Project modules `path` imports anywhere in it, at its top or inside a
    function: `from X import a` imports X, and X.a when that is a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in modules}
