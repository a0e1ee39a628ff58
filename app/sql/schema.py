"""Schema questions about an immutable release database, answered once and then from memory.

Datasette asks a table's columns, column details, primary keys, FTS table, foreign keys and
definitions again on every request, each a hop to its thread pool and back. A release file
never changes, so the first answer is the answer for as long as the file is mounted (a new
release mounts a new file). py-spy on stock Datasette serving a table's JSON: those
questions were about a third of all the samples, and their hops the gaps in which the pool
and the event loop each waited for the other.

Only questions whose answer depends on the file alone are kept; the data itself, counts,
and anything drawn from metadata are asked as before.
"""
from __future__ import annotations

import copy
from functools import partial
from typing import Any, Awaitable, Callable

from datasette.app import Datasette
from datasette.database import Results

# Statements Datasette runs on every request whose answer only the file's schema decides.
SCHEMA_VERSION = "PRAGMA schema_version"
# Its permission check spells the table the way SQLite does (a parameter: the URL's name).
NAME_LOOKUP = ("select name from sqlite_master "
               "where type in ('table', 'view') and name = ? collate nocase")
_IMMUTABLE = (str, int, float, bytes, type(None))


def _fresh(value: Any) -> Any:
    # Callers may change what they get (Datasette appends to some lists): hand out copies,
    # cheaply when the items themselves cannot change (strings, namedtuples of them).
    if isinstance(value, list) and all(
            isinstance(item, _IMMUTABLE) or (isinstance(item, tuple)
                                             and all(isinstance(x, _IMMUTABLE) for x in item))
            for item in value):
        return list(value)
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)


class RememberedSchema:
    """Mixin for a datasette Database over a file that never changes while mounted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answers: dict[tuple[Any, ...], Any] = {}
        self._known: frozenset[str] | None = None  # the file's tables and views

    async def _remembered(self, key: tuple[Any, ...], ask: Callable[[], Awaitable[Any]],
                          fresh: Callable[[Any], Any] = _fresh) -> Any:
        if key not in self._answers:
            # Two first requests may both ask: the answers are equal, either one is kept.
            self._answers[key] = await ask()
        return fresh(self._answers[key])

    async def _about(self, question: str, table: str, *args: Any) -> Any:
        ask = partial(getattr(super(), question), table, *args)
        # Names come from URLs: only the file's own tables and views are remembered, so
        # no one can grow the memory by asking about names that do not exist.
        if table not in await self._names():
            return await ask()
        return await self._remembered((question, table, *args), ask)

    async def _names(self) -> frozenset[str]:
        if self._known is None:
            self._known = frozenset(await self.table_names()) | frozenset(await self.view_names())
        return self._known

    async def execute(self, sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Results:
        ask = partial(super().execute, sql, params, *args, **kwargs)  # type: ignore[misc]
        if sql == SCHEMA_VERSION and params is None:
            key: tuple[Any, ...] = ("execute", sql)
        elif sql == NAME_LOOKUP and isinstance(params, tuple) and len(params) == 1 \
                and params[0] in await self._names():
            key = ("execute", sql, params)
        else:
            return await ask()
        return await self._remembered(  # type: ignore[no-any-return]
            key, ask, lambda answer: Results(list(answer.rows), answer.truncated,
                                             answer.description))

    async def table_names(self) -> list[str]:
        return await self._remembered(("table_names",), super().table_names)  # type: ignore[misc]

    async def view_names(self) -> list[str]:
        return await self._remembered(("view_names",), super().view_names)  # type: ignore[misc]

    async def get_all_foreign_keys(self) -> dict[str, Any]:
        return await self._remembered(("get_all_foreign_keys",),
                                      super().get_all_foreign_keys)  # type: ignore[misc]

    async def table_exists(self, table: str) -> bool:
        return bool(await self._about("table_exists", table))

    async def table_columns(self, table: str) -> list[str]:
        return await self._about("table_columns", table)  # type: ignore[no-any-return]

    async def table_column_details(self, table: str) -> list[Any]:
        return await self._about("table_column_details", table)  # type: ignore[no-any-return]

    async def primary_keys(self, table: str) -> list[str]:
        return await self._about("primary_keys", table)  # type: ignore[no-any-return]

    async def fts_table(self, table: str) -> str | None:
        return await self._about("fts_table", table)  # type: ignore[no-any-return]

    async def foreign_keys_for_table(self, table: str) -> list[dict[str, Any]]:
        return await self._about("foreign_keys_for_table", table)  # type: ignore[no-any-return]

    async def get_table_definition(self, table: str, type_: str = "table") -> str | None:
        return await self._about("get_table_definition", table, type_)  # type: ignore[no-any-return]


class SteadyDatasette(Datasette):  # type: ignore[misc]
    """Datasette that does not mirror its databases' schemas into its `_internal` database.

    Stock Datasette compares every database's schema version with its internal catalog on
    every request (a trip to the pool per database) and copies each new schema there. In
    Datasette 0.65 nothing reads that copy but the `/_internal` pages, which only the root
    actor may see, and no one is root here. With databases mounted on first use the copy
    would be remade on almost every mount, and would keep the rows of every database ever
    unmounted; so it is not made at all.
    """

    async def _refresh_schemas(self) -> None:
        return
