"""A PostgreSQL catalog in queue mode, and real `otkrito worker` processes started by the tests.

Every wait here is on a condition the test can see (a row, a lock in pg_locks, a process
exit), bounded by a generous deadline; none is a guess at how long something takes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterator

import pytest
import sqlalchemy as sa

from app import config
from app.state import Portal, open_portal
from datasets.catalog import create_dataset
from datasets.publish import Upload, publish
from publishers.registry import add_publisher
from tests.conftest import REPO
from tests.conftest import until as shared_until
from tests.storage.conftest import BUCKET, seaweed  # noqa: F401 - the session's S3 server

DEADLINE = 180.0  # only a real hang gets near it
STALLED_SECONDS = "2"  # a killed worker's jobs are retried 2 s after its last heartbeat
DEMO = REPO / "demo"
Q1, H1 = DEMO / "budget-2026-q1.csv", DEMO / "budget-2026-h1.csv"


def until(condition: Callable[[], Any], what: str, *, deadline: float = DEADLINE) -> Any:
    """Return the condition's first true value (tests/conftest.py `until`, with this bound)."""
    return shared_until(condition, what, within=deadline)


@dataclass
class Worker:
    """An `otkrito worker` process and its log."""

    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> int:
        """SIGTERM, as an operator stops it; return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@dataclass
class QueueWorld:
    """One node's instance on a PostgreSQL catalog in queue mode, with workers on demand."""

    portal: Portal
    workers: list[Worker] = field(default_factory=list)

    @property
    def engine(self) -> sa.Engine:
        return self.portal.engine

    def start_worker(self) -> Worker:
        log = tempfile.TemporaryFile()
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "--lang", "en", "worker"],
                                   cwd=REPO, env=dict(os.environ), stdout=subprocess.DEVNULL,
                                   stderr=log)
        worker = Worker(process, log)
        self.workers.append(worker)
        return worker

    def waiting(self, statement: str) -> bool:
        """Whether some backend waits on a lock while running a statement that contains this."""
        with self.engine.connect() as conn:
            return bool(conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND query ILIKE :like"),
                {"like": f"%{statement}%"}).scalar())

    def versions(self) -> list[int]:
        with self.engine.connect() as conn:
            return [v for (v,) in conn.execute(sa.text(
                "SELECT version FROM releases r JOIN datasets d ON d.id = r.dataset_id "
                "WHERE d.slug = 'budget' ORDER BY version"))]


def _seed(portal: Portal) -> None:
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    create_dataset(portal.engine, "budget", publisher="levski", title_bg="Бюджет на община Левски",
                   title_en="Budget of the Municipality of Levski", profile="budget")
    publish(portal.instance, portal.engine, Upload(Q1, Q1.name), dataset="budget")


def _world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, seed: bool = True,
           **env: str) -> Iterator[QueueWorld]:
    # What a node and its workers read; workers started by the test inherit it.
    for name, value in {"OTKRITO_INSTANCE": str(tmp_path / "instance"), "OTKRITO_JOBS": "queue",
                        "OTKRITO_JOBS_STALLED_SECONDS": STALLED_SECONDS, **env}.items():
        monkeypatch.setenv(name, value)
    portal = open_portal(config.load())
    world = QueueWorld(portal)
    if seed:
        _seed(portal)
    try:
        yield world
    finally:
        statuses = [w.stop() for w in world.workers]
        portal.engine.dispose()
    unclean = [w.output() for w, s in zip(world.workers, statuses) if s not in (0, -signal.SIGKILL)]
    assert unclean == [], "a worker did not stop cleanly on SIGTERM"


@pytest.fixture
def queue_world(catalog_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[QueueWorld]:
    """The node on a fresh PostgreSQL database (tests use `postgresql_only`), local storage."""
    yield from _world(tmp_path, monkeypatch)


@pytest.fixture
def empty_queue_world(catalog_url: str, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[QueueWorld]:
    """The node with an empty catalog (for the staff world of tests/app/staff/staff_world.py)."""
    yield from _world(tmp_path, monkeypatch, seed=False)


@pytest.fixture(params=["local", "s3"])
def any_storage_world(request: pytest.FixtureRequest, catalog_url: str, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[QueueWorld]:
    """The node with release storage in its instance, or in S3 (SeaweedFS)."""
    env: dict[str, str] = {}
    if request.param == "s3":
        server = request.getfixturevalue("seaweed")
        env = {**server.env(), "OTKRITO_STORAGE_URL": f"s3://{BUCKET}/t-{uuid.uuid4().hex[:12]}"}
    yield from _world(tmp_path, monkeypatch, **env)
