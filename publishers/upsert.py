"""Counters and once-only rows that two nodes may write at the same moment.

"UPDATE, and INSERT if no row was updated" loses under concurrency: two transactions both
update nothing, both insert, and the second fails on the primary key (PostgreSQL's READ
COMMITTED does not serialise them; SQLite only because it has one writer). INSERT ... ON
CONFLICT, which both backends have, settles it inside the database.
"""
from __future__ import annotations

from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def _insert(conn: Connection, table: sa.Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def add_to_count(conn: Connection, table: sa.Table, keys: Mapping[str, Any], number: int,
                 *, column: str = "count") -> None:
    """Add `number` to the row's count, creating the row with it when there is none."""
    statement = _insert(conn, table).values(**keys, **{column: number})
    conn.execute(statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + statement.excluded[column]}))


def insert_once(conn: Connection, table: sa.Table, values: Mapping[str, Any]) -> None:
    """Insert the row unless one with its primary key exists (then keep that one)."""
    conn.execute(_insert(conn, table).values(**values).on_conflict_do_nothing())
