"""Fixtures for place-coded publishing: a fresh instance, real EKATTE files from the corpus copy."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.state import Portal, open_portal
from datasets.catalog import create_dataset
from publishers.registry import add_publisher

ROOT = Path(__file__).resolve().parents[2]
LEVSKI = ROOT / "demo" / "levski-settlements.csv"


def levski_rows() -> list[dict[str, str]]:
    """The 13 settlements of Levski (real NSI data, see demo/README.md)."""
    with LEVSKI.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def geo_portal(tmp_path: Path) -> Portal:
    """An empty instance with the publisher `levski` and a dataset `places` without a schema."""
    portal = open_portal({"INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": None})
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    create_dataset(portal.engine, "places", publisher="levski", title_bg="Населени места",
                   title_en="Settlements")
    return portal
