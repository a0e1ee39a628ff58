"""Read a release's SQLite database for pages: the first rows, and grouped figures for charts."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

PREVIEW_ROWS = 10


@dataclass(frozen=True)
class Preview:
    """The first rows of a table, in column order."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def connect(path: Path) -> sqlite3.Connection:
    """Open a release database read-only (releases are immutable: no locking needed)."""
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def quote(identifier: str) -> str:
    """Quote an SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def first_rows(path: Path, table: str, *, limit: int = PREVIEW_ROWS) -> Preview:
    """Return the first rows of a release's table."""
    with closing(connect(path)) as db:
        cursor = db.execute(f"select * from {quote(table)} limit ?", (limit,))
        columns = tuple(d[0] for d in cursor.description)
        return Preview(columns, tuple(tuple(r) for r in cursor.fetchall()))


def query(path: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one read-only query on a release database."""
    with closing(connect(path)) as db:
        return [tuple(r) for r in db.execute(sql, tuple(params)).fetchall()]


def columns_of(path: Path, table: str) -> set[str]:
    """Return the column names of a release's table."""
    with closing(connect(path)) as db:
        return {r[1] for r in db.execute(f"pragma table_info({quote(table)})")}
