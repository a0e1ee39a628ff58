"""Shared fixtures: a fresh instance, release databases, a live server on 127.0.0.1."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import httpx
import pytest
import sqlite_utils
from flask.testing import FlaskClient

from app import config
from app.state import Portal, open_portal
from datasets import catalog
from datasets.files import sha256_of
from metadata.records import ReleaseFile
from publishers.registry import add_publisher, find_publisher
from tests.app.staff.staff_world import World, build_world, login

REPO = Path(__file__).resolve().parent.parent
Rows = Iterable[Mapping[str, Any]]
# The catalog on SQLite and PostgreSQL: `catalog_url`, the `catalogs` marker (tests/postgres.py).
pytest_plugins = ["tests.postgres"]


@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog_url: str | None) -> Iterator[Portal]:
    """A fresh, migrated instance in tmp_path (OTKRITO_INSTANCE points at it; its catalog is
    SQLite in it, or PostgreSQL in modules marked `catalogs`: see tests/postgres.py)."""
    monkeypatch.setenv("OTKRITO_INSTANCE", str(tmp_path / "instance"))
    opened = open_portal(config.load())
    yield opened
    opened.engine.dispose()


def build_release_db(path: Path, *, table: str, rows: Rows) -> Path:
    """Write a release SQLite database with one table of rows (with FTS on text columns)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    rows = list(rows)
    db[table].insert_all(rows)
    text = [k for k, v in rows[0].items() if isinstance(v, str)] if rows else []
    if text:
        db[table].enable_fts(text, fts_version="FTS5")
    db.conn.close()
    return path


@pytest.fixture
def release_db() -> Callable[..., Path]:
    """The release database builder, for tests that want a bare file."""
    return build_release_db


def publish_rows(portal: Portal, slug: str, rows: Rows, *, row_count: int | None = None,
                 title: str | None = None, licence: str = "CC-BY-4.0",
                 publisher: str = "pleven") -> int:
    """Publish rows as the dataset's next release the way publish does; return the version.

    row_count is what the catalog records (defaults to the real count): tests set it to
    something else to prove pages read the catalog instead of counting.
    """
    engine, instance = portal.engine, portal.instance
    if find_publisher(engine, publisher) is None:
        add_publisher(engine, publisher, name_bg="Община Плевен", name_en="Pleven Municipality")
    dataset = catalog.find_dataset(engine, slug) or catalog.create_dataset(
        engine, slug, publisher=publisher, title_bg=title or f"Набор {slug}",
        title_en=title or f"Dataset {slug}", description_bg=f"Описание на {slug}",
        licence=licence)
    rows = list(rows)
    with engine.begin() as conn:
        version = catalog.max_version(conn, dataset.id) + 1
        path = build_release_db(instance.release_dir(slug, version) / "data.db",
                                table=dataset.table_name, rows=rows)
        sqlite = ReleaseFile(name="data.db", role="sqlite", media_type="application/vnd.sqlite3",
                             bytes=path.stat().st_size, sha256=sha256_of(path))
        catalog.insert_release(conn, dataset_id=dataset.id, version=version, notes="",
                               row_count=len(rows) if row_count is None else row_count,
                               files=[sqlite], created_at=datetime.now(timezone.utc))
        catalog.bump_generation(conn)
    return version


@pytest.fixture
def publish(portal: Portal) -> Callable[..., int]:
    """Publish rows into the fresh instance: publish(slug, rows, row_count=None, ...)."""
    return lambda slug, rows, **kwargs: publish_rows(portal, slug, rows, **kwargs)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args: list[str], *, env: Mapping[str, str], url: str,
                 timeout: float = 30.0) -> subprocess.Popen[bytes]:
    """Start a server process and return it once url answers (raise if it never does)."""
    process = subprocess.Popen([sys.executable, *args], cwd=REPO, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()[-3000:]}")
        try:
            httpx.get(url, timeout=1.0)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError(f"server did not answer {url} within {timeout} s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by start_server."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr:
        process.stderr.close()


@pytest.fixture
def spawn_server(portal: Portal) -> Iterator[Callable[..., str]]:
    """Start servers against the fresh instance: spawn_server(*python_args) -> base URL.

    "{port}" in an argument becomes a free 127.0.0.1 port; the call returns once
    `ready` (a path) answers, and every server is stopped after the test.
    """
    processes: list[subprocess.Popen[bytes]] = []

    def spawn(*args: str, ready: str = "/sql/") -> str:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        processes.append(start_server(
            [arg.replace("{port}", str(port)) for arg in args],
            env={"OTKRITO_INSTANCE": str(portal.instance.root)}, url=url + ready))
        return url

    yield spawn
    for process in processes:
        stop_server(process)


@pytest.fixture
def live_server(spawn_server: Callable[..., str]) -> str:
    """The real uvicorn server on a free 127.0.0.1 port, against the fresh instance; its URL."""
    return spawn_server("-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                        "--port", "{port}", "--log-level", "warning")


@pytest.fixture
def world(portal: Portal, tmp_path: Path) -> World:
    """Publishers a and b with staff, data, an upload and API tokens (tests/app/staff/staff_world.py)."""
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
