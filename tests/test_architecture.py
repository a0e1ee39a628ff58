"""The import graph is the architecture: the domain knows no HTTP, and nothing imports app."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from app.config import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ("datasets", "publishers", "metadata", "feeds")
WEB = {"flask", "werkzeug", "datasette", "app", "jinja2", "starlette", "uvicorn", "a2wsgi"}
ALLOWED = {  # who may import whom among our own packages
    "datasets": {"datasets", "publishers", "metadata"},
    "publishers": {"publishers", "metadata"},
    "metadata": {"metadata"},
    "feeds": {"feeds", "metadata"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", DOMAIN + ("app",))
def test_each_package_is_imported_from_this_repository(package: str) -> None:
    module = importlib.import_module(package)
    assert Path(module.__file__).resolve().parent == ROOT / package


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_import_no_web_framework_and_respect_the_direction(package: str) -> None:
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        imported = _imports(path)
        bad = (imported & WEB) | ((imported & set(ALLOWED)) - ALLOWED[package])
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_every_setting_is_listed_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [s.env for s in SETTINGS if f"`{s.env}`" not in readme] == []


@pytest.mark.parametrize("package", DOMAIN + ("app",))
def test_modules_stay_under_400_lines(package: str) -> None:
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / package).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
