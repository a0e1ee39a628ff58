"""Every migration of publishers/migrations/versions goes down as well as up, on SQLite and on
PostgreSQL: step by step to base and back gives the same schema, and a catalog with the v0.1.0
fixture's data keeps it when a migration is undone and done again.

The revisions come from the Alembic script directory, so a migration added later is covered too.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine

from publishers import store
from tests.postgres import Cluster
from tests.upgrade.fixture_data import FIXTURE_CATALOG, fixture_revision, load_fixture_into

REVISIONS = store.known_revisions()  # oldest first
HEAD = store.head_revision()


def _ours(table: str) -> bool:
    # alembic's own table, and the job queue's (procrastinate's schema, applied by migrate at every revision)
    return table != "alembic_version" and not table.startswith("procrastinate")


def schema_of(engine: Engine) -> dict[str, Any]:
    """What a migration changes: tables, their columns (type, nullability), indexes, keys."""
    inspector = sa.inspect(engine)
    found = {}
    for table in sorted(filter(_ours, inspector.get_table_names())):
        found[table] = (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)),
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)),
            sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in inspector.get_foreign_keys(table)),
        )
    return found


def content_of(engine: Engine) -> dict[str, dict[str, list]]:
    """Every row of every table, as the database returns it, per column."""
    with engine.connect() as conn:
        tables = sorted(filter(_ours, sa.inspect(conn).get_table_names()))
        return {table: {column: [row[column] for row in rows] for column in (rows[0].keys() if rows else [])}
                for table in tables
                for rows in [[dict(r._mapping) for r in conn.execute(sa.text(f'SELECT * FROM "{table}" ORDER BY 1'))]]}


def kept(before: dict[str, dict[str, list]], after: dict[str, dict[str, list]]) -> dict[str, list[str]]:
    """The tables and columns of `after` whose values differ from `before` (empty: all kept)."""
    return {table: [c for c in columns if columns[c] != before.get(table, {}).get(c)]
            for table, columns in after.items()
            if any(columns[c] != before.get(table, {}).get(c) for c in columns)}


def to_base(engine: Engine) -> None:
    config = store._alembic_config()  # `otkrito migrate --to` stops at the first revision, on purpose
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = store.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
        yield engine
        engine.dispose()
        return
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    name = cluster.create_empty_database()
    engine = store.connect(cluster.url(name))
    yield engine
    engine.dispose()
    cluster.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def with_data(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A catalog at head holding the v0.1.0 fixture's data (the fixture itself, on SQLite)."""
    if request.param == "sqlite":
        shutil.copy(FIXTURE_CATALOG, tmp_path / "catalog.db")
        engine = store.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
        store.migrate(engine)
        yield engine
        engine.dispose()
        return
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    name = cluster.create_empty_database()
    engine = store.connect(cluster.url(name))
    store.migrate(engine, to=fixture_revision())
    load_fixture_into(engine)
    store.migrate(engine)
    yield engine
    engine.dispose()
    cluster.drop_database(name)


def test_every_migration_goes_down_step_by_step_to_base_and_up_again(empty: Engine) -> None:
    assert len(REVISIONS) >= 11 and REVISIONS[-1] == HEAD
    upgraded = {}
    for revision in REVISIONS:
        store.migrate(empty, to=revision)
        upgraded[revision] = schema_of(empty)
    differs = []
    for revision in reversed(REVISIONS[:-1]):
        store.migrate(empty, to=revision)
        assert store.schema_revision(empty) == revision
        if schema_of(empty) != upgraded[revision]:
            differs.append(revision)
    assert differs == []
    to_base(empty)
    assert store.schema_revision(empty) is None and schema_of(empty) == {}
    store.migrate(empty)
    assert store.schema_revision(empty) == HEAD and schema_of(empty) == upgraded[HEAD]


def test_undoing_and_redoing_the_newest_migration_keeps_the_data(with_data: Engine) -> None:
    before = content_of(with_data)
    assert before["releases"]["id"] and before["follow_subscriptions"]["id"] and before["api_tokens"]["id"]
    store.migrate(with_data, to=REVISIONS[-2])
    assert kept(before, content_of(with_data)) == {}
    store.migrate(with_data)
    survived = set(schema_of_at(REVISIONS[-2]))
    assert kept(before, {t: c for t, c in content_of(with_data).items() if t in survived}) == {}


def test_every_step_down_to_the_first_revision_and_back_keeps_the_data_of_what_remains(with_data: Engine) -> None:
    before = content_of(with_data)
    for revision in reversed(REVISIONS[:-1]):
        store.migrate(with_data, to=revision)
        assert kept(before, content_of(with_data)) == {}, revision
    store.migrate(with_data)
    first = content_of(with_data)
    remaining = {t: first[t] for t in schema_of_at(REVISIONS[0])}
    assert kept(before, remaining) == {} and remaining["releases"]["id"] == before["releases"]["id"]


_SCHEMAS: dict[str, list[str]] = {}


def schema_of_at(revision: str) -> list[str]:
    """The tables an empty SQLite catalog has at `revision` (cached: the same for every test)."""
    if revision not in _SCHEMAS:
        engine = sa.create_engine("sqlite://", poolclass=sa.StaticPool)
        store.migrate(engine, to=revision)
        _SCHEMAS[revision] = list(schema_of(engine))
        engine.dispose()
    return _SCHEMAS[revision]


PROBE = '''"""A migration that copies the datasets table (SQLite batch mode), as a later one may.

Revision ID: probe
Revises: {head}
"""
import sqlalchemy as sa
from alembic import op

revision = "probe"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", recreate="always") as batch:
        batch.add_column(sa.Column("probe", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("datasets", recreate="always") as batch:
        batch.drop_column("probe")
'''


@pytest.fixture
def with_a_later_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The migrations, plus one after the newest that rebuilds `datasets` (rows refer to it)."""
    scripts = tmp_path / "migrations"
    shutil.copytree(store.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9000_probe.py").write_text(PROBE.format(head=HEAD))
    monkeypatch.setattr(store, "MIGRATIONS", scripts)
    store._scripts.cache_clear()
    yield
    monkeypatch.undo()
    store._scripts.cache_clear()


def test_a_migration_rebuilding_a_table_others_refer_to_runs_on_sqlite_with_data(
        with_a_later_migration: None, tmp_path: Path) -> None:
    shutil.copy(FIXTURE_CATALOG, tmp_path / "catalog.db")
    engine = store.connect(f"sqlite:///{tmp_path / 'catalog.db'}")
    before = content_of(engine)
    assert store.migrate(engine) == "probe"  # would fail on the foreign keys of releases, sources, ...
    assert "probe" in content_of(engine)["datasets"] and "probe" not in before["datasets"]
    store.migrate(engine, to=HEAD)
    assert kept(before, content_of(engine)) == {}
    with engine.connect() as conn:  # enforced again on the connection the migration used
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
