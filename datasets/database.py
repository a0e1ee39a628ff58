"""Build a release's SQLite database from its normalized CSV.

Tables are created with sqlite-utils (types, primary key, indexes, FTS5); rows are loaded
with one executemany per batch straight from the CSV because sqlite-utils' insert_all
re-inspects every row and is several times slower on million-row files.
"""
from __future__ import annotations

import csv
import sqlite3
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

import sqlite_utils

SQL_TYPES = {"integer": int, "number": float, "boolean": int, "year": int}
BATCH = 10_000
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
    fields = schema["fields"]
    primary_key = list(schema.get("primaryKey") or [])
    if isinstance(schema.get("primaryKey"), str):
        primary_key = [schema["primaryKey"]]
    db = sqlite_utils.Database(db_path)
    # The file is built under tmp/ and fsynced before the rename, so no journal is needed.
    db.conn.execute("PRAGMA journal_mode=OFF")
    db.conn.execute("PRAGMA synchronous=OFF")
    columns = {f["name"]: SQL_TYPES.get(f.get("type", "string"), str) for f in fields}
    db[table].create(columns, pk=(primary_key[0] if len(primary_key) == 1 else tuple(primary_key))
                     if primary_key else None)
    placeholders = ", ".join("?" for _ in fields)
    sql = f"INSERT INTO [{table}] VALUES ({placeholders})"
    rows = _typed_rows(csv_path, fields)
    count = 0
    with db.conn:
        while batch := list(islice(rows, BATCH)):
            db.conn.executemany(sql, batch)
            count += len(batch)
            if on_progress:
                on_progress(count)
    for column in _facet_columns(fields, primary_key):
        db[table].create_index([column], find_unique_name=True)
    text_columns = _text_columns(fields)
    if text_columns:
        db[table].enable_fts(text_columns, fts_version="FTS5", tokenize=FTS_TOKENIZER)
    db.conn.execute("ANALYZE")
    db.conn.close()
    return count


def check_database(db_path: Path) -> None:
    """Raise sqlite3.DatabaseError unless the file is a sound SQLite database."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        conn.close()
    if result != "ok":
        raise sqlite3.DatabaseError(result)
