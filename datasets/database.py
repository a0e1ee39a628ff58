"""Build a release's SQLite database from its normalized CSV.

Tables are created with sqlite-utils (types, primary key, indexes, FTS5); rows are loaded
with one executemany per batch straight from the CSV because sqlite-utils' insert_all
re-inspects every row and is several times slower on million-row files.
"""
from __future__ import annotations

import csv
import json
import sqlite3
from concurrent.futures import Executor, Future
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlite_utils

SQL_TYPES = {"integer": int, "number": float, "boolean": int, "year": int}
BATCH = 10_000
BUILD_CACHE_KB = 64 * 1024  # page cache while building: bounded, whatever the rows
ANALYSIS_LIMIT = 1000  # rows ANALYZE samples per index: enough for the planner, not O(rows)
# unicode61 folds case for all of Unicode, so "бюджет" finds "БЮДЖЕТ" too.
FTS_TOKENIZER = "unicode61 remove_diacritics 2"


def _converter(field_type: str) -> Callable[[str], Any]:
    if field_type in ("integer", "year"):
        return int
    if field_type == "number":
        return float
    if field_type == "boolean":
        return lambda v: 1 if v == "true" else 0
    return str


def _typed_rows(csv_path: Path, fields: list[dict[str, Any]]) -> Iterator[list[Any]]:
    converters = [_converter(f.get("type", "string")) for f in fields]
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            yield [conv(v) if v != "" else None for conv, v in zip(converters, row)]


def _facet_columns(fields: list[dict[str, Any]], primary_key: list[str]) -> list[str]:
    """Columns people filter by: enums, dates, years, booleans (the key has its own index)."""
    out = []
    for field in fields:
        constraints = field.get("constraints", {})
        if field["name"] in primary_key[:1]:
            continue
        if "enum" in constraints or field.get("type") in ("date", "year", "boolean") \
                or field["name"] in ("year", "period"):
            out.append(field["name"])
    return out


def _text_columns(fields: list[dict[str, Any]]) -> list[str]:
    return [f["name"] for f in fields if f.get("type", "string") == "string"
            and "enum" not in f.get("constraints", {})]


def build_database(csv_path: Path, db_path: Path, *, table: str, schema: dict[str, Any],
                   on_progress: Callable[[int], None] | None = None) -> int:
    """Create db_path with one typed, indexed, full-text-searchable table; return its row count."""
    db = create_database(db_path, table=table, schema=schema)
    rows = _typed_rows(csv_path, schema["fields"])
    count = 0
    with db.conn:
        while batch := list(islice(rows, BATCH)):
            insert_rows(db, table, batch)
            count += len(batch)
            if on_progress:
                on_progress(count)
    finish_database(db, table=table, schema=schema)
    return count


def _primary_key(schema: dict[str, Any]) -> list[str]:
    key = schema.get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def create_database(db_path: Path, *, table: str, schema: dict[str, Any]) -> sqlite_utils.Database:
    """Create db_path with the schema's typed table, empty, and return it open for loading."""
    primary_key = _primary_key(schema)
    db = open_database(db_path)
    columns = {f["name"]: SQL_TYPES.get(f.get("type", "string"), str) for f in schema["fields"]}
    db[table].create(columns, pk=(primary_key[0] if len(primary_key) == 1 else tuple(primary_key))
                     if primary_key else None)
    return db


def open_database(db_path: Path) -> sqlite_utils.Database:
    """Open a database being built (its connection may be handed from thread to thread)."""
    db = sqlite_utils.Database(sqlite3.connect(db_path, check_same_thread=False))
    # The file is built under tmp/ and fsynced before the rename, so no journal is needed.
    db.conn.execute("PRAGMA journal_mode=OFF")
    db.conn.execute("PRAGMA synchronous=OFF")
    # Sorting a million keys for an index spills to temporary files with the default 2 MB.
    db.conn.execute(f"PRAGMA cache_size=-{BUILD_CACHE_KB}")
    return db


def insert_rows(db: sqlite_utils.Database, table: str, rows: list[list[Any]], *,
                ignore_repeated_keys: bool = False) -> None:
    """Insert one batch of typed rows (call inside a transaction).

    `ignore_repeated_keys` is for loading while checking: a repeated key is then reported by
    the checker, and the gate keeps that database from ever being published.
    """
    if rows:
        verb = "INSERT OR IGNORE" if ignore_repeated_keys else "INSERT"
        db.conn.executemany(f"{verb} INTO [{table}] VALUES ({', '.join('?' * len(rows[0]))})",
                            rows)


class Loader:
    """Load batches of typed rows and index each one for full-text search as it lands.

    Indexing a batch is one SQL statement that runs in SQLite, outside the GIL: given an
    executor, it runs there while this thread prepares the next batch. The connection is
    used by one thread at a time: each insert waits for the previous batch's indexing.
    """

    def __init__(self, db: sqlite_utils.Database, *, table: str, schema: dict[str, Any],
                 executor: Executor | None = None) -> None:
        self.db, self.table, self.executor = db, table, executor
        self.columns = _text_columns(schema["fields"])
        key = _primary_key(schema)
        types = {f["name"]: f.get("type", "string") for f in schema["fields"]}
        # An integer key is the rowid: a batch's rows are found by their keys. Otherwise
        # rowids are given in order, and a batch's rows are those after the last one before it.
        self.key = ([f["name"] for f in schema["fields"]].index(key[0])
                    if len(key) == 1 and types.get(key[0]) == "integer" else None)
        self.pending: Future[None] | None = None
        self.refused = 0  # rows the table did not take: a repeated key or an empty required cell
        if self.columns:
            db[table].enable_fts(self.columns, fts_version="FTS5", tokenize=FTS_TOKENIZER)
        names = ", ".join(f"[{c}]" for c in self.columns)
        where = ("rowid IN (SELECT value FROM json_each(?))" if self.key is not None
                 else "rowid > ?")
        self.index_sql = (f"INSERT INTO [{table}_fts] (rowid, {names}) "
                          f"SELECT rowid, {names} FROM [{table}] WHERE {where}")

    def insert(self, rows: list[list[Any]]) -> None:
        """Insert one batch (repeated keys ignored: the checker reports them) and index it."""
        if not rows:
            return
        self.wait()
        if self.key is not None:
            after: Any = json.dumps([row[self.key] for row in rows])
        else:
            after = self.db.conn.execute(f"SELECT coalesce(max(rowid), 0) FROM [{self.table}]"
                                         ).fetchone()[0]
        # No indexing runs meanwhile (waited for above): the changes are this batch's alone.
        before = self.db.conn.total_changes
        insert_rows(self.db, self.table, rows, ignore_repeated_keys=True)
        self.refused += len(rows) - (self.db.conn.total_changes - before)
        if not self.columns:
            return
        if self.executor is None:
            self._index(after)
        else:
            self.pending = self.executor.submit(self._index, after)

    def _index(self, after: Any) -> None:
        self.db.conn.execute(self.index_sql, (after,))

    def wait(self) -> None:
        """Wait for the last batch's indexing (and raise what it raised)."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()


def finish_database(db: sqlite_utils.Database, *, table: str, schema: dict[str, Any],
                    indexed: bool = False) -> None:
    """Index the loaded table for filters and full-text search, analyze it and close it.

    `indexed`: the FTS index was filled batch by batch (Loader). It is rebuilt if it does
    not hold exactly one entry per row, which only a rejected upload with repeated keys
    can cause: a published database's index is always whole.
    """
    fields = schema["fields"]
    for column in _facet_columns(fields, _primary_key(schema)):
        db[table].create_index([column], find_unique_name=True)
    text_columns = _text_columns(fields)
    if text_columns and not indexed:
        db[table].enable_fts(text_columns, fts_version="FTS5", tokenize=FTS_TOKENIZER)
    elif text_columns:
        entries = db.conn.execute(f"SELECT count(*) FROM [{table}_fts_docsize]").fetchone()[0]
        if entries != db.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]:
            with db.conn:
                db.conn.execute(f"INSERT INTO [{table}_fts] ([{table}_fts]) VALUES ('rebuild')")
    db.conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    db.conn.execute("ANALYZE")
    db.conn.close()


def check_database(db_path: Path) -> None:
    """Raise sqlite3.DatabaseError unless the file is a sound SQLite database."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        conn.close()
    if result != "ok":
        raise sqlite3.DatabaseError(result)
