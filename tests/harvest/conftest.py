"""A second, real Otkrito serving its CKAN API and DCAT-AP on 127.0.0.1, and a crafted-answer server.

The second instance always keeps its catalog on SQLite in its own directory: the catalog under
test (the `portal` fixture, SQLite or PostgreSQL) is the harvesting one.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from app.state import Portal, open_portal
from datasets.catalog import create_dataset
from datasets.edit import update_dataset
from datasets.publish import Upload, publish
from publishers.registry import add_publisher
from tests.conftest import publish_rows, start_server, stop_server
from tests.sources.conftest import connects  # noqa: F401 (every connect of the process, to prove a refusal sent nothing)
from tests.sources.remote import Remote, running

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
DATA = Path(__file__).resolve().parent.parent / "data"
ROWS = [{"settlement": "Левски", "population": 8655}, {"settlement": "Малчика", "population": 1220}]


@dataclass
class OtherPortal:
    """The second Otkrito: its URL, and its catalog to change between harvests."""

    url: str
    portal: Portal

    @property
    def engine(self) -> Engine:
        return self.portal.engine


def _seed(portal: Portal) -> None:
    add_publisher(portal.engine, "obshtina-levski", name_bg="Община Левски",
                  name_en="Municipality of Levski")
    for slug, title in (("byudzhet-2026", "Бюджет 2026"), ("resheniya-na-saveta", "Решения на съвета")):
        publish_rows(portal, slug, ROWS, title=title, publisher="obshtina-levski")
    # One through the real pipeline: its release has the CSV a harvester schedules.
    create_dataset(portal.engine, "naseleni-mesta", publisher="obshtina-levski", title_bg="Населени места",
                   title_en="Settlements", frequency="IRREG", themes=["REGI"])
    publish(portal.instance, portal.engine, Upload(DATA / "levski-settlements.csv"), dataset="naseleni-mesta")
    update_dataset(portal.engine, "byudzhet-2026", actor="test", title_en="Budget 2026",
                   frequency="QUARTERLY", themes=["ECON", "GOVE"], keywords=["бюджет", "budget"],
                   licence="CC0-1.0", temporal_start="2026-01-01", temporal_end="2026-12-31",
                   contact_email="budget@levski.bg")


@pytest.fixture
def other_portal(tmp_path: Path) -> Iterator[OtherPortal]:
    root = tmp_path / "other-instance"
    portal = open_portal({"INSTANCE": str(root), "DATABASE_URL": None})
    _seed(portal)
    server = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                           "--port", "{port}", "--log-level", "warning"],
                          env={"OTKRITO_INSTANCE": str(root), "OTKRITO_DATABASE_URL": "",
                               "OTKRITO_BASE_URL": "http://127.0.0.1:{port}"},
                          ready="/api/3/action/site_read")
    try:
        yield OtherPortal(server.url, portal)
    finally:
        stop_server(server)
        portal.engine.dispose()


@pytest.fixture
def crafted() -> Iterator[Remote]:
    """A real HTTP server on 127.0.0.1 whose answers each test writes (tests/sources/remote.py)."""
    yield from running()
