"""Security helpers: a snapshot of the published state, and files written outside the instance."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.state import Portal
from tests.app.staff.staff_world import World, csrf_of  # noqa: F401 - re-exported for the tests


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
