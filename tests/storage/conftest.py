"""Fixtures for release storage on a real S3 server (SeaweedFS on 127.0.0.1).

`seaweed` is one server per test session, so per pytest-xdist worker: each worker is its own
session and gets its own server, ports and data directory. Tests share its bucket, each under
a prefix of its own. A test that stops the store starts a server of its own (`own_seaweed`).
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask

from app import config, create_app
from app.state import Portal, open_portal
from datasets.catalog import create_dataset
from datasets.publish import Outcome, Upload, publish
from publishers.registry import add_publisher
from tests.storage.seaweed import Seaweed

BUCKET = "otkrito-test"
DEMO = Path(__file__).resolve().parents[2] / "demo"
Q1 = DEMO / "budget-2026-q1.csv"
H1 = DEMO / "budget-2026-h1.csv"


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    """One running SeaweedFS with the bucket `otkrito-test`, for the whole session."""
    server = Seaweed(tmp_path_factory.mktemp("seaweed"))
    server.start()
    try:
        server.create_bucket(BUCKET)
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_seaweed(tmp_path: Path) -> Iterator[Seaweed]:
    """A SeaweedFS of this test's own, which the test may stop and start again."""
    server = Seaweed(tmp_path / "seaweed")
    server.start()
    try:
        server.create_bucket(BUCKET)
        yield server
    finally:
        server.stop()


class S3World:
    """An S3-backed setting for one test: the store, its URL, and portals that open on it."""

    def __init__(self, server: Seaweed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        self.prefix = f"t-{uuid.uuid4().hex[:12]}"
        self.url = f"s3://{BUCKET}/{self.prefix}"
        self.tmp_path = tmp_path
        self.portals: list[Portal] = []
        # Every portal of the test shares one catalog, as nodes share one catalog database.
        self.catalog = f"sqlite:///{tmp_path / 'catalog.db'}"
        # The environment a node reads (server processes started by a test inherit it).
        for name, value in {**server.env(), "OTKRITO_STORAGE_URL": self.url,
                            "OTKRITO_DATABASE_URL": self.catalog}.items():
            monkeypatch.setenv(name, value)

    def settings(self, node: str, **extra: Any) -> dict[str, Any]:
        return {"INSTANCE": str(self.tmp_path / node), "DATABASE_URL": self.catalog,
                "STORAGE_URL": self.url, **extra}

    def open(self, node: str = "node-a", **extra: Any) -> Portal:
        """Open a node: its own instance directory (the cache), the shared catalog and store."""
        portal = open_portal({**config.load(), **self.settings(node, **extra)})
        self.portals.append(portal)
        return portal

    def app(self, node: str) -> Flask:
        """The Flask app of a node (settings from the environment, as a server reads them)."""
        return create_app({"INSTANCE": str(self.tmp_path / node), "SECRET_KEY": "test",
                           "BASE_URL": "http://portal.test"})

    def keys(self) -> list[str]:
        """Every key in this test's part of the bucket, without the test's prefix."""
        return [k[len(self.prefix) + 1:] for k in self.server.keys(BUCKET, self.prefix + "/")]

    def close(self) -> None:
        for portal in self.portals:
            portal.engine.dispose()


def _world(server: Seaweed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3World]:
    world = S3World(server, tmp_path, monkeypatch)
    yield world
    world.close()


@pytest.fixture
def s3(seaweed: Seaweed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3World]:
    """An S3 setting on the session's server."""
    yield from _world(seaweed, tmp_path, monkeypatch)


@pytest.fixture
def own_s3(own_seaweed: Seaweed, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[S3World]:
    """An S3 setting on a server of the test's own."""
    yield from _world(own_seaweed, tmp_path, monkeypatch)


def seed(portal: Portal, slug: str = "budget") -> None:
    """Give the catalog the publisher levski and a budget dataset without releases."""
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    create_dataset(portal.engine, slug, publisher="levski", title_bg="Бюджет на община Левски",
                   title_en="Budget of the Municipality of Levski", profile="budget",
                   description_bg="Бюджетът по параграфи.", licence="CC-BY-4.0")


def publish_file(portal: Portal, path: Path = Q1, slug: str = "budget",
                 **kwargs: Any) -> Outcome:
    return publish(portal.instance, portal.engine, Upload(path, path.name), dataset=slug, **kwargs)


Publish = Callable[..., Outcome]
