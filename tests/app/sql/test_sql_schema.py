"""Schema questions about a mounted release are asked of the file once, then remembered."""
from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest

from app.sql.mount import ReleaseDatabase, make_sql_app
from app.state import Portal
from tests.app.sql.test_sql import fetch

ROWS = [{"id": i, "name": f"община {i}", "amount": i * 10} for i in range(5)]


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every trip to Datasette's thread pool (the name of the function sent there)."""
    trips: list[str] = []
    real = ReleaseDatabase.execute_fn

    async def counted(self: ReleaseDatabase, fn: Callable[..., Any]) -> Any:
        trips.append(getattr(fn, "__qualname__", repr(fn)))
        return await real(self, fn)

    monkeypatch.setattr(ReleaseDatabase, "execute_fn", counted)
    return trips


def test_after_the_first_request_a_table_page_only_goes_to_the_pool_for_its_rows(
        portal: Portal, publish: Callable[..., int], hops: list[str]) -> None:
    publish("budget", ROWS)
    app = make_sql_app(portal)
    url = "/sql/budget/budget.json?_shape=array&_size=3"
    first, = fetch(app, url)
    before = len(hops)
    second, third = fetch(app, url, url)
    assert first.json() == second.json() == third.json() and len(first.json()) == 3
    # Stock Datasette makes 6 or more trips per request; the rows query is the only one left.
    assert before >= 6 and len(hops) - before == 2, hops[before:]


def test_names_that_are_not_tables_are_answered_but_never_remembered(
        portal: Portal, publish: Callable[..., int]) -> None:
    publish("budget", ROWS)
    app = make_sql_app(portal)
    fetch(app, "/sql/budget/budget.json")
    db = app.ds.databases["budget"]
    remembered = len(db._answers)
    answers = fetch(app, *(f"/sql/budget/nope{i}.json" for i in range(40)))
    assert {r.status_code for r in answers} == {404}
    assert len(db._answers) == remembered


def test_what_a_caller_changes_in_an_answer_does_not_change_the_next_answer(
        portal: Portal, publish: Callable[..., int]) -> None:
    publish("budget", ROWS)
    db = make_sql_app(portal).ds.databases["budget"]

    async def twice() -> tuple[list[Any], list[Any]]:
        first = await db.table_columns("budget")
        first.append("rowid")
        details = await db.table_column_details("budget")
        details.clear()
        return await db.table_columns("budget"), await db.table_column_details("budget")

    columns, details = asyncio.run(twice())
    assert columns[:3] == ["id", "name", "amount"] and "rowid" not in columns
    assert [d.name for d in details][:3] == ["id", "name", "amount"]


def test_a_new_release_with_other_columns_is_served_with_its_own_columns(
        portal: Portal, publish: Callable[..., int]) -> None:
    publish("budget", ROWS)
    app = make_sql_app(portal)
    old, = fetch(app, "/sql/budget/budget.json?_shape=array")
    publish("budget", [{**row, "note": "ново"} for row in ROWS])
    new, = fetch(app, "/sql/budget/budget.json?_shape=array")
    assert "note" not in old.json()[0] and new.json()[0]["note"] == "ново"
