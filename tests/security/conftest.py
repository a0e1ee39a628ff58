"""Security fixtures: the staff world (two publishers, staff, tokens) and a published-state snapshot."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).parents[1] / "staff"))

from staff_world import World, build_world, csrf_of, login  # noqa: E402

from app.state import Portal  # noqa: E402

__all__ = ["World", "csrf_of", "published_state", "files_outside"]


@pytest.fixture
def world(portal: Portal, tmp_path: Path) -> World:
    """Publishers a and b with staff, data, an upload and API tokens (tests/staff/staff_world.py)."""
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


def published_state(portal: Portal) -> dict[str, Any]:
    """What the public sees: catalog datasets and releases, and every release file's checksum."""
    with portal.engine.connect() as conn:
        tables = {name: sorted(map(tuple, conn.execute(sa.text(
            f"SELECT * FROM {name}")).fetchall()), key=repr)  # noqa: S608 - fixed names
            for name in ("datasets", "releases", "publishers")}
    files = {str(p.relative_to(portal.instance.releases)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(portal.instance.releases.rglob("*")) if p.is_file()}
    return {"tables": tables, "files": files}


def files_outside(root: Path, instance: Path, allowed: set[Path]) -> list[Path]:
    """Every file under root that is neither in the instance nor one of the allowed inputs."""
    return sorted(p for p in root.rglob("*") if p.is_file() and instance not in p.parents
                  and p not in allowed)
