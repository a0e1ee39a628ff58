"""One run per harvest source at a time, on any node that shares the catalog.

Two runs of one source would each create the datasets the other has not committed yet, and
each withdraw what the other has not seen. On PostgreSQL every node shares the catalog, so the
lock is a session advisory lock there; on SQLite the catalog is one file on one machine, so a
flock on a file beside it excludes every process that uses that catalog. Both end with their
holder, even a killed one, so a crashed run never leaves a source locked. A second run does
not wait: the one under way does the work, and waiting for it would only repeat it.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from metadata.errors import Conflict

# The key space of harvest sources' advisory locks (pg_advisory_lock(space, source id)): "OTKH".
_LOCK_SPACE = 0x4F544B48


def _sqlite_lock_path(engine: Engine, source_id: int) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None  # a catalog in memory belongs to one process: no other run can reach it
    return Path(database).with_name(f"{Path(database).name}.harvest-{source_id}.lock")


@contextmanager
def harvest_lock(engine: Engine, source_id: int) -> Iterator[None]:
    """Hold the source's run lock for the block, or raise Conflict when a run of it is under way."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(sa.select(sa.func.pg_try_advisory_lock(_LOCK_SPACE, source_id))).scalar():
                raise Conflict("harvest.run-under-way", id=source_id)
            try:
                yield
            finally:
                try:
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(_LOCK_SPACE, source_id)))
                except sa.exc.DBAPIError:  # the session is gone, and its lock with it
                    conn.invalidate()
        return
    path = _sqlite_lock_path(engine, source_id)
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict("harvest.run-under-way", id=source_id) from None
        yield
    finally:
        os.close(fd)
