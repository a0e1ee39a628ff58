"""Workspace fixtures: the world of two publishers, and a signed-in client per role."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import pytest
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).parent))

from staff_world import World, build_world, login  # noqa: E402

from app.state import Portal  # noqa: E402


@pytest.fixture
def world(portal: Portal, tmp_path: Path) -> World:
    """Publishers a and b with staff, data, an upload and API tokens."""
    return build_world(portal, tmp_path)


@pytest.fixture
def signed_in(world: World) -> Callable[[str], FlaskClient]:
    """signed_in(email) -> a test client with that user's session."""

    def client_for(email: str) -> FlaskClient:
        client = world.app.test_client()
        response = login(client, email)
        assert response.status_code == 302, response.text
        return client

    return client_for
