"""A bounded set of mounted databases: mounted on first use, least recently used out, closed.

Real Datasette over real release files, in-process, with a small bound so a few datasets
show what thousands would. Everything the SQL API promises holds for a database mounted
on demand: its own rows, new releases, withdrawals, read-only hardening and limits.
"""
from __future__ import annotations

import asyncio
import dataclasses
import threading
from typing import Any

import httpx
import pytest

from app.sql.mount import ReleaseDatabase, SqlApp, make_sql_app
from app.state import Portal
from datasets.withdraw import withdraw_release
from tests.app.sql.many_datasets import publish_many, rows_of
from tests.conftest import publish_rows


def fetch(app: SqlApp, *urls: str) -> list[httpx.Response]:
    """GET each URL in turn, on one event loop."""
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as c:
            return [await c.get(url) for url in urls]
    return asyncio.run(run())


def table(slug: str) -> str:
    return f"/sql/{slug}/{slug.replace('-', '_')}.json?_shape=array"


def names(rows: list[dict[str, Any]]) -> list[Any]:
    return [row["name"] for row in rows]


def query(app: SqlApp, slug: str, sql: str) -> httpx.Response:
    return fetch(app, f"/sql/{slug}.json?" + str(httpx.QueryParams(sql=sql, _shape="objects")))[0]


def test_every_dataset_answers_while_at_most_the_bound_is_mounted(portal: Portal) -> None:
    slugs = publish_many(portal, 10)
    app = make_sql_app(portal, mounted=3)
    assert app.mounts.mounted() == slugs[:3]  # a fresh process mounts the first few
    seen: list[ReleaseDatabase] = []
    for slug in slugs + slugs[:2]:
        answer, = fetch(app, table(slug))
        assert answer.json() == rows_of(slug, 20)
        seen.append(app.ds.databases[slug])
        assert len(app.mounts.mounted()) <= 3
    # Least recently used out: the last three used, in the order they were used.
    assert app.mounts.mounted() == [slugs[9], slugs[0], slugs[1]]
    assert sorted(n for n in app.ds.databases if n != "_internal") == sorted(
        app.mounts.mounted())
    # 0 and 1 were unmounted and mounted again: a new database object, the old one closed.
    current = [app.ds.databases[s] for s in app.mounts.mounted()]
    unmounted = [db for db in seen if not any(db is c for c in current)]
    assert len(unmounted) == 9 and all(db.retired and db.open_connections() == 0
                                       for db in unmounted)
    assert all(app.ds.databases[s].open_connections() >= 1 for s in app.mounts.mounted())


def test_a_new_release_is_served_whether_its_dataset_was_mounted_or_not(portal: Portal) -> None:
    slugs = publish_many(portal, 4)
    app = make_sql_app(portal, mounted=2)
    fetch(app, *(table(s) for s in slugs))  # 2 and 3 mounted, 0 and 1 not
    old = app.ds.databases[slugs[3]]
    for slug in (slugs[0], slugs[3]):
        publish_rows(portal, slug, [{"id": 1, "name": f"{slug} нова версия", "amount": 1}])
    fresh_unmounted, fresh_mounted = fetch(app, table(slugs[0]), table(slugs[3]))
    assert names(fresh_unmounted.json()) == [f"{slugs[0]} нова версия"]
    assert names(fresh_mounted.json()) == [f"{slugs[3]} нова версия"]
    assert old.retired and old.open_connections() == 0
    assert app.ds.databases[slugs[3]].path.endswith(f"{slugs[3]}/2/data.db")


def test_a_withdrawn_release_disappears_whether_its_dataset_was_mounted_or_not(
        portal: Portal) -> None:
    slugs = publish_many(portal, 4)
    publish_rows(portal, slugs[1], [{"id": 1, "name": "втора версия", "amount": 2}])
    app = make_sql_app(portal, mounted=2)
    fetch(app, *(table(s) for s in (slugs[0], slugs[3], slugs[1])))  # 3 and 1 mounted
    mounted = app.ds.databases[slugs[3]]
    for slug, version in ((slugs[0], 1), (slugs[3], 1), (slugs[1], 2)):
        withdraw_release(portal.instance, portal.engine, slug, version, reason="грешка",
                         actor="test")
    gone_unmounted, gone_mounted, back, index = fetch(
        app, table(slugs[0]), table(slugs[3]), table(slugs[1]), "/sql/.json")
    assert (gone_unmounted.status_code, gone_mounted.status_code) == (404, 404)
    assert back.json() == rows_of(slugs[1], 20)  # release 1 again, without a restart
    assert list(index.json()) == [slugs[1], slugs[2]]
    assert mounted.retired and mounted.open_connections() == 0


@pytest.fixture
def lazily_limited(portal: Portal) -> tuple[SqlApp, str]:
    """An app with room for one database, the second dataset mounted on demand."""
    slugs = publish_many(portal, 2)
    limited = dataclasses.replace(portal, settings={**portal.settings, "SQL_TIME_LIMIT_MS": 200,
                                                    "SQL_MAX_ROWS": 2})
    app = make_sql_app(limited, mounted=1)
    assert app.mounts.mounted() == [slugs[0]]
    return app, slugs[1]


@pytest.mark.parametrize("sql", [
    "insert into nabor_0001 (id) values (99)",
    "attach database ':memory:' as other",
    "pragma writable_schema=1",
    "select load_extension('/tmp/evil')",
])
def test_a_database_mounted_on_demand_refuses_writes_and_attach(
        lazily_limited: tuple[SqlApp, str], sql: str) -> None:
    app, slug = lazily_limited
    assert query(app, slug, sql).status_code == 400
    assert app.mounts.mounted() == [slug]
    assert query(app, slug, "select count(*) as n from nabor_0001").json()["rows"] == [{"n": 20}]


def test_a_database_mounted_on_demand_keeps_the_time_row_and_size_limits(
        lazily_limited: tuple[SqlApp, str]) -> None:
    app, slug = lazily_limited
    slow = query(app, slug, "with recursive c(x) as (select 1 union all select x + 1 from c) "
                            "select count(*) from c")
    big = query(app, slug, "select length(randomblob(500000000)) as n")
    many = query(app, slug, "select * from nabor_0001").json()
    assert "SQL query took too long" in slow.json()["error"]
    assert big.json()["error"] == "string or blob too big"
    assert (len(many["rows"]), many["truncated"]) == (2, True)
    assert app.ds.databases[slug].clients is app.clients  # the per-client limits


def test_a_database_answering_a_request_is_never_unmounted_under_it(portal: Portal) -> None:
    slugs = publish_many(portal, 4)
    app = make_sql_app(portal, mounted=1)

    async def crowd() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as c:
            return await asyncio.gather(*(c.get(table(s)) for s in slugs * 3))

    answers = asyncio.run(crowd())
    assert [a.json() for a in answers] == [rows_of(s, 20) for s in slugs * 3]
    assert len(app.mounts.mounted()) == 1  # back to the bound once the requests ended


def test_a_query_running_when_its_database_is_unmounted_finishes_before_it_closes(
        portal: Portal) -> None:
    slugs = publish_many(portal, 1)
    app = make_sql_app(portal)
    db = app.ds.databases[slugs[0]]
    started, go_on = threading.Event(), threading.Event()

    def blocked(conn: Any) -> Any:
        started.set()
        assert go_on.wait(30)
        return conn.execute("select count(*) from nabor_0000").fetchone()[0]

    async def run() -> tuple[int, int, Any]:
        task = asyncio.ensure_future(db.execute_fn(blocked))
        await asyncio.to_thread(started.wait, 30)
        db.retire()
        during = db.open_connections()
        go_on.set()
        result = await task
        return during, db.open_connections(), result

    assert asyncio.run(run()) == (1, 0, 20)


def test_a_tilde_encoded_name_mounts_the_same_database(portal: Portal) -> None:
    slugs = publish_many(portal, 2)
    app = make_sql_app(portal, mounted=1)
    encoded = slugs[1].replace("-", "~2D")  # Datasette's tilde encoding, as some clients send
    answer, = fetch(app, f"/sql/{encoded}/nabor_0001.json?_shape=array")
    assert answer.json() == rows_of(slugs[1], 20) and app.mounts.mounted() == [slugs[1]]
