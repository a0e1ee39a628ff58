"""The durable job queue's tables (procrastinate's), kept in the PostgreSQL catalog database.

The queue lives next to the catalog so that a job row and the catalog rows a job writes share
one database, one backup and one `otkrito migrate`. procrastinate ships its schema as one SQL
script for the installed version; it is applied once, when its jobs table is missing, inside the
transaction (and under the advisory lock) of the catalog's migration. The version is pinned in
setup.cfg: moving to another procrastinate release means applying its `sql/migrations` too.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

JOBS_TABLE = "procrastinate_jobs"


def has_queue_schema(connection: Connection) -> bool:
    """Tell whether the queue's tables exist (always True off PostgreSQL: no queue there)."""
    if connection.dialect.name != "postgresql":
        return True
    return connection.execute(sa.select(sa.func.to_regclass(JOBS_TABLE))).scalar() is not None


def apply_queue_schema(connection: Connection) -> bool:
    """Create the queue's tables unless they exist; return whether it created them."""
    if has_queue_schema(connection):
        return False
    from procrastinate.schema import SchemaManager

    # One script of many statements, in this migration's transaction. The driver reads % as a
    # placeholder, so each is doubled, as procrastinate's own apply_schema does.
    connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
    return True
