"""The shape of the code: folders say what they hold, dependencies point one
way, and no module needs a function-level import to dodge a cycle."""

import ast

import pytest

from pipeline.config import REPO_ROOT
from tests.support.imports import PACKAGES, imported_modules, project_modules


def _graph():
    modules = project_modules()
    return {name: imported_modules(path, modules) - {name} for name, path in modules.items()}


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
