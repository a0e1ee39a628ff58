"""The SQL API's index, paged: `/sql/.json` here, the `/sql/` page in `app/sql/page.py`.

Datasette's own index opens every mounted database on every request (tables, hidden tables,
views, counts): 43-58 s a request with 1,200 datasets, a core busy all along. This one is
drawn from the catalog alone, one page at a time, and never opens a release file.

The JSON keeps the shape of Datasette's index, an object keyed by database name in name
order, so clients that read its names and paths go on working; each entry carries what the
catalog knows (its one table and that table's row count, hash, title, publisher, version)
and leaves out what only the file could tell (columns, hidden tables). Paging is in the
headers, as RFC 8288 links: `Link: <...?page=2>; rel="next"`, plus `X-Total-Count`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Generic, Protocol, Sequence, TypeVar
from urllib.parse import parse_qs, quote

from app.asgi_types import Send
from datasets.catalog import LiveDatabase

PREFIX = "/sql"
PAGE_SIZE = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 1), how many pages and items in all."""

    items: Sequence[T]
    number: int
    pages: int
    total: int


def paged(items: Sequence[T], asked: str | None, *, size: int = PAGE_SIZE) -> Page[T] | None:
    """Return page `asked` (a query parameter; none means the first), or None if there is none."""
    if asked is None or asked == "":
        number = 1
    elif asked.isascii() and asked.isdigit() and len(asked) < 10:
        number = int(asked)
    else:
        return None
    pages = max(1, math.ceil(len(items) / size))
    if not 1 <= number <= pages:
        return None
    start = (number - 1) * size
    return Page(items[start:start + size], number, pages, len(items))


def entry(live: LiveDatabase) -> dict[str, Any]:
    """Return one database's index entry, from the catalog."""
    path = f"{PREFIX}/{live.name}"
    return {
        "name": live.name, "hash": live.sha256, "color": live.sha256[:6], "path": path,
        "title": {"bg": live.title.bg, "en": live.title.en or live.title.bg},
        "publisher": {"bg": live.publisher.bg, "en": live.publisher.en or live.publisher.bg},
        "version": live.version, "dataset_url": f"/datasets/{live.name}",
        "tables_and_views_truncated": [{
            "name": live.table, "path": f"{path}/{quote(live.table)}", "count": live.row_count,
            "hidden": False, "private": False}],
        "tables_and_views_more": False, "tables_count": 1, "table_rows_sum": live.row_count,
        "show_table_row_counts": True, "private": False,
    }


def links(page: Page[Any], base: str) -> str:
    """Return the RFC 8288 Link header value of a page: first, prev, next, last."""
    rels = [("first", 1), ("prev", page.number - 1), ("next", page.number + 1),
            ("last", page.pages)]
    return ", ".join(f'<{base}?page={n}>; rel="{rel}"' for rel, n in rels
                     if 1 <= n <= page.pages)


class Names(Protocol):
    """What the index needs of the mounted set: every live database, by name and in order."""

    lives: dict[str, LiveDatabase]
    names: list[str]


async def answer_index(send: Send, source: Names, query_string: bytes) -> None:
    """Answer `/sql/.json?page=N` with one page of the index."""
    asked = parse_qs(query_string.decode("latin-1")).get("page", [None])[-1]
    page = paged(source.names, asked)
    headers = [(b"content-type", b"application/json; charset=utf-8"),
               (b"access-control-allow-origin", b"*"),
               (b"access-control-expose-headers", b"Link, X-Total-Count")]
    if page is None:
        status = 404
        body: dict[str, Any] = {"ok": False, "status": 404, "title": None,
                                "error": "Няма такава страница. / No such page."}
    else:
        status = 200
        lives = source.lives
        body = {name: entry(lives[name]) for name in page.items}
        headers += [(b"link", links(page, PREFIX + "/.json").encode("ascii")),
                    (b"x-total-count", str(page.total).encode("ascii"))]
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers.append((b"content-length", str(len(data)).encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
