"""The release database indexed batch by batch is the database indexed at once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from datasets.database import Loader, create_database, finish_database, open_database

WORDS = ["бюджет", "училище", "ремонт", "улица", "парк", "Бюджет", "détails"]


def _schema(key_type: str) -> dict:
    return {"fields": [{"name": "id", "type": key_type}, {"name": "name", "type": "string"},
                       {"name": "note", "type": "string"}, {"name": "amount", "type": "number"}],
            "primaryKey": ["id"]}


def _rows(key_type: str, count: int) -> list[list]:
    # keys out of order, so an integer key's rowids do not grow with the batches
    order = [(n * 7919) % count + 1 for n in range(count)]
    key = (lambda n: n) if key_type == "integer" else (lambda n: f"k{n}")
    return [[key(n), f"{WORDS[n % 7]} {n}", None if n % 5 == 0 else WORDS[(n * 3) % 7],
             n / 4] for n in order]


def _build(path: Path, key_type: str, rows: list[list], *, batch: int | None,
           pool: ThreadPoolExecutor | None = None) -> list:
    db = create_database(path, table="t", schema=_schema(key_type))
    if batch is None:
        with db.conn:
            db.conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
        finish_database(db, table="t", schema=_schema(key_type))
    else:
        with db.conn:
            loader = Loader(db, table="t", schema=_schema(key_type), executor=pool)
            for start in range(0, len(rows), batch):
                loader.insert(rows[start:start + batch])
            loader.wait()
        finish_database(db, table="t", schema=_schema(key_type), indexed=True)
    db = open_database(path)
    assert db.conn.execute("INSERT INTO t_fts (t_fts) VALUES ('integrity-check')")
    found = [db.conn.execute("SELECT rowid, * FROM t_fts WHERE t_fts MATCH ? ORDER BY rowid",
                             [word]).fetchall() for word in ("бюджет", "парк", "details", "1*")]
    found.append(db.conn.execute("SELECT * FROM t ORDER BY rowid").fetchall())
    found.append(db["t"].schema)
    db.conn.close()
    return found


@pytest.mark.parametrize("key_type", ["integer", "string"])
@pytest.mark.parametrize("threaded", [False, True])
def test_indexing_each_batch_gives_the_same_search_as_indexing_at_once(tmp_path, key_type,
                                                                         threaded) -> None:
    rows = _rows(key_type, 1000)
    once = _build(tmp_path / "once.db", key_type, rows, batch=None)
    with ThreadPoolExecutor(1) as pool:
        batched = _build(tmp_path / "batched.db", key_type, rows, batch=64,
                         pool=pool if threaded else None)
    assert batched == once
    assert len(once[0]) > 100


def test_repeated_keys_leave_a_whole_index_in_the_rejected_database(tmp_path) -> None:
    rows = _rows("integer", 300)
    rows += [[5, "бюджет повторен", "парк", 1.0]]  # ignored by the load, indexed by its batch
    db = create_database(tmp_path / "r.db", table="t", schema=_schema("integer"))
    with db.conn:
        loader = Loader(db, table="t", schema=_schema("integer"))
        for start in range(0, len(rows), 100):
            loader.insert(rows[start:start + 100])
    finish_database(db, table="t", schema=_schema("integer"), indexed=True)
    db = open_database(tmp_path / "r.db")
    db.conn.execute("INSERT INTO t_fts (t_fts) VALUES ('integrity-check')")
    assert db.conn.execute("SELECT count(*) FROM t_fts_docsize").fetchone()[0] == 300
