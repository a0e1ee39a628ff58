"""Fixtures for publishing tests: a fresh instance with a publisher and one dataset per profile."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.state import Portal, open_portal
from datasets.catalog import create_dataset
from publishers.registry import add_publisher

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
DEMO = ROOT / "demo"


@pytest.fixture
def fresh_portal(tmp_path: Path, catalog_url: str | None) -> Portal:
    """An empty, migrated instance in tmp_path with the publisher `levski` (catalog: see
    tests/postgres.py)."""
    portal = open_portal({"INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": catalog_url})
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    return portal


@pytest.fixture
def decisions(fresh_portal: Portal) -> str:
    create_dataset(fresh_portal.engine, "decisions", publisher="levski",
                   title_bg="Решения на общинския съвет", profile="decisions")
    return "decisions"


@pytest.fixture
def budget(fresh_portal: Portal) -> str:
    create_dataset(fresh_portal.engine, "budget", publisher="levski",
                   title_bg="Бюджет на община Левски", profile="budget")
    return "budget"
