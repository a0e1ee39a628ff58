"""Shared fixtures: a fresh instance, release databases, a live server on 127.0.0.1."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Mapping

import httpx
import pytest
import sqlite_utils
from argon2 import PasswordHasher, Type
from flask.testing import FlaskClient

from app import config
from app.state import Portal, open_portal
from datasets import catalog
from datasets.files import sha256_of
from metadata.records import ReleaseFile
from publishers import users
from publishers.registry import add_publisher, find_publisher
from tests.app.staff.staff_world import World, build_world, login

REPO = Path(__file__).resolve().parent.parent
# In this process only, staff passwords are hashed at argon2id's lowest cost: the suite creates
# and signs in hundreds of accounts, each a full 64 MiB hash otherwise. Every `otkrito` process
# a test starts keeps the real cost, which tests/security/test_web.py checks.
users.HASHER = PasswordHasher(type=Type.ID, time_cost=1, memory_cost=8, parallelism=1)
Rows = Iterable[Mapping[str, Any]]
# The catalog on SQLite and PostgreSQL: `catalog_url`, the `catalogs` marker (tests/postgres.py).
pytest_plugins = ["tests.postgres"]


def until(condition: Callable[[], Any], what: str = "the condition", *, within: float = 180.0,
          every: float = 0.05) -> Any:
    """Return the condition's first true value; fail saying `what` did not happen within `within` s.

    Bounded in time: a generous bound that only a hang reaches, never a measure of speed.
    """
    end = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < end, f"{what} did not happen within {within} s"
        time.sleep(every)  # a poll interval, not a wait for anything in particular


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Without pytest-xdist (-p no:xdist), accept the -n and --dist of addopts and run serially."""
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist", "pytest-xdist is not loaded: these are accepted and ignored")
    # _addoption: pytest keeps lowercase short options for plugins; xdist registers -n the same way.
    group._addoption("-n", "--numprocesses", dest="numprocesses", metavar="N", default=None)
    group.addoption("--dist", dest="dist", metavar="MODE", default="no")
    group.addoption("--no-loadscope-reorder", dest="loadscopereorder", action="store_false")


# The folders of long, server-heavy test files run first: on xdist workers they start early and
# the many short files even out the end. (No test depends on the order; this only moves them.)
FIRST = ("tests/reliability/test_crash.py", "tests/bench/", "tests/cluster/", "tests/reliability/",
         "tests/jobs/", "tests/storage/", "tests/e2e/", "tests/security/")
# Files that share one session fixture (tests/cluster/conftest.py's two-node cluster) go to the
# same xdist worker: otherwise each worker that gets one of them starts a whole cluster.
ONE_WORKER = ("tests/cluster/test_outages.py", "tests/cluster/test_two_nodes.py",
              "tests/cluster/test_worker.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: next((rank for rank, folder in enumerate(FIRST)
                                      if item.nodeid.startswith(folder)), len(FIRST)))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadfile, except that the ONE_WORKER files are one unit of work."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFixtureFiles(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return ONE_WORKER[0] if path in ONE_WORKER else path

    return SharedFixtureFiles(config, log)


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


# Generous bounds for a slow or busy machine: how long a server may take to answer for the first
# time, and any one HTTP answer (httpx's default of 5 s is not enough under CPU contention).
SERVER_START_SECONDS = 180.0
HTTP_TIMEOUT = 120.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening_inodes(port: int) -> set[str]:
    """The socket inodes listening on the TCP port (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    return inodes


def _listens_on(process: subprocess.Popen[bytes], port: int) -> bool:
    """Whether the process itself holds the socket listening on the port.

    A free port is free only when asked: until the server binds it, another test worker's server
    or a client connection may take it, and an answer on the port would then not be ours.
    """
    if not Path("/proc/net/tcp").exists():  # not Linux: trust the port
        return True
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{process.pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{process.pid}/fd/{fd}") in wanted:
                    return True
    return False


@dataclass
class Running:
    """A server process started by start_server: its URL, and its stderr kept in a file."""

    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]


def start_server(args: list[str], *, env: Mapping[str, str], ready: str = "/",
                 timeout: float = SERVER_START_SECONDS,
                 preexec_fn: Callable[[], None] | None = None) -> Running:
    """Start a server on a free 127.0.0.1 port and return it once it answers `ready` itself.

    "{port}" in the arguments and environment values becomes the port. If another process took
    the port before the server could bind it, the server is started again on another one.
    """
    for _attempt in range(5):
        port = free_port()
        log = tempfile.TemporaryFile()
        process = subprocess.Popen(
            [sys.executable, *(arg.replace("{port}", str(port)) for arg in args)], cwd=REPO,
            env={**os.environ, **{k: v.replace("{port}", str(port)) for k, v in env.items()}},
            stdout=subprocess.DEVNULL, stderr=log, preexec_fn=preexec_fn)
        running = Running(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if _listens_on(process, port):
                try:
                    httpx.get(running.url + ready, timeout=10.0)
                    return running
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        else:
            said = running.stderr()
            stop_server(running)
            raise RuntimeError(f"server did not answer {running.url + ready} within {timeout} s: {said}")
        said = running.stderr()
        stop_server(running)
        if "address already in use" not in said.lower():
            raise RuntimeError(f"server exited: {said}")
    raise RuntimeError("no free port stayed free long enough for the server to bind it")


def stop_server(running: Running) -> None:
    """Stop a server started by start_server."""
    running.process.terminate()
    try:
        running.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()
    running.log.close()


@pytest.fixture
def spawn_server(portal: Portal) -> Iterator[Callable[..., str]]:
    """Start servers against the fresh instance: spawn_server(*python_args) -> base URL.

    "{port}" in an argument becomes a free 127.0.0.1 port; the call returns once
    `ready` (a path) answers, and every server is stopped after the test.
    """
    servers: list[Running] = []

    def spawn(*args: str, ready: str = "/sql/") -> str:
        servers.append(start_server(list(args), env={"OTKRITO_INSTANCE": str(portal.instance.root)},
                                    ready=ready))
        return servers[-1].url

    yield spawn
    for running in servers:
        stop_server(running)


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


def at_once(calls: list[Callable[[], Any]], *, timeout: float = 300) -> list[Any]:
    """Run the calls at once, one thread each; return results or raised errors, in order."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as error:  # kept for the assertion to show
            results[i] = error
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
