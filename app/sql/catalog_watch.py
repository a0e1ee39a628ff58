"""Tell cheaply whether the catalog may have changed since the last look.

The SQL API asks before every request whether the publish generation moved. Asking the
catalog each time is a query per request: about a tenth of the event loop's time under load
on SQLite, and a network round trip on a catalog server. Instead `version()` returns a number
that stays the same only while nothing was committed that could have moved the generation:

- SQLite: `PRAGMA data_version` on a connection of our own changes whenever any other
  connection, in any process, commits (microseconds, no query of the catalog);
- PostgreSQL: every publish generation bump sends `NOTIFY otkrito_generation` in its own
  transaction (datasets/catalog.py), delivered at commit to each node's listening connection.
  A thread here counts those. As a fallback it also polls the generation every second, so a
  lost notification delays a node by at most that; while its connection is down `version()`
  is None and the SQL API asks the catalog on each request, as before.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from urllib.parse import quote

from sqlalchemy.engine import Engine

from datasets.catalog import GENERATION_CHANNEL, generation

POLL_SECONDS = 1.0  # the fallback: how stale a node can be if a notification is lost
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)  # back-off while the catalog server is away

log = logging.getLogger(__name__)


class CatalogWatch:
    """`version()` stays the same only while no commit reaches the catalog; None: unknown."""

    def __init__(self, engine: Engine, *, poll_seconds: float = POLL_SECONDS) -> None:
        self._conn: sqlite3.Connection | None = None
        self._listener: _Listener | None = None
        path = engine.url.database
        if engine.url.get_backend_name() == "sqlite" and path and path != ":memory:":
            # Autocommit: the pragma must never leave a read transaction open on the catalog.
            self._conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True,
                                         check_same_thread=False, isolation_level=None)
        elif engine.dialect.name == "postgresql":
            self._listener = _Listener(engine, poll_seconds)

    def version(self) -> int | None:
        if self._conn is not None:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        if self._listener is not None:
            return self._listener.version()
        return None

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        if self._conn is not None:
            self._conn.close()


class _Listener:
    """A daemon thread holding one LISTEN connection to PostgreSQL (psycopg 3, autocommit)."""

    def __init__(self, engine: Engine, poll_seconds: float) -> None:
        # libpq takes the same URL without SQLAlchemy's "+psycopg" driver suffix.
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._engine = engine
        self._poll = poll_seconds
        self._count = 0
        self._connected = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="catalog-listen", daemon=True)
        self._thread.start()

    def version(self) -> int | None:
        return self._count if self._connected else None

    def stop(self) -> None:
        self._stopping.set()

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as error:  # noqa: BLE001 - the server restarts: listen again later
                self._connected = False
                if _gone(error):
                    # The database itself is gone (dropped, renamed): nothing to wait for. The
                    # SQL API asks the catalog on each request from now on, and says why there.
                    log.warning("Catalog notifications stopped: %s", type(error).__name__)
                    return
                log.warning("Catalog notifications interrupted (%s); retrying", type(error).__name__)
                self._stopping.wait(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])
                failures += 1

    def _listen(self) -> None:
        import psycopg

        with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {GENERATION_CHANNEL}")
            seen = generation(self._engine)
            # Anything may have been committed while no one listened: count it as a change.
            self._count += 1
            self._connected = True
            while not self._stopping.is_set():
                notified = False
                for _notice in conn.notifies(timeout=self._poll, stop_after=1):
                    notified = True
                if notified:
                    self._count += 1
                    continue
                current = generation(self._engine)  # the fallback poll, once a quiet second
                if current != seen:
                    seen = current
                    self._count += 1


def _gone(error: Exception) -> bool:
    """Whether the catalog database itself no longer exists (dropped or renamed).

    libpq reports a refused connection without an SQLSTATE, so this reads the server's message;
    on a server with translated messages it never matches and the thread keeps retrying every
    few seconds, which costs one connection attempt each time and nothing else.
    """
    return getattr(error, "sqlstate", None) == "3D000" or "does not exist" in str(error)
