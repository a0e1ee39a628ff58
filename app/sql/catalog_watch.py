"""Tell cheaply whether the catalog may have changed since the last look.

The SQL API asks before every request whether the publish generation moved. On SQLite,
`PRAGMA data_version` on a connection of our own changes whenever any other connection, in
any process, commits: one pragma (microseconds) instead of a SQLAlchemy query per request,
which was about a tenth of the event loop's time under load. Other databases (PostgreSQL) have
no such counter: `version()` is None and the SQL API asks for the publish generation itself.
"""
from __future__ import annotations

import sqlite3
from urllib.parse import quote

from sqlalchemy.engine import Engine


class CatalogWatch:
    """`version()` stays the same only while no commit reaches the catalog; None: unknown."""

    def __init__(self, engine: Engine) -> None:
        self._conn: sqlite3.Connection | None = None
        path = engine.url.database
        if engine.url.get_backend_name() == "sqlite" and path and path != ":memory:":
            # Autocommit: the pragma must never leave a read transaction open on the catalog.
            self._conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True,
                                         check_same_thread=False, isolation_level=None)

    def version(self) -> int | None:
        if self._conn is None:
            return None
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
