"""Reliability fixtures: an instance whose dataset `budget` has one release, and demo files."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from app.state import Portal, open_portal
from datasets.catalog import create_dataset
from datasets.publish import Upload, publish
from publishers.registry import add_publisher

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo"
Q1 = DEMO / "budget-2026-q1.csv"
H1 = DEMO / "budget-2026-h1.csv"


def open_instance(root: Path) -> Portal:
    """Open (as a restarted process would) the instance at root."""
    return open_portal({"INSTANCE": str(root), "DATABASE_URL": None})


def make_budget_instance(root: Path, *, datasets: tuple[str, ...] = ("budget",)) -> Portal:
    """Create an instance where each named budget dataset has release 1 (Q1 2026)."""
    portal = open_instance(root)
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    for slug in datasets:
        create_dataset(portal.engine, slug, publisher="levski", title_bg=f"Бюджет {slug}",
                       title_en=f"Budget {slug}", profile="budget")
        publish(portal.instance, portal.engine, Upload(Q1, "q1.csv"), dataset=slug)
    return portal


@pytest.fixture
def budget_portal(tmp_path: Path) -> Iterator[Portal]:
    """A fresh instance whose dataset `budget` has release 1."""
    portal = make_budget_instance(tmp_path / "instance")
    yield portal
    portal.engine.dispose()
