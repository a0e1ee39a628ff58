"""The catalog on SQLite and on a real PostgreSQL 15 that the tests start themselves.

A module marked `pytestmark = pytest.mark.catalogs` runs each of its tests that opens a catalog
(through `portal`, `fresh_portal`, `world`, or `catalog_url` itself) twice: `[sqlite]` and
`[postgresql]`. Every other test keeps the embedded SQLite catalog and starts no server.

The PostgreSQL cluster is private to one pytest process (each xdist worker starts its own):
`initdb` in a fresh directory under /tmp, owned by the `postgres` user when the tests run as
root (initdb and postgres refuse root), TCP on 127.0.0.1 only, on a port the kernel picks,
its Unix socket in its own directory, a random password. Each test gets a fresh database copied
from a template migrated once per cluster. The cluster stops when the session ends.

Without PostgreSQL's programs the PostgreSQL half of the tests fails, saying what to install:
CI installs them (`.ci/run`).
"""
from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

BACKENDS = ("sqlite", "postgresql")
PG_BIN = Path(os.environ.get("OTKRITO_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
START_SECONDS = 180.0  # generous: a busy machine may be slow to start a cluster
# The template's collation is ICU Bulgarian, as a server in Bulgaria would likely have (libc
# locales are often missing): it orders "а" before "Б" and Cyrillic before Latin, unlike SQLite.
ICU_LOCALE = "bg-BG"
# Not UTC, so a time that is read back in the server's zone instead of UTC shows.
SERVER_TIMEZONE = "Europe/Sofia"


def _missing() -> str | None:
    wanted = [PG_BIN / name for name in ("initdb", "pg_ctl", "postgres")]
    absent = [str(p) for p in wanted if not os.access(p, os.X_OK)]
    if os.geteuid() == 0:  # initdb refuses root: the clusters run as the postgres user
        absent += [] if shutil.which("runuser") else ["runuser (util-linux)"]
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            absent.append("the `postgres` user")
    if not absent:
        return None
    return ("PostgreSQL 15 is needed for the [postgresql] catalog tests and is not installed "
            f"(missing: {', '.join(absent)}). Install it with `apt-get install postgresql` "
            "(Debian 12: PostgreSQL 15), or point OTKRITO_TEST_PG_BIN at its bin directory.")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """A running private PostgreSQL cluster."""

    root: Path
    port: int
    password: str
    admin: sa.Engine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.admin = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT",
                                      poolclass=sa.NullPool)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://otkrito:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, *, template: str = "otkrito_template") -> str:
        """Create a fresh database from the migrated template; return its name."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return name

    def create_empty_database(self) -> str:
        """Create a database without any catalog table (as a new deploy finds it)."""
        name = f"e_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0 '
                                 f"LOCALE_PROVIDER icu ICU_LOCALE '{ICU_LOCALE}' LOCALE 'C.UTF-8'")
        return name

    def drop_database(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_postgres(args: list[str]) -> list[str]:
    """initdb, pg_ctl and postgres refuse to run as root: run them as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


def _init(root: Path, password: str) -> Path:
    data, sock, secret = root / "data", root / "sock", root / "password"
    sock.mkdir()
    secret.write_text(password)
    secret.chmod(0o600)
    for path in (root, sock, secret):
        _own(path)
    subprocess.run(_as_postgres([
        str(PG_BIN / "initdb"), "-D", str(data), "-U", "otkrito", f"--pwfile={secret}",
        "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
        check=True, capture_output=True, timeout=START_SECONDS)
    secret.unlink()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{sock}'\n"
            f"timezone = '{SERVER_TIMEZONE}'\n"
            "max_connections = 300\n"
            # A throwaway cluster: durability buys nothing here, speed does.
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
    return data


def _start(data: Path, root: Path) -> int:
    """Start the cluster on a free port; return the port once it accepts connections."""
    log = root / "server.log"
    for _attempt in range(5):
        port = _free_port()
        started = subprocess.run(_as_postgres([
            str(PG_BIN / "pg_ctl"), "start", "-D", str(data), "-l", str(log), "-w",
            "-t", str(int(START_SECONDS)), "-o", f"-p {port}"]), capture_output=True, text=True)
        if started.returncode == 0:
            return port
        said = log.read_text(errors="replace") if log.exists() else started.stderr
        if "could not bind" not in said and "already in use" not in said:
            raise RuntimeError(f"PostgreSQL did not start:\n{started.stderr}\n{said[-3000:]}")
    raise RuntimeError("no free port stayed free long enough for PostgreSQL to bind it")


def _wait_until_it_answers(cluster: Cluster) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with cluster.admin.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _make_template(cluster: Cluster) -> None:
    from publishers.store import connect, migrate

    with cluster.admin.connect() as conn:
        conn.exec_driver_sql("CREATE DATABASE otkrito_template TEMPLATE template0 "
                             f"LOCALE_PROVIDER icu ICU_LOCALE '{ICU_LOCALE}' LOCALE 'C.UTF-8'")
    engine = connect(cluster.url("otkrito_template"))
    try:
        migrate(engine)  # the migrations run on PostgreSQL: each test's database is a copy
    finally:
        engine.dispose()


def _stop(data: Path) -> None:
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "stop", "-D", str(data), "-m", "fast",
                                 "-w", "-t", "60"]), capture_output=True)


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Start a private cluster for the block; stop and delete it afterwards."""
    missing = _missing()
    if missing:
        pytest.fail(missing, pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="otkrito-pg-"))
    data = None
    try:
        password = secrets.token_urlsafe(18)
        data = _init(root, password)
        cluster = Cluster(root, _start(data, root), password)
        _wait_until_it_answers(cluster)
        _make_template(cluster)
        yield cluster
    finally:
        if data is not None:
            _stop(data)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """This test process's private PostgreSQL cluster (started on first use)."""
    with running_cluster() as cluster:
        yield cluster


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "catalogs: run the module's catalog tests on SQLite and on PostgreSQL")


# For a test about what only a catalog server has (advisory locks, migrations by command).
postgresql_only = pytest.mark.parametrize("catalog_backend", ["postgresql"], indirect=True)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "catalog_backend" not in metafunc.fixturenames:
        return
    chosen = any("catalog_backend" in str(mark.args[0])
                 for mark in metafunc.definition.iter_markers("parametrize"))
    if not chosen and metafunc.definition.get_closest_marker("catalogs"):
        metafunc.parametrize("catalog_backend", BACKENDS, indirect=True)


@pytest.fixture
def catalog_backend(request: pytest.FixtureRequest) -> str:
    """Which backend this test's catalog is on: "sqlite" unless its module is marked `catalogs`."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def catalog_url(catalog_backend: str, request: pytest.FixtureRequest,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """The test's catalog URL: None for SQLite in the instance, else a fresh PostgreSQL database.

    For PostgreSQL, OTKRITO_DATABASE_URL and OTKRITO_SECRET_KEY are set for the test, so apps
    and processes it starts use the same catalog. So is OTKRITO_JOBS=threads: these tests are
    about what a page or an API answers, the same in both modes, and no worker runs for them;
    the queue and its workers have their own tests (tests/jobs/), which choose `queue`.
    """
    if catalog_backend == "sqlite":
        yield None
        return
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    name = cluster.create_database()
    url = cluster.url(name)
    monkeypatch.setenv("OTKRITO_DATABASE_URL", url)
    monkeypatch.setenv("OTKRITO_SECRET_KEY", "test-secret-shared-by-every-node")
    monkeypatch.setenv("OTKRITO_JOBS", "threads")
    yield url
    cluster.drop_database(name)
