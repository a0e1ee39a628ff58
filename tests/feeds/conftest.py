"""Fixtures for feed tests: demo content seeded once, and a Flask client over it."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.cli.demo import seed
from app.state import Portal, open_portal

BASE_URL = "https://data.levski.example"


@pytest.fixture(scope="session")
def demo_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance with the demo content, seeded once per test session (read it, never change it)."""
    root = tmp_path_factory.mktemp("feeds-demo") / "instance"
    portal = open_portal({"INSTANCE": str(root), "DATABASE_URL": None})
    list(seed(portal))
    portal.engine.dispose()
    return root


@pytest.fixture
def demo_client(demo_instance: Path) -> Iterator[FlaskClient]:
    """A test client of the app over the demo instance, with a fixed public base URL."""
    app = create_app({"INSTANCE": str(demo_instance), "BASE_URL": BASE_URL})
    yield app.test_client()
    app.extensions["otkrito"].engine.dispose()


@pytest.fixture
def fresh_client(portal: Portal) -> Iterator[FlaskClient]:
    """A test client over the fresh, empty instance of the `portal` fixture."""
    app = create_app({"INSTANCE": str(portal.instance.root), "BASE_URL": BASE_URL})
    yield app.test_client()
    app.extensions["otkrito"].engine.dispose()
