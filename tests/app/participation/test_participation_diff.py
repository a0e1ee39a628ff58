"""Release comparison on two SQLite files: by primary key, by row hash, schema changes, summaries."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Callable

import pytest

from app.state import Portal
from datasets.diff import Change, Column, compare, compare_releases, release_summary, summary
from datasets import catalog
from metadata.errors import InvalidInput

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)


def db(path: Path, rows: list[dict[str, Any]], *, columns: str = "id INTEGER PRIMARY KEY, name TEXT, amount REAL") -> Path:
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE t ({columns})")
    for row in rows:
        names = ", ".join(row)
        conn.execute(f"INSERT INTO t ({names}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))
    conn.commit()
    conn.close()
    return path


OLD = [{"id": 1, "name": "Асеновци", "amount": 10.0}, {"id": 2, "name": "Аспарухово", "amount": 20.0},
       {"id": 3, "name": "Божурлук", "amount": 30.0}]


def test_rows_added_removed_and_changed_are_found_by_primary_key(tmp_path: Path) -> None:
    new = [{"id": 1, "name": "Асеновци", "amount": 11.5}, {"id": 3, "name": "Божурлук", "amount": 30.0},
           {"id": 4, "name": "Българене", "amount": 40.0}]
    found = compare(db(tmp_path / "a.db", OLD), db(tmp_path / "b.db", new), table="t", key=["id"])
    assert (found.method, found.added, found.removed, found.changed) == ("key", 1, 1, 1)
    assert found.added_rows == ({"id": 4, "name": "Българене", "amount": 40.0},)
    assert found.removed_rows == ({"id": 2, "name": "Аспарухово", "amount": 20.0},)
    assert found.changed_rows == (Change({"id": 1}, {"amount": (10.0, 11.5)}),)
    assert found.schema.empty and (found.old_rows, found.new_rows) == (3, 3)


def test_identical_releases_have_no_changes(tmp_path: Path) -> None:
    found = compare(db(tmp_path / "a.db", OLD), db(tmp_path / "b.db", OLD), table="t", key=["id"])
    assert (found.added, found.removed, found.changed) == (0, 0, 0)
    assert summary(found).en == "no changes" and summary(found).bg == "без промени"


def test_a_changed_schema_is_reported_and_shared_columns_still_compared(tmp_path: Path) -> None:
    new = [{"id": 1, "name": "Асеновци", "amount": "10", "note": "x"},
           {"id": 2, "name": "Аспарухово!", "amount": "20", "note": None},
           {"id": 3, "name": "Божурлук", "amount": "30", "note": None}]
    found = compare(db(tmp_path / "a.db", OLD),
                    db(tmp_path / "b.db", new, columns="id INTEGER PRIMARY KEY, name TEXT, amount TEXT, note TEXT"),
                    table="t", key=["id"])
    assert found.schema.added == (Column("note", "TEXT"),)
    assert found.schema.removed == ()
    assert found.schema.retyped == (("amount", "REAL", "TEXT"),)
    assert found.method == "key"
    # SQLite compares 10.0 (REAL) with "10" (TEXT) numerically: only the renamed row changed,
    # and its change lists the new representation of the amount too.
    assert found.changed == 1
    assert {c.key["id"]: c.values.get("name") for c in found.changed_rows}[2] == ("Аспарухово", "Аспарухово!")


def test_a_removed_column_is_reported(tmp_path: Path) -> None:
    new = [{"id": r["id"], "name": r["name"]} for r in OLD]
    found = compare(db(tmp_path / "a.db", OLD), db(tmp_path / "b.db", new, columns="id INTEGER PRIMARY KEY, name TEXT"),
                    table="t", key=["id"])
    assert found.schema.removed == (Column("amount", "REAL"),) and found.changed == 0
    assert summary(found).en == "1 column change"


def test_duplicate_key_values_fall_back_to_row_hashes_and_say_so(tmp_path: Path) -> None:
    columns = "id INTEGER, name TEXT, amount REAL"
    old = OLD + [{"id": 1, "name": "двойник", "amount": 1.0}]
    new = OLD + [{"id": 5, "name": "нов", "amount": 5.0}]
    found = compare(db(tmp_path / "a.db", old, columns=columns), db(tmp_path / "b.db", new, columns=columns),
                    table="t", key=["id"])
    assert (found.method, found.reason, found.duplicate_keys) == ("row-hash", "duplicate-keys", (1, 0))
    assert (found.added, found.removed) == (1, 1)
    assert found.removed_rows == ({"id": 1, "name": "двойник", "amount": 1.0},)


def test_without_a_primary_key_rows_are_compared_as_a_multiset_of_hashes(tmp_path: Path) -> None:
    columns = "name TEXT, amount REAL"
    row = {"name": "същият", "amount": 1.0}
    old = [row, row, {"name": "стар", "amount": 2.0}]
    new = [row, row, row, {"name": "стар", "amount": 2.0}]
    found = compare(db(tmp_path / "a.db", old, columns=columns), db(tmp_path / "b.db", new, columns=columns),
                    table="t")
    assert (found.method, found.reason, found.added, found.removed) == ("row-hash", "no-key", 1, 0)
    assert found.added_rows[0] == row
    assert summary(found).en == "+1 row" and summary(found).bg == "+1 ред"


def test_row_hashes_keep_types_apart(tmp_path: Path) -> None:
    columns = "name TEXT, amount"
    found = compare(db(tmp_path / "a.db", [{"name": "a", "amount": 1}], columns=columns),
                    db(tmp_path / "b.db", [{"name": "a", "amount": "1"}], columns=columns), table="t")
    assert (found.added, found.removed) == (1, 1)


def test_a_key_column_missing_from_one_release_falls_back_to_row_hashes(tmp_path: Path) -> None:
    new = [{"code": r["id"], "name": r["name"], "amount": r["amount"]} for r in OLD]
    found = compare(db(tmp_path / "a.db", OLD),
                    db(tmp_path / "b.db", new, columns="code INTEGER PRIMARY KEY, name TEXT, amount REAL"),
                    table="t", key=["id"])
    assert (found.method, found.reason, found.added, found.removed) == ("row-hash", "key-missing", 0, 0)


def test_a_composite_key_with_nulls_matches_rows(tmp_path: Path) -> None:
    columns = "year INTEGER, code TEXT, amount REAL"
    old = [{"year": 2025, "code": None, "amount": 1.0}, {"year": 2025, "code": "A", "amount": 2.0}]
    new = [{"year": 2025, "code": None, "amount": 3.0}, {"year": 2025, "code": "A", "amount": 2.0}]
    found = compare(db(tmp_path / "a.db", old, columns=columns), db(tmp_path / "b.db", new, columns=columns),
                    table="t", key=["year", "code"])
    assert found.changed_rows == (Change({"year": 2025, "code": None}, {"amount": (1.0, 3.0)}),)


def test_samples_are_limited_but_counts_are_exact(tmp_path: Path) -> None:
    new = OLD + [{"id": i, "name": f"n{i}", "amount": float(i)} for i in range(10, 260)]
    found = compare(db(tmp_path / "a.db", OLD), db(tmp_path / "b.db", new), table="t", key=["id"], limit=100)
    assert found.added == 250 and len(found.added_rows) == 100


def test_the_summary_line_counts_rows_added_removed_and_changed() -> None:
    from datasets.diff import Diff, SchemaChange

    found = Diff("key", ("id",), "", SchemaChange(), 100, 109, 12, 3, 3)
    assert summary(found).en == "+12 rows, −3 rows, 3 changed"
    assert summary(found).bg == "+12 реда, −3 реда, 3 променени"


def test_a_large_release_is_compared_in_sql_without_loading_it(tmp_path: Path) -> None:
    count = 200_000
    for name, shift in (("a.db", 0), ("b.db", 1000)):
        conn = sqlite3.connect(tmp_path / name)
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount REAL)")
        conn.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                     "INSERT INTO t SELECT i + ?, 'row ' || i, CASE WHEN i % 1000 = 0 AND ? THEN -1 ELSE i END FROM n",
                     (count, shift, shift))
        conn.commit()
        conn.close()
    found = compare(tmp_path / "a.db", tmp_path / "b.db", table="t", key=["id"])
    assert (found.added, found.removed) == (1000, 1000)
    assert found.changed == count - 1000  # every shared id now carries another row's values


def test_releases_of_a_dataset_are_compared_and_the_result_is_kept(
        portal: Portal, publish: Callable[..., int]) -> None:
    publish("budget", [{"id": 1, "amount": 10}, {"id": 2, "amount": 20}])
    publish("budget", [{"id": 1, "amount": 15}, {"id": 2, "amount": 20}, {"id": 3, "amount": 30}])
    found = compare_releases(portal.instance, portal.engine, "budget", 1, 2)
    # No primary key declared: whole rows are compared, so the edited row is one out, one in.
    assert (found.added, found.removed, found.method) == (2, 1, "row-hash")
    assert list((portal.instance.root / "cache" / "diffs" / "budget").glob("1-2-*.json"))
    again = compare_releases(portal.instance, portal.engine, "budget", 1, 2)
    assert again == found and again.added_rows == found.added_rows
    assert release_summary(portal.instance, portal.engine, "budget", 2).en == "+2 rows, −1 row"
    assert release_summary(portal.instance, portal.engine, "budget", 1) is None


def test_comparing_a_release_with_itself_is_refused(portal: Portal, publish: Callable[..., int]) -> None:
    publish("budget", [{"id": 1}])
    with pytest.raises(InvalidInput):
        compare_releases(portal.instance, portal.engine, "budget", 1, 1)
    assert catalog.get_dataset(portal.engine, "budget").slug == "budget"
