"""A two-node cluster for the tests, built from the pieces deploy/local-cluster.sh starts.

One per test session (so per pytest-xdist worker): a private PostgreSQL 15 (tests/postgres.py),
SeaweedFS (tests/storage/seaweed.py), `otkrito migrate` run once as a command, an `otkrito
worker` (the queue runs every publish sent to the API), and two web nodes A and B, each a real
`otkrito serve` process on a free 127.0.0.1 port with its own instance directory as its cache,
sharing the catalog, the bucket and the secret key. Tests that stop the store, restart
PostgreSQL or kill the worker leave the cluster running again when they end.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from datasets.catalog import create_dataset
from publishers.registry import add_publisher
from publishers.store import connect
from publishers.tokens import create_token
from publishers.users import add_user, grant
from tests.conftest import HTTP_TIMEOUT, REPO, Running, start_server, stop_server, until
from tests.postgres import PG_BIN, Cluster, _as_postgres, running_cluster
from tests.storage.seaweed import Seaweed

DEMO = REPO / "demo"
Q1 = DEMO / "budget-2026-q1.csv"
H1 = DEMO / "budget-2026-h1.csv"
BUCKET = "otkrito-cluster"
SECRET_KEY = "the cluster's shared secret key"
PUBLISHER = "obshtina-levski"
DEADLINE = 120.0  # seconds any bounded wait may take: only a real hang gets near it


@dataclass
class ClusterWorld:
    """The running cluster and what the tests act on through it."""

    pg: Cluster
    database_url: str
    seaweed: Seaweed
    root: Path
    token: str = ""
    nodes: dict[str, Running] = field(default_factory=dict)
    instances: dict[str, Path] = field(default_factory=dict)  # each node's cache
    worker: subprocess.Popen[bytes] | None = None
    engine: Engine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.engine = connect(self.database_url)  # the tests' own view of the shared catalog

    @property
    def a(self) -> str:
        return self.nodes["a"].url

    @property
    def b(self) -> str:
        return self.nodes["b"].url

    def env(self, instance: Path, **more: str) -> dict[str, str]:
        """Every setting a node reads: its own instance, the shared catalog, store and key."""
        return {"OTKRITO_INSTANCE": str(instance), "OTKRITO_DATABASE_URL": self.database_url,
                "OTKRITO_SECRET_KEY": SECRET_KEY, "OTKRITO_STORAGE_URL": f"s3://{BUCKET}/portal",
                "OTKRITO_BASE_URL": "http://127.0.0.1:{port}", "OTKRITO_JOBS": "queue",
                # A killed worker's job is retried 2 s after its last heartbeat.
                "OTKRITO_JOBS_STALLED_SECONDS": "2", **self.seaweed.env(), **more}

    def start_worker(self) -> None:
        """Start `otkrito worker` (publishes sent to either node's API run in it)."""
        env = {k: v for k, v in self.env(self.root / f"worker-{uuid.uuid4().hex[:6]}").items()
               if k != "OTKRITO_BASE_URL"}
        self.worker = subprocess.Popen([sys.executable, "-m", "app.cli", "--lang", "en", "worker"],
                                       cwd=REPO, env={**os.environ, **env},
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop_worker(self, sig: int = signal.SIGTERM) -> None:
        worker, self.worker = self.worker, None
        if worker is None or worker.poll() is not None:
            return
        worker.send_signal(sig)
        try:
            worker.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    def start_node(self, name: str) -> Running:
        """Start `otkrito serve` as node `name` with a fresh, empty instance (its cache)."""
        instance = self.root / f"node-{name}-{uuid.uuid4().hex[:6]}"
        running = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"],
                               env=self.env(instance), ready="/")
        self.nodes[name], self.instances[name] = running, instance
        return running

    def stop_node(self, name: str) -> None:
        stop_server(self.nodes.pop(name))

    def restart_postgres(self) -> None:
        """`pg_ctl restart` (fast): every connection of every node is cut."""
        done = subprocess.run(_as_postgres([
            str(PG_BIN / "pg_ctl"), "restart", "-D", str(self.pg.root / "data"), "-m", "fast",
            "-w", "-t", str(int(DEADLINE)), "-l", str(self.pg.root / "server.log")]),
            capture_output=True, text=True, timeout=DEADLINE)
        assert done.returncode == 0, done.stderr + done.stdout
        self.engine.dispose()  # the tests' own connections died with the server

    def dataset(self, slug: str, profile: str | None = "budget") -> str:
        """Create a dataset (a budget by default) without releases; return its slug."""
        create_dataset(self.engine, slug, publisher=PUBLISHER, title_bg=f"Бюджет {slug}",
                       title_en=f"Budget {slug}", profile=profile, licence="CC-BY-4.0",
                       description_bg="Бюджетът по параграфи.")
        return slug

    def publish(self, node: str, slug: str, path: Path = Q1, **form: str) -> httpx.Response:
        """Publish a file as the dataset's next release through a node's API."""
        with path.open("rb") as handle:
            return httpx.post(f"{node}/api/v1/datasets/{slug}/releases", timeout=HTTP_TIMEOUT,
                              headers={"Authorization": f"Bearer {self.token}"},
                              files={"file": (path.name, handle, "text/csv")}, data=form)

    def versions(self, node: str, slug: str) -> list[int]:
        """The dataset's release versions as a node's API lists them."""
        listed = httpx.get(f"{node}/api/v1/datasets/{slug}/releases", timeout=HTTP_TIMEOUT,
                           headers={"Authorization": f"Bearer {self.token}"})
        assert listed.status_code == 200, listed.text
        return sorted(r["version"] for r in listed.json())


def assert_no_release(cluster: ClusterWorld, slug: str, version: int) -> None:
    """Neither node shows any trace of release `version`: API, page, feed, downloads."""
    for node in (cluster.a, cluster.b):
        assert version not in cluster.versions(node, slug)
        page = _get(f"{node}/datasets/{slug}")
        # 503 only while the store is away, as a clean page (what the page needs is not cached).
        assert page.status_code in (200, 503) and "Traceback" not in page.text
        assert f"/releases/{version}" not in page.text
        assert f"/datasets/{slug}/releases/{version}" not in _get(f"{node}/feeds/releases.atom").text
        assert _get(f"{node}/datasets/{slug}/releases/{version}").status_code == 404
        package = _get(f"{node}/datasets/{slug}/datapackage.json")
        # A file a node has not cached is out of reach while the store is: a clean 503 then
        # (and a dataset without any release has no package: 404).
        assert package.status_code in (200, 404, 503) and "Traceback" not in package.text
        assert f"/releases/{version}/" not in package.text


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=HTTP_TIMEOUT)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def poll(check: Callable[[], Any], *, within: float = DEADLINE, every: float = 0.05) -> Any:
    """Call `check` until it returns something truthy (tests/conftest.py `until`)."""
    return until(check, str(check), within=within, every=every)


def _migrate(url: str, root: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "app.cli", "--lang", "en", "migrate"], cwd=REPO,
                          capture_output=True, text=True, timeout=DEADLINE,
                          env={"PATH": "/usr/bin:/bin", "OTKRITO_DATABASE_URL": url,
                               "OTKRITO_INSTANCE": str(root / "deploy")})
    assert done.returncode == 0 and "Catalog schema at revision" in done.stdout, done.stderr


def _staff(world: ClusterWorld) -> None:
    publisher = add_publisher(world.engine, PUBLISHER, name_bg="Община Левски",
                              name_en="Municipality of Levski")
    user = add_user(world.engine, "editor@levski.bg", password="correct horse battery staple")
    grant(world.engine, user.email, "editor", publisher=PUBLISHER)
    _token, world.token = create_token(world.engine, publisher_id=publisher.id, user_id=user.id,
                                       name="cluster tests", actor="test")


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterWorld]:
    """PostgreSQL, SeaweedFS and web nodes A and B, all real processes on 127.0.0.1."""
    root = tmp_path_factory.mktemp("cluster")
    seaweed = Seaweed(root / "seaweed")
    with running_cluster() as pg:
        seaweed.start()
        world = None
        try:
            seaweed.create_bucket(BUCKET)
            url = pg.url(pg.create_empty_database())  # as a first deploy finds it
            _migrate(url, root)
            world = ClusterWorld(pg, url, seaweed, root)
            _staff(world)
            world.start_worker()
            world.start_node("a")
            world.start_node("b")
            yield world
        finally:
            if world is not None:
                world.stop_worker()
                for name in list(world.nodes):
                    world.stop_node(name)
                world.engine.dispose()
            seaweed.stop()
