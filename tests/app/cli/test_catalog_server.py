"""A catalog on a database server: `otkrito migrate` once per deploy, nodes that check before
they start (schema at head, the shared secret key), and SQLite as it always was."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from app import create_app
from app.state import open_portal
from metadata.errors import NotReady
from publishers import store
from tests.postgres import Cluster

ROOT = Path(__file__).resolve().parents[3]
HEAD = store.head_revision()
DEADLINE = 120.0  # only a real hang gets near it


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a Python module (the CLI, uvicorn) as a process with exactly this environment."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=DEADLINE, env={"PATH": "/usr/bin:/bin", **env})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def empty_url(postgres_cluster: Cluster) -> Iterator[str]:
    """A PostgreSQL database without any table, as a first deploy finds it."""
    name = postgres_cluster.create_empty_database()
    yield postgres_cluster.url(name)
    postgres_cluster.drop_database(name)


def node_env(tmp_path: Path, url: str, **more: str) -> dict[str, str]:
    return {"OTKRITO_INSTANCE": str(tmp_path / "instance"), "OTKRITO_DATABASE_URL": url,
            "OTKRITO_SECRET_KEY": "shared by every node", **more}


def tables(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    return sorted(sa.inspect(engine).get_table_names())


def upgrade_to(url: str, revision: str, *, down: bool = False) -> None:
    engine = store.connect(url)
    config = store._alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def test_a_node_never_migrates_a_new_postgresql_catalog_and_says_what_to_run(
        empty_url: str, tmp_path: Path) -> None:
    in_bg = run("app.cli", "init", env=node_env(tmp_path, empty_url))
    in_en = run("app.cli", "--lang", "en", "init", env=node_env(tmp_path, empty_url))
    assert (in_bg.returncode, in_en.returncode) == (2, 2)
    assert "изпълнете `otkrito migrate`" in in_bg.stderr.lower()
    assert f"revision -; this code expects {HEAD}. Run `otkrito migrate`" in in_en.stderr
    assert "Traceback" not in in_bg.stderr + in_en.stderr
    assert tables(empty_url) == []


def test_otkrito_migrate_brings_the_catalog_to_head_once_then_nodes_start(
        empty_url: str, tmp_path: Path) -> None:
    env = node_env(tmp_path, empty_url)
    first = run("app.cli", "--lang", "en", "migrate", env=env)
    again = run("app.cli", "--lang", "en", "migrate", env=env)
    assert (first.returncode, first.stdout) == (0, f"Catalog schema at revision {HEAD} (was -).\n")
    assert (again.returncode, again.stdout) == (0, f"Catalog schema at revision {HEAD} "
                                                   f"(was {HEAD}).\n")
    started = run("app.cli", "init", env=env)
    assert started.returncode == 0, started.stderr
    assert not (tmp_path / "instance" / "catalog.db").exists()


def test_a_catalog_at_an_older_revision_is_refused_until_migrated(
        empty_url: str, tmp_path: Path) -> None:
    upgrade_to(empty_url, "0004")
    settings = {"INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": empty_url,
                "SECRET_KEY": "shared"}
    with pytest.raises(NotReady) as refused:
        open_portal(settings)
    with pytest.raises(NotReady):
        create_app(settings)
    assert refused.value.message_id == "catalog.not-migrated"
    assert "0004" in refused.value.text.en and "otkrito migrate" in refused.value.text.bg
    engine = store.connect(empty_url)
    assert store.schema_revision(engine) == "0004"  # nobody migrated it
    store.migrate(engine)
    open_portal(settings).engine.dispose()  # now it starts
    engine.dispose()


def test_two_deploys_migrating_at_once_take_turns(empty_url: str) -> None:
    other_deploy = sa.create_engine(empty_url, poolclass=sa.NullPool)
    engine = store.connect(empty_url)
    done: list[str] = []
    with other_deploy.connect() as held:
        held.execute(sa.select(sa.func.pg_advisory_xact_lock(store._MIGRATION_LOCK)))
        migrating = threading.Thread(target=lambda: done.append(store.migrate(engine)))
        migrating.start()
        deadline = time.monotonic() + DEADLINE
        while not held.execute(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted "
                                       "AND locktype = 'advisory'")).scalar():
            assert time.monotonic() < deadline and not done, "migrate did not wait its turn"
            time.sleep(0.02)
        assert tables(empty_url) == []
        held.commit()  # the other deploy is done: its transaction ends, and its lock
    migrating.join(timeout=DEADLINE)
    assert done == [HEAD] and store.schema_revision(engine) == HEAD


@pytest.fixture(params=["sqlite", "postgresql"])
def old_catalog(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A catalog at 0004, the revision before JSONB, with one dataset, release and job."""
    url = (f"sqlite:///{tmp_path / 'catalog.db'}" if request.param == "sqlite"
           else request.getfixturevalue("empty_url"))
    upgrade_to(url, "0004")
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        for sql in OLD_ROWS:
            conn.execute(sa.text(sql))
    return url


OLD_ROWS = (
    "INSERT INTO publishers (id, slug, name_bg, created_at) VALUES (1, 'p', 'П', '2026-01-01')",
    "INSERT INTO datasets (id, slug, publisher_id, title_bg, themes, keywords, licence, frequency,"
    " table_schema, created_at, updated_at) VALUES (1, 'd', 1, 'Д', '[\"ECON\"]', '[\"бюджет\"]',"
    " 'CC0-1.0', 'ANNUAL', '{\"fields\": [], \"primaryKey\": []}', '2026-01-01', '2026-01-01')",
    "INSERT INTO releases (dataset_id, version, created_at, row_count, files) VALUES (1, 1,"
    " '2026-01-02', 3, '[{\"name\": \"d.db\", \"role\": \"sqlite\"}]')",
    "INSERT INTO audit_events (at, actor, action, target, detail) VALUES ('2026-01-02', 'cli',"
    " 'release.publish', 'd/1', '{\"rows\": 3}')",
)


def test_migration_0005_keeps_every_json_value_and_adds_the_generation(old_catalog: str) -> None:
    engine = store.connect(old_catalog)
    store.migrate(engine)
    with engine.connect() as conn:
        after = conn.execute(sa.select(store.datasets.c.themes, store.datasets.c.keywords,
                                       store.datasets.c.table_schema, store.releases.c.files,
                                       store.audit_events.c.detail)
                             .join(store.releases).join(store.audit_events, sa.true())).one()
        generation = conn.execute(sa.select(store.state.c.value)).scalar()
    assert tuple(after) == (["ECON"], ["бюджет"], {"fields": [], "primaryKey": []},
                            [{"name": "d.db", "role": "sqlite"}], {"rows": 3})
    assert generation == 0
    engine.dispose()


@pytest.mark.parametrize("old_catalog", ["postgresql"], indirect=True)
def test_migration_0005_turns_json_values_into_jsonb_and_back(old_catalog: str) -> None:
    def kinds() -> dict[str, str]:
        with sa.create_engine(old_catalog, poolclass=sa.NullPool).connect() as conn:
            return dict(conn.execute(sa.text(
                "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
                " WHERE data_type IN ('json', 'jsonb')"
                " AND table_name NOT LIKE 'procrastinate%'")).all())  # the job queue's own

    assert set(kinds().values()) == {"json"}
    store.migrate(store.connect(old_catalog))
    upgraded = kinds()
    upgrade_to(old_catalog, "0004", down=True)  # downgrade() puts json back
    assert {k for k, v in upgraded.items() if v == "json"} == {"datasets.table_schema",
                                                               "upload_jobs.schema"}
    # The JSON columns of the tables 0005 knows (later migrations add tables of their own).
    known = {k for k in upgraded if k.split(".")[0] in {"datasets", "releases", "audit_events", "upload_jobs"}}
    assert len(known) == 9 and set(kinds().values()) == {"json"}


def test_a_node_of_a_postgresql_catalog_refuses_to_start_without_the_secret_key(
        empty_url: str, tmp_path: Path) -> None:
    store.migrate(store.connect(empty_url))
    env = node_env(tmp_path, empty_url)
    del env["OTKRITO_SECRET_KEY"]
    with pytest.raises(NotReady) as refused:
        create_app({"INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": empty_url,
                    "SECRET_KEY": None})
    served = run("app.cli", "--lang", "en", "serve", "--port", str(free_port()), env=env)
    uvicorn = run("uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                  "--port", str(free_port()), env=env)
    assert refused.value.message_id == "config.secret-key-required"
    assert (served.returncode, uvicorn.returncode) == (2, 1)
    assert served.stderr.startswith("Set OTKRITO_SECRET_KEY: when the catalog is not SQLite")
    assert refused.value.text.bg in uvicorn.stderr and refused.value.text.en in uvicorn.stderr
    assert "Traceback" not in served.stderr + uvicorn.stderr
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_sqlite_still_migrates_at_start_and_generates_its_own_key(tmp_path: Path) -> None:
    app = create_app({"INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": None,
                      "SECRET_KEY": None})
    engine = app.extensions["otkrito"].engine
    assert store.schema_revision(engine) == HEAD
    assert app.config["SECRET_KEY"] == (tmp_path / "instance" / "secret_key").read_text().strip()
    engine.dispose()


def test_an_unreachable_catalog_is_named_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://otkrito:hunter2-secret@127.0.0.1:{free_port()}/catalog"
    done = run("app.cli", "--lang", "en", "init", env=node_env(tmp_path, url))
    assert done.returncode == 2
    assert done.stderr.startswith("The catalog postgresql+psycopg://otkrito:***@127.0.0.1:")
    assert "cannot be reached" in done.stderr and "hunter2" not in done.stderr
    assert "Traceback" not in done.stderr
