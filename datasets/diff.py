"""Compare two releases of a dataset: rows added, removed and changed, and schema changes.

Both release databases are ATTACHed read-only to a scratch SQLite connection and compared with
SQL (EXCEPT, JOIN on the primary key), so SQLite's temporary b-trees (kept on disk: temp_store=FILE) do the work and
memory stays bounded whatever the size of the releases. Without a usable primary key (none
declared, a key column missing on one side, or duplicate key values) rows are compared as a
multiset of row hashes over the columns both releases share.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import metadata.messages_participation  # noqa: F401 (registers the message ids)
from datasets.storage import release_key
from metadata import errors
from metadata.errors import OtkritoError
from metadata.messages import Text

SAMPLE = 100
CACHE_PAGES = 2000  # about 8 MB of page cache per scratch connection, whatever the sizes


@dataclass(frozen=True)
class Column:
    """A column of a release table: its name and SQLite type."""

    name: str
    type: str


@dataclass(frozen=True)
class SchemaChange:
    """Columns added, removed and retyped between two releases."""

    added: tuple[Column, ...] = ()
    removed: tuple[Column, ...] = ()
    retyped: tuple[tuple[str, str, str], ...] = ()  # (column, old type, new type)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.retyped)


@dataclass(frozen=True)
class Change:
    """A row present in both releases under one key, with the values that differ."""

    key: dict[str, Any]
    values: dict[str, tuple[Any, Any]]  # column -> (old, new)


@dataclass(frozen=True)
class Diff:
    """What changed between two releases (counts exact, rows a sample of at most `limit`)."""

    method: str  # "key" or "row-hash"
    key: tuple[str, ...]
    reason: str  # why row-hash was used: "", "no-key", "key-missing", "duplicate-keys"
    schema: SchemaChange
    old_rows: int
    new_rows: int
    added: int
    removed: int
    changed: int
    duplicate_keys: tuple[int, int] = (0, 0)  # key values that occur more than once, old/new
    added_rows: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    removed_rows: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    changed_rows: tuple[Change, ...] = field(default=(), compare=False)

    def to_json(self) -> dict[str, Any]:
        """Return the diff as plain JSON values."""
        body = asdict(self)
        body["changed_rows"] = [{"key": c.key, "values": {k: {"old": o, "new": n}
                                                          for k, (o, n) in c.values.items()}}
                                for c in self.changed_rows]
        return body


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[Column]:
    rows = conn.execute(f"PRAGMA {schema}.table_info({_quote(table)})").fetchall()
    return [Column(r[1], (r[2] or "").upper()) for r in rows]


def compare_schema(old: Sequence[Column], new: Sequence[Column]) -> SchemaChange:
    """Return the columns added, removed and retyped."""
    before, after = {c.name: c for c in old}, {c.name: c for c in new}
    return SchemaChange(
        added=tuple(c for c in new if c.name not in before),
        removed=tuple(c for c in old if c.name not in after),
        retyped=tuple((c.name, before[c.name].type, c.type) for c in new
                      if c.name in before and before[c.name].type != c.type))


def _row_hash(*values: Any) -> str:
    # JSON keeps types apart (1 vs "1" vs 1.0 vs null), which a plain join would not.
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, default=str).encode()).hexdigest()


def _scratch(old_db: Path, new_db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA temp_store = FILE")
    conn.execute(f"PRAGMA cache_size = {CACHE_PAGES}")
    for alias, path in (("old", old_db), ("new", new_db)):
        conn.execute(f"ATTACH DATABASE ? AS {alias}", (f"file:{Path(path).resolve()}?mode=ro",))
        conn.execute(f"PRAGMA {alias}.cache_size = {CACHE_PAGES}")
    conn.create_function("row_hash", -1, _row_hash, deterministic=True)
    return conn


def _dicts(cursor: sqlite3.Cursor) -> tuple[dict[str, Any], ...]:
    names = [d[0] for d in cursor.description]
    return tuple(dict(zip(names, row)) for row in cursor.fetchall())


def _duplicates(conn: sqlite3.Connection, schema: str, table: str, key: Sequence[str]) -> int:
    cols = ", ".join(_quote(k) for k in key)
    return conn.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {schema}.{_quote(table)} "
                        f"GROUP BY {cols} HAVING COUNT(*) > 1)").fetchone()[0]


def _count(conn: sqlite3.Connection, schema: str, table: str) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM {schema}.{_quote(table)}").fetchone()[0]


def _by_key(conn: sqlite3.Connection, table: str, key: Sequence[str], common: Sequence[str],
            limit: int) -> tuple[int, int, int, tuple[Any, ...], tuple[Any, ...], tuple[Change, ...]]:
    t = _quote(table)
    keys = ", ".join(_quote(k) for k in key)
    on = " AND ".join(f"o.{_quote(k)} IS n.{_quote(k)}" for k in key)
    # Keys only new / only old: EXCEPT over the key columns, then the full rows for a sample.
    added = conn.execute(f"SELECT COUNT(*) FROM (SELECT {keys} FROM new.{t} EXCEPT "
                         f"SELECT {keys} FROM old.{t})").fetchone()[0]
    removed = conn.execute(f"SELECT COUNT(*) FROM (SELECT {keys} FROM old.{t} EXCEPT "
                           f"SELECT {keys} FROM new.{t})").fetchone()[0]
    only = ("SELECT x.* FROM {a}.{t} AS x WHERE NOT EXISTS (SELECT 1 FROM {b}.{t} AS y WHERE "
            + " AND ".join(f"y.{_quote(k)} IS x.{_quote(k)}" for k in key) + ") LIMIT ?")
    added_rows = _dicts(conn.execute(only.format(a="new", b="old", t=t), (limit,)))
    removed_rows = _dicts(conn.execute(only.format(a="old", b="new", t=t), (limit,)))
    values = [c for c in common if c not in key]
    if not values:
        return added, removed, 0, added_rows, removed_rows, ()
    differs = " OR ".join(f"o.{_quote(c)} IS NOT n.{_quote(c)}" for c in values)
    joined = f"FROM old.{t} AS o JOIN new.{t} AS n ON {on} WHERE {differs}"
    changed = conn.execute(f"SELECT COUNT(*) {joined}").fetchone()[0]
    picked = ", ".join([f"o.{_quote(k)}" for k in key] + [f"o.{_quote(c)}" for c in values]
                       + [f"n.{_quote(c)}" for c in values])
    changes = []
    for row in conn.execute(f"SELECT {picked} {joined} LIMIT ?", (limit,)):
        old_values, new_values = row[len(key):len(key) + len(values)], row[len(key) + len(values):]
        changes.append(Change(dict(zip(key, row[:len(key)])),
                              {c: (o, n) for c, o, n in zip(values, old_values, new_values)
                               if o != n}))
    return added, removed, changed, added_rows, removed_rows, tuple(changes)


def _by_hash(conn: sqlite3.Connection, table: str, common: Sequence[str],
             limit: int) -> tuple[int, int, tuple[Any, ...], tuple[Any, ...]]:
    t = _quote(table)
    cols = ", ".join(_quote(c) for c in common) or "NULL"
    for alias in ("old", "new"):
        conn.execute(f"CREATE TEMP TABLE h_{alias} AS SELECT row_hash({cols}) AS h, COUNT(*) AS n "
                     f"FROM {alias}.{t} GROUP BY 1")
        conn.execute(f"CREATE UNIQUE INDEX temp.h_{alias}_h ON h_{alias}(h)")
    surplus = ("SELECT COALESCE(SUM(a.n - COALESCE(b.n, 0)), 0) FROM h_{a} AS a "
               "LEFT JOIN h_{b} AS b ON a.h = b.h WHERE a.n > COALESCE(b.n, 0)")
    added = conn.execute(surplus.format(a="new", b="old")).fetchone()[0]
    removed = conn.execute(surplus.format(a="old", b="new")).fetchone()[0]
    sample = (f"SELECT {cols} FROM {{a}}.{t} WHERE row_hash({cols}) IN (SELECT a.h FROM h_{{a}} AS a "
              f"LEFT JOIN h_{{b}} AS b ON a.h = b.h WHERE a.n > COALESCE(b.n, 0)) LIMIT ?")
    added_rows = _dicts(conn.execute(sample.format(a="new", b="old"), (limit,)))
    removed_rows = _dicts(conn.execute(sample.format(a="old", b="new"), (limit,)))
    return added, removed, added_rows, removed_rows


def compare(old_db: Path, new_db: Path, *, table: str, key: Sequence[str] = (),
            limit: int = SAMPLE) -> Diff:
    """Compare the table in two release databases by primary key, or by row hash without one."""
    conn = _scratch(old_db, new_db)
    try:
        old_cols, new_cols = _columns(conn, "old", table), _columns(conn, "new", table)
        schema = compare_schema(old_cols, new_cols)
        names_new = {c.name for c in new_cols}
        common = [c.name for c in old_cols if c.name in names_new]
        key = tuple(key)
        reason = "" if key else "no-key"
        dupes = (0, 0)
        if key and not set(key) <= set(common):
            reason = "key-missing"
        elif key:
            dupes = (_duplicates(conn, "old", table, key), _duplicates(conn, "new", table, key))
            reason = "duplicate-keys" if any(dupes) else ""
        counts = (_count(conn, "old", table), _count(conn, "new", table))
        if not reason:
            added, removed, changed, plus, minus, changes = _by_key(conn, table, key, common, limit)
            return Diff("key", key, "", schema, *counts, added, removed, changed, dupes,
                        plus, minus, changes)
        added, removed, plus, minus = _by_hash(conn, table, common, limit)
        return Diff("row-hash", key, reason, schema, *counts, added, removed, 0, dupes, plus, minus)
    finally:
        conn.close()


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def summary(diff: Diff) -> Text:
    """Say in one line what changed: "+12 rows, 3 changed" (bg and en)."""
    bg: list[str] = []
    en: list[str] = []
    if diff.added:
        bg.append(f"+{diff.added} {_plural(diff.added, 'ред', 'реда')}")
        en.append(f"+{diff.added} {_plural(diff.added, 'row', 'rows')}")
    if diff.removed:
        bg.append(f"−{diff.removed} {_plural(diff.removed, 'ред', 'реда')}")
        en.append(f"−{diff.removed} {_plural(diff.removed, 'row', 'rows')}")
    if diff.changed:
        bg.append(f"{diff.changed} {_plural(diff.changed, 'променен', 'променени')}")
        en.append(f"{diff.changed} changed")
    columns = len(diff.schema.added) + len(diff.schema.removed) + len(diff.schema.retyped)
    if columns:
        bg.append(f"{columns} {_plural(columns, 'промяна', 'промени')} в колоните")
        en.append(f"{columns} column {_plural(columns, 'change', 'changes')}")
    if not en:
        return Text("без промени", "no changes")
    return Text(", ".join(bg), ", ".join(en))



def from_json(body: dict[str, Any]) -> Diff:
    """Rebuild a diff from what to_json returned."""
    schema = body["schema"]
    return Diff(
        body["method"], tuple(body["key"]), body["reason"],
        SchemaChange(tuple(Column(**c) for c in schema["added"]),
                     tuple(Column(**c) for c in schema["removed"]),
                     tuple(tuple(r) for r in schema["retyped"])),  # type: ignore[misc]
        body["old_rows"], body["new_rows"], body["added"], body["removed"], body["changed"],
        tuple(body["duplicate_keys"]),  # type: ignore[arg-type]
        tuple(body["added_rows"]), tuple(body["removed_rows"]),
        tuple(Change(c["key"], {k: (v["old"], v["new"]) for k, v in c["values"].items()})
              for c in body["changed_rows"]))


def primary_key(schema: dict[str, Any] | None) -> tuple[str, ...]:
    """Return the Table Schema's primary key as a tuple of field names."""
    found = (schema or {}).get("primaryKey") or ()
    return (found,) if isinstance(found, str) else tuple(found)


def compare_releases(instance: Any, engine: Any, slug: str, old: int, new: int, *,
                     limit: int = SAMPLE) -> Diff:
    """Compare two published releases of a dataset; releases never change, so keep the result."""
    from datasets import catalog, withdraw

    dataset = catalog.get_dataset(engine, slug)
    if old == new:
        raise errors.InvalidInput("diff.bad-versions")
    paths = []
    for version in (old, new):
        release = catalog.get_release(engine, dataset, version)
        record = release.file("sqlite")
        if release.status != "published" or record is None:
            raise errors.InvalidInput("diff.no-database", slug=slug, version=version)
        # A local path: with object storage, fetched into the cache and checked first.
        paths.append(instance.storage.fetch(release_key(slug, version, record.name), record.sha256))
    cache = instance.diff_dir(slug) / f"{old}-{new}-{limit}.json"
    if cache.is_file():
        return from_json(json.loads(cache.read_text(encoding="utf-8")))
    diff = compare(paths[0], paths[1], table=dataset.table_name,
                   key=primary_key(dataset.table_schema), limit=limit)
    _keep(cache, diff)
    # The comparison holds rows of both releases: it stays only while both are published.
    gone = withdraw.discard_if_withdrawn(instance, engine, slug, (old, new))
    if gone:
        raise errors.InvalidInput("diff.no-database", slug=slug, version=gone[0])
    return diff


def _keep(cache: Path, diff: Diff) -> None:
    """Write the comparison to the cache with one rename (a unique partial name per writer)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=cache.parent, prefix=cache.stem + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(diff.to_json(), out, ensure_ascii=False, default=str)
        os.replace(partial, cache)
    except FileNotFoundError:
        pass  # a withdrawal removed the partial file meanwhile: the caller finds out
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def release_summary(instance: Any, engine: Any, slug: str, version: int) -> Text | None:
    """Return the one-line change summary of a release against the previous published one.

    None for a first release, or when either release has no database to compare.
    """
    from datasets import catalog

    dataset = catalog.get_dataset(engine, slug)
    earlier = [r.version for r in catalog.list_releases(engine, dataset.id)
               if r.status == "published" and r.version < version]
    if not earlier:
        return None
    try:
        return summary(compare_releases(instance, engine, slug, max(earlier), version))
    except (OtkritoError, sqlite3.Error):
        return None
