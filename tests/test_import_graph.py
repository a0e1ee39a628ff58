"""No import cycles between files anywhere in the project, and no module back through its package entry.

Every import counts, including those inside functions: a cycle hidden in a function body is still
a cycle, only one that waits until run time to bite.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "datasets", "publishers", "metadata", "feeds")


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Return every module of the packages by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Return module -> the project modules it imports (`from p import m` names module p.m if it is one)."""
    modules = module_files(root, packages)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(name, node, is_package)
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    targets.append(sub if sub in modules else source)
            for target in targets:
                # `import a.b.c` names module a.b.c; take the longest prefix that is ours
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_project_has_no_import_cycles() -> None:
    assert cycles(import_graph(ROOT, PACKAGES)) == []


def part_of(module: str) -> str:
    """Return the part a module belongs to: `app.<part>` inside the web app, else its top package."""
    names = module.split(".")
    return ".".join(names[:2]) if names[0] == "app" else names[0]


def test_the_parts_depend_on_each_other_without_circles() -> None:
    parts: dict[str, set[str]] = {}
    for name, targets in import_graph(ROOT, PACKAGES).items():
        parts.setdefault(part_of(name), set()).update(
            part_of(t) for t in targets if part_of(t) != part_of(name))
    assert cycles(parts) == []


def test_no_module_imports_its_own_package_entry() -> None:
    graph = import_graph(ROOT, PACKAGES)
    back = {name: name.rpartition(".")[0] for name, targets in graph.items()
            if "." in name and name.rpartition(".")[0] in targets
            and not (ROOT / name.replace(".", "/") / "__init__.py").exists()}
    assert back == {}


def test_the_graph_sees_imports_inside_functions_and_relative_ones(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "part").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("def f():\n    from pkg.part import views\n")
    (tmp_path / "pkg" / "part" / "__init__.py").write_text("from . import views\n")
    (tmp_path / "pkg" / "part" / "views.py").write_text("from .. import f\nimport pkg.part.shared\n")
    (tmp_path / "pkg" / "part" / "shared.py").write_text("")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph == {"pkg": {"pkg.part.views"}, "pkg.part": {"pkg.part.views"},
                     "pkg.part.views": {"pkg", "pkg.part.shared"}, "pkg.part.shared": set()}
    assert cycles(graph) == [["pkg", "pkg.part.views"]]
