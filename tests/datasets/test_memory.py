"""Checking and normalizing stream: the memory they hold does not grow with the rows."""
from __future__ import annotations

import tracemalloc
from pathlib import Path

from frictionless import Schema

from datasets.check import Checker
from datasets.normalize import normalize
from datasets.read import open_table

SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True}},
        {"name": "code", "type": "string", "constraints": {"unique": True}},
        {"name": "day", "type": "date"},
        {"name": "amount", "type": "number", "constraints": {"minimum": 0}},
    ],
    "primaryKey": ["id"],
}


def _peak_of_checking(rows: int) -> int:
    checker = Checker(Schema.from_descriptor(SCHEMA), limit=100)
    tracemalloc.start()
    try:
        for i in range(rows):
            bad = "x" if i % 1000 == 0 else str(i)  # some errors too, past the limit
            checker.row([bad, f"C{i}", "2026-03-26", "12.5"])
        checker.finish()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        checker.close()


def test_checking_five_times_the_rows_takes_no_more_memory():
    small, large = _peak_of_checking(10_000), _peak_of_checking(50_000)
    assert large < small * 1.2 + 200_000, (small, large)


def test_checker_counts_every_error_but_lists_only_up_to_the_limit():
    checker = Checker(Schema.from_descriptor(SCHEMA), limit=5)
    for i in range(100):
        checker.row(["x", f"C{i}", "2026-03-26", "1"])
    checked = checker.finish()
    # each row: a type error in the key, and then an empty primary key
    assert (len(checked.errors), checked.error_count, checked.row_count) == (5, 200, 100)


def test_normalize_keeps_no_row_numbers_when_rows_are_passed_on(tmp_path: Path):
    source = tmp_path / "in.csv"
    source.write_text("id;code;day;amount\n" + "".join(
        f"{i};C{i};26.03.2026;1 234,5\n" for i in range(1, 1001)), encoding="utf-8")
    seen: list[tuple[list[str], int]] = []
    with open_table(source) as table:
        result = normalize(table, SCHEMA, tmp_path / "out.csv",
                           on_row=lambda row, number: seen.append((row, number)))
    assert (result.row_count, len(result.row_numbers)) == (1000, 0)
    assert seen[0] == (["1", "C1", "2026-03-26", "1234.5"], 2)
