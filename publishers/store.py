"""The catalog store: SQLAlchemy Core tables, the engine, and migrations.

Every table of the catalog is declared here once so that the packages sharing the store
(publishers, datasets) use the same definitions and migrations see one schema.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

catalog = sa.MetaData()

publishers = sa.Table(
    "publishers", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("name_bg", sa.Text, nullable=False),
    sa.Column("name_en", sa.Text),
    sa.Column("homepage", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("logo", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

datasets = sa.Table(
    "datasets", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("publisher_id", sa.Integer, sa.ForeignKey("publishers.id"), nullable=False),
    sa.Column("title_bg", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text),
    sa.Column("description_bg", sa.Text, nullable=False, server_default=""),
    sa.Column("description_en", sa.Text),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("keywords", sa.JSON, nullable=False),
    sa.Column("licence", sa.String(40), nullable=False),
    sa.Column("frequency", sa.String(20), nullable=False),
    sa.Column("temporal_start", sa.String(10)),
    sa.Column("temporal_end", sa.String(10)),
    sa.Column("spatial", sa.Text),
    sa.Column("contact_name", sa.Text),
    sa.Column("contact_email", sa.Text),
    sa.Column("profile", sa.String(20)),
    sa.Column("table_schema", sa.JSON),
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
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("status", sa.String(12), nullable=False, server_default="published"),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
    sa.Column("withdrawn_reason", sa.Text),
    sa.UniqueConstraint("dataset_id", "version", name="uq_release_version"),
)

audit_events = sa.Table(
    "audit_events", catalog,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
)

# A single counter bumped by every change that alters what is published, so that each
# server worker can tell cheaply whether its view of the releases is stale.
state = sa.Table(
    "state", catalog,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets readers (pages, feeds) go on while a publish commits.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def connect(url: str) -> Engine:
    """Create an engine for the catalog at `url`."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url)


def migrate(engine: Engine) -> None:
    """Bring the catalog schema up to date (alembic, programmatic)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
