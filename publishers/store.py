"""The catalog store: SQLAlchemy Core tables, the engine, and migrations.

Every table of the catalog is declared here once so that the packages sharing the store
(publishers, datasets) use the same definitions and migrations see one schema.
"""
from __future__ import annotations

import functools
import json
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from metadata.errors import InvalidInput, NewerSchema, NotReady
from publishers.queue_schema import apply_queue_schema, has_queue_schema

catalog = sa.MetaData()


class Text(sa.types.TypeDecorator[str]):
    """Text without NUL characters: the type of every text column of the catalog.

    PostgreSQL's text cannot hold NUL (its driver refuses the whole statement) and nobody means
    one: it is dropped from what is stored and from what is compared, on SQLite too, so both
    backends keep the same text.
    """

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        return value.replace("\x00", "") if isinstance(value, str) else value


class String(Text):
    """A short text (VARCHAR(n)) without NUL characters."""

    impl = sa.String
    cache_ok = True


# JSON values the catalog compares, groups or may index: JSONB on PostgreSQL, whose `json` type
# has no equality operator. JSON text elsewhere (SQLite), exactly as before.
JsonValue = sa.JSON().with_variant(JSONB(), "postgresql")
# A Table Schema stays `json` on PostgreSQL: JSONB would reorder its keys, and a schema is
# published in datapackage.json in the order its author wrote it, on either backend.
JsonDocument = sa.JSON

publishers = sa.Table(
    "publishers", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", String(80), nullable=False, unique=True),
    sa.Column("name_bg", Text, nullable=False),
    sa.Column("name_en", Text),
    sa.Column("homepage", Text),
    sa.Column("email", Text),
    sa.Column("logo", Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

datasets = sa.Table(
    "datasets", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", String(80), nullable=False, unique=True),
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
    sa.Column("title_bg", Text, nullable=False),
    sa.Column("title_en", Text),
    sa.Column("description_bg", Text, nullable=False, server_default=""),
    sa.Column("description_en", Text),
    sa.Column("themes", JsonValue, nullable=False),
    sa.Column("keywords", JsonValue, nullable=False),
    sa.Column("licence", String(40), nullable=False),
    sa.Column("frequency", String(20), nullable=False),
    sa.Column("temporal_start", String(10)),
    sa.Column("temporal_end", String(10)),
    sa.Column("spatial", Text),
    sa.Column("contact_name", Text),
    sa.Column("contact_email", Text),
    sa.Column("profile", String(20)),
    sa.Column("table_schema", JsonDocument),
    sa.Column("sample", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

releases = sa.Table(
    "releases", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("notes", Text, nullable=False, server_default=""),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("files", JsonValue, nullable=False),
    sa.Column("status", String(12), nullable=False, server_default="published"),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
    sa.Column("withdrawn_reason", Text),
    sa.UniqueConstraint("dataset_id", "version", name="uq_release_version"),
)

audit_events = sa.Table(
    "audit_events", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", Text, nullable=False),
    sa.Column("action", String(40), nullable=False),
    sa.Column("target", Text, nullable=False),
    sa.Column("detail", JsonValue, nullable=False),
    sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
)

# A single counter bumped by every change that alters what is published, so that each
# server worker can tell cheaply whether its view of the releases is stale.
state = sa.Table(
    "state", catalog,
    sa.Column("key", String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x4F544B524D  # the advisory lock `otkrito migrate` holds on PostgreSQL


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets readers (pages, feeds) go on while a publish commits.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def is_sqlite(url: str | None) -> bool:
    """Tell whether a catalog URL (None: the default in the instance) names SQLite."""
    return url is None or make_url(url).get_backend_name() == "sqlite"


def _utc_session(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Times come back in UTC whatever the server's TimeZone, as SQLite's do.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


# A NUL escape in JSON text: "\u0000" after an even number of backslashes (else it is text).
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _json(value: Any) -> str:
    """JSON for the catalog, without NUL characters (as Text): JSONB refuses them."""
    return _JSON_NUL.sub(r"\1", json.dumps(value))


def connect(url: str) -> Engine:
    """Create an engine for the catalog at `url`."""
    if is_sqlite(url):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, json_serializer=_json)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A catalog server restarts (upgrades, failover): a pooled connection may be dead. Checking
    # each one as it leaves the pool (one round trip) lets a node recover without a restart.
    engine = sa.create_engine(url, json_serializer=_json, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _utc_session)
    return engine


def _alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine, to: str | None = None) -> str:
    """Bring the catalog schema up to date, or up or down to revision `to`; return the revision.

    A catalog at a revision this code does not know (made by a newer version) is refused with
    NotReady before anything is changed, as is an unknown `to`.
    """
    from alembic import command

    config = _alembic_config()
    if to is not None and to not in known_revisions():
        raise InvalidInput("catalog.unknown-revision", revision=to[:40], known=", ".join(known_revisions()))
    with engine.connect() as connection, _foreign_keys_off_on_sqlite(connection), connection.begin():
        if connection.dialect.name == "postgresql":
            # Two deploys migrating at once: the second waits here, then finds nothing to do.
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
        current = _current_revision(connection)
        _refuse_newer(engine, current)
        config.attributes["connection"] = connection
        target = to or head_revision()
        if current is not None and target in _ancestors(current):
            command.downgrade(config, target)
        else:
            command.upgrade(config, target)
        apply_queue_schema(connection)  # the durable job queue, in the same database
    return target


@functools.cache
def _scripts():  # type: ignore[no-untyped-def]
    # Read once per process: every open of an SQLite catalog asks which revisions exist.
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


@contextmanager
def _foreign_keys_off_on_sqlite(connection: sa.Connection) -> Iterator[None]:
    """SQLite changes a table in batch mode by copying it and dropping the old one: with foreign
    keys enforced, dropping a table other rows refer to (datasets, releases) fails. They are off
    for the migration only (SQLite ignores the pragma inside a transaction: set before it)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()  # whatever the migration left open (nothing, when it committed)
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def known_revisions() -> list[str]:
    """Return every revision this code's migrations know, oldest first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def _ancestors(revision: str) -> set[str]:
    """The revisions strictly older than `revision` (those a downgrade from it can reach)."""
    return {script.revision for script in _scripts().walk_revisions(base="base", head=revision)} - {revision}


def _current_revision(connection: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _refuse_newer(engine: Engine, current: str | None) -> None:
    # Alembic would stop on such a catalog with "Can't locate revision" (a traceback); a newer
    # version of Otkrito made it, and only that version (or a restore) can go on with it.
    if current is not None and current not in known_revisions():
        raise NewerSchema("catalog.newer-schema", url=_shown(engine), current=current[:40], head=head_revision())


def head_revision() -> str:
    """Return the newest migration's revision."""
    return _scripts().get_current_head() or ""


def schema_revision(engine: Engine) -> str | None:
    """Return the revision the catalog's schema is at (None: never migrated).

    Raises NotReady, with the reason in both languages, when the catalog cannot be reached.
    """
    try:
        with engine.connect() as connection:
            return _current_revision(connection)
    except sa.exc.OperationalError as error:
        detail = str(error.orig or error).strip().splitlines()[0][:300]
        raise NotReady("catalog.unreachable", url=_shown(engine), detail=detail) from None


def require_current_schema(engine: Engine) -> None:
    """Refuse a catalog that cannot be reached or whose schema is not at the newest migration
    (older: run `otkrito migrate`; newer, made by a later version: install that version).

    Nodes sharing a server catalog never migrate it at start (`otkrito migrate` does, once per
    deploy): one started against another schema stops here, with a message saying so.
    """
    current, head = schema_revision(engine), head_revision()
    _refuse_newer(engine, current)
    if current != head:
        raise NotReady("catalog.not-migrated", url=_shown(engine), current=current or "-",
                       head=head)
    with engine.connect() as connection:
        if not has_queue_schema(connection):
            raise NotReady("jobs.queue-not-migrated", url=_shown(engine))


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


class bytewise(FunctionElement):  # noqa: N801 (used like a SQL function)
    """Order text by its characters' code points, as SQLite does, on every backend.

    PostgreSQL orders by the database's collation (ICU or libc: "а" before "Б", Cyrillic
    before Latin, hyphens ignored); `COLLATE "C"` gives SQLite's order there.
    """

    type = sa.Text()
    name = "bytewise"
    inherit_cache = True


@compiles(bytewise)
def _bytewise(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return compiler.process(element.clauses, **kw)


@compiles(bytewise, "postgresql")
def _bytewise_postgresql(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'
