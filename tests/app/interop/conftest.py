"""A real uvicorn server on a free 127.0.0.1 port over the demo content, once per test session."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from app.cli.demo import seed
from app.state import open_portal
from tests.conftest import start_server, stop_server


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An instance seeded with the demo content (read only)."""
    root = tmp_path_factory.mktemp("interop") / "instance"
    portal = open_portal({"INSTANCE": str(root), "DATABASE_URL": None})
    list(seed(portal))
    portal.engine.dispose()
    return root


@pytest.fixture(scope="session")
def server(demo_root: Path) -> Iterator[str]:
    """The portal served by uvicorn with OTKRITO_BASE_URL = its own address; yields that URL."""
    server = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                           "--port", "{port}", "--log-level", "warning"],
                          env={"OTKRITO_INSTANCE": str(demo_root),
                               "OTKRITO_BASE_URL": "http://127.0.0.1:{port}"},
                          ready="/api/3/action/site_read")
    try:
        yield server.url
    finally:
        stop_server(server)
