"""Check rows against a Table Schema in one streaming pass, as frictionless would, but fast.

Frictionless stays the definition of validity. Each field gets a fast reader that accepts only
cells it can prove valid (type and every constraint, by the same rules frictionless applies);
any other cell, and any ragged or blank row, goes through frictionless's own `Row`, so every
reported error is frictionless's own error object in frictionless's order. Uniqueness and
primary keys are checked afterwards in a temporary on-disk SQLite database (constant memory)
rather than frictionless's dict of every key seen. When the rows are loaded into a table whose
own PRIMARY KEY refuses repeats, the primary key is not remembered at all: `keys_in_doubt`
tells whether the table refused any row, and only then is the file checked again exactly.
Schemas this module cannot check exactly (foreign keys, a header that is not the field names,
keys of types without an exact SQL equality) are left to frictionless: `supports` says so.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from frictionless import Schema, errors
from frictionless.table import Row, create_cell_handlers

from datasets.cells import UNSURE, compile_row, sql_value

BATCH = 10_000
_KEY_TYPES = frozenset({"integer", "year", "boolean", "string", "date"})


@dataclass(frozen=True)
class Checked:
    """What a check found: the first `limit` errors in frictionless's order, and counts."""

    errors: tuple[Any, ...]  # frictionless Error objects, row numbers in the upload's numbering
    error_count: int
    row_count: int


def supports(schema: Schema, labels: Sequence[str]) -> bool:
    """Tell whether this module checks `schema` exactly for a file with these header labels."""
    names = [f.name for f in schema.fields]
    if list(labels) != names or len(set(names)) != len(names) or schema.foreign_keys:
        return False
    keyed = set(schema.primary_key) | {f.name for f in schema.fields
                                       if f.constraints.get("unique")}
    return all(schema.get_field(name).type in _KEY_TYPES for name in keyed)


class Checker:
    """Check rows one by one; `row()` returns the row's typed values for SQLite."""

    def __init__(self, schema: Schema, *, limit: int = 1000,
                 table_keeps_key: bool = False) -> None:
        self.schema = schema
        self.limit = limit
        self.fields = list(schema.fields)
        self.width = len(self.fields)
        self.fast_row = compile_row(self.fields)
        self.to_sql = [(i, sql_value(f)) for i, f in enumerate(self.fields)
                       if f.type not in ("integer", "year", "string")]
        self.handlers = create_cell_handlers(self.fields)
        index = {f.name: i for i, f in enumerate(self.fields)}
        self.unique = [index[f.name] for f in self.fields if f.constraints.get("unique")]
        self.primary = [index[name] for name in schema.primary_key]
        # frictionless reads the unique and key cells of a row first, so their errors come first
        self.early = list(dict.fromkeys([self.fields[i].name for i in self.unique + self.primary]))
        # Remembering a million keys and sorting them was a sixth of a publish's time.
        self.key_in_table = table_keeps_key and bool(self.primary)
        self.unkeyed = False  # a row had an empty key cell, which SQLite's key does not refuse
        own = [self.primary] if self.primary and not self.key_in_table else []
        self._single_key = self.primary[0] if len(self.primary) == 1 else None
        self.keys = [[i] for i in self.unique] + own
        self.listed: list[tuple[int, int, Any]] = []
        self.error_count = 0
        self.row_count = 0
        self._pending: list[list[tuple[Any, ...]]] = [[] for _ in self.keys]
        self._db = sqlite3.connect("") if self.keys else None  # private, on disk, self-deleting
        if self._db is not None:
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            for k, columns in enumerate(self.keys):
                names = ", ".join(f"v{c}, r{c}" for c in range(len(columns)))
                self._db.execute(f"CREATE TABLE k{k} (row INTEGER, src INTEGER, {names})")

    def row(self, cells: list[str], source: int | None = None) -> list[Any]:
        """Check one data row (the next in the file); return its values for SQLite."""
        self.row_count += 1
        number = self.row_count + 1  # frictionless's row number: the header is row 1
        source = number if source is None else source
        try:
            values = self.fast_row(cells)
        except UNSURE:
            padded = (cells + [""] * self.width)[: self.width]
            values = self._slow_row(cells, padded, number, source)
            cells = padded
        if self.keys:
            self._remember(values, cells, number, source)
        if self.key_in_table and not self.unkeyed:
            key = self._single_key
            self.unkeyed = values[key] is None if key is not None \
                else None in [values[i] for i in self.primary]
        return values

    def keys_in_doubt(self, refused: int) -> bool:
        """With the key left to the table: tell whether repeated keys may have gone unreported.

        `refused` is how many rows the table did not take (INSERT OR IGNORE). Only then, or
        after an empty key cell, can frictionless report a key error this check did not.
        """
        return self.key_in_table and (refused > 0 or self.unkeyed)

    def _slow_row(self, cells: list[str], padded: list[str], number: int,
                  source: int) -> list[Any]:
        # frictionless sees the row as it is (ragged rows are its errors); SQL values take
        # each field's own cell, "" where the row is short.
        row = Row(cells, handlers=self.handlers, row_number=source)
        for name in self.early:
            row[name]  # noqa: B018 -- read in frictionless's order, errors and all
        for error in row.errors:
            self._add(number, 0, error)
        values = [row[f.name] for f in self.fields]
        for i, sql in self.to_sql:
            values[i] = sql(values[i], padded[i])
        return values

    def _add(self, number: int, phase: int, error: Any) -> None:
        self.error_count += 1
        if len(self.listed) < self.limit:
            self.listed.append((number, phase, error))

    def _remember(self, values: list[Any], cells: list[str], number: int, source: int) -> None:
        # `values` are SQL values: for every key type they are what _key_value makes of the
        # typed value (booleans 0/1, dates ISO text), so SQL equality is frictionless's.
        for k, columns in enumerate(self.keys):
            if len(columns) == 1:
                value = values[columns[0]]
                if value.__class__ is int or value.__class__ is str:  # the usual key
                    pending = self._pending[k]
                    pending.append((number, source, value, cells[columns[0]]))
                    if len(pending) >= BATCH:
                        self._flush(k)
                    continue
            key = [_key_value(values[c]) for c in columns]
            if all(v is None for v in key):
                if k == len(self.unique):  # the primary key: frictionless flags an empty one
                    note = 'cells composing the primary keys are all "None"'
                    self._add(number, 1 + k, errors.PrimaryKeyError(
                        note=note, cells=_strings(cells), row_number=source))
                continue
            raws = [cells[c] if c < len(cells) else "" for c in columns]
            pending = self._pending[k]
            pending.append((number, source, *[x for pair in zip(key, raws) for x in pair]))
            if len(pending) >= BATCH:
                self._flush(k)

    def _flush(self, k: int) -> None:
        assert self._db is not None
        pending = self._pending[k]
        if pending:
            marks = ", ".join("?" * len(pending[0]))
            self._db.executemany(f"INSERT INTO k{k} VALUES ({marks})", pending)
            pending.clear()

    def finish(self) -> Checked:
        """Find repeated unique values and keys; return the errors in frictionless's order."""
        if self._db is not None:
            for k in range(len(self.keys)):
                self._flush(k)
            for k, columns in enumerate(self.keys):
                self._repeats(k, columns)
            self._db.close()
            self._db = None
        self.listed.sort(key=lambda item: (item[0], item[1]))
        return Checked(tuple(e for _, _, e in self.listed[: self.limit]), self.error_count,
                       self.row_count)

    def _repeats(self, k: int, columns: list[int]) -> None:
        assert self._db is not None
        values = ", ".join(f"v{c}" for c in range(len(columns)))
        raws = ", ".join(f"r{c}" for c in range(len(columns)))
        query = (f"SELECT row, src, prev, {raws} FROM (SELECT row, src, {raws}, LAG(src) OVER "
                 f"(PARTITION BY {values} ORDER BY row) AS prev FROM k{k}) "
                 "WHERE prev IS NOT NULL ORDER BY row")
        primary = k == len(self.unique)
        for number, source, previous, *raw in self._db.execute(query):
            note = f"the same as in the row at position {previous}"
            cells = [""] * self.width
            for c, text in zip(columns, raw):
                cells[c] = text
            if primary:
                error = errors.PrimaryKeyError(note=note, cells=cells, row_number=source)
            else:
                field = self.fields[columns[0]]
                error = errors.UniqueError(note=note, cells=cells, row_number=source,
                                           cell=raw[0], field_name=field.name,
                                           field_number=columns[0] + 1)
            self._add(number, 1 + k, error)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _strings(cells: list[Any]) -> list[str]:
    return ["" if c is None else str(c) for c in cells]


def _key_value(value: Any) -> Any:
    """The SQLite value whose equality is frictionless's equality of typed cells."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
