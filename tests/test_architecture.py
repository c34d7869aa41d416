"""The shape of the code: folders say what they hold, dependencies point one
way, and no module needs a function-level import to dodge a cycle."""

import ast
from pathlib import Path

import pytest

from pipeline.config import REPO_ROOT

PACKAGES = ("components", "pipeline", "bench")


def _modules():
    """Module name -> source path, for every module of the project's packages."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def _imports(path: Path, modules) -> set:
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


def _graph():
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_even_through_function_level_imports():
    assert _cycles(_graph()) == []


def test_components_never_import_the_pipeline_or_the_bench():
    """Code that runs inside TFX components ships on its own."""
    for module, imported in _graph().items():
        if module.startswith("components"):
            assert not {m for m in imported if m.startswith(("pipeline", "bench"))}, module


def test_the_pipeline_never_imports_the_bench():
    for module, imported in _graph().items():
        if module.startswith("pipeline"):
            assert not {m for m in imported if m.startswith("bench")}, module


# Test folders below these mirror the tree they test.
_FOLDERS = sorted(
    [
        str(path.parent.relative_to(REPO_ROOT))
        for package in PACKAGES
        for path in (REPO_ROOT / package).rglob("__init__.py")
    ]
    + ["tests", "tests/support"]
)


@pytest.mark.parametrize("folder", _FOLDERS)
def test_every_folder_says_what_it_holds(folder):
    init = REPO_ROOT / folder / "__init__.py"
    docstring = ast.get_docstring(ast.parse(init.read_text()))
    assert docstring, f"{init} has no docstring"
