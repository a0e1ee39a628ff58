"""A PostgreSQL catalog in a backup: pg_dump in the custom format, read back by pg_restore.

The password goes to the child process in PGPASSWORD, never on its command line (where `ps`
shows it) and never in a message.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from metadata.errors import OtkritoError
from publishers.store import connect

T = TypeVar("T")
BIN = Path("/usr/lib/postgresql/15/bin")  # Debian 12's PostgreSQL, when it is not in PATH


class PostgresToolFailed(OtkritoError):
    """pg_dump or pg_restore is missing or refused; nothing was recorded as done."""


def _tool(name: str) -> str:
    found = shutil.which(name) or (str(BIN / name) if os.access(BIN / name, os.X_OK) else None)
    if found is None:
        raise PostgresToolFailed("backup.pg-tool-missing", tool=name)
    return found


def _env(url: str) -> dict[str, str]:
    parsed = make_url(url)
    env = {**os.environ, "PGDATABASE": parsed.database or "", "PGCONNECT_TIMEOUT": "30"}
    for variable, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                            ("PGPASSWORD", parsed.password)):
        if value is not None:
            env[variable] = str(value)
    return env


def _said(done: subprocess.CompletedProcess[str], url: str) -> str:
    password = make_url(url).password
    text = (done.stderr or "").strip().splitlines()
    said = " ".join(text[-3:])[:500]
    return said.replace(password, "***") if password else said


def dump(url: str, target: Path, listed: Callable[[Connection], T]) -> T:
    """pg_dump the catalog into target and return listed(conn), both from one snapshot.

    The transaction exports its snapshot and pg_dump reads with it (--snapshot), so the dump and
    the list of release files to copy see exactly the same committed state.
    """
    tool = _tool("pg_dump")
    partial = target.with_name(".part-" + target.name)
    engine = connect(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            done = subprocess.run([tool, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                                   f"--file={partial}"], env=_env(url), capture_output=True, text=True)
            if done.returncode != 0:
                partial.unlink(missing_ok=True)
                said = _said(done, url)
                if "version mismatch" in said:
                    raise PostgresToolFailed("backup.pg-dump-too-old", tool=tool, said=said)
                if "No space left" in said:
                    raise OSError(28, "No space left on device")
                raise PostgresToolFailed("backup.pg-dump-failed", said=said)
            result = listed(conn)
    finally:
        engine.dispose()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return result


def is_empty(url: str) -> bool:
    """Tell whether the database holds no table, view or sequence of its own."""
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return not conn.execute(sa.text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg_toast%' AND c.relkind IN ('r', 'v', 'S', 'm', 'p')")).scalar_one()
    finally:
        engine.dispose()


def load(url: str, dump_file: Path) -> None:
    """pg_restore a dump into an (empty) database, stopping at the first error."""
    tool = _tool("pg_restore")
    done = subprocess.run([tool, "--no-password", "--no-owner", "--no-privileges", "--exit-on-error",
                           f"--dbname={make_url(url).database}", str(dump_file)],
                          env=_env(url), capture_output=True, text=True)
    if done.returncode != 0:
        raise PostgresToolFailed("restore.pg-restore-failed", said=_said(done, url))
