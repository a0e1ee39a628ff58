"""The SQL API in-process: Datasette fed from the catalog, read-only and bounded."""
from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from app.sql.mount import SqlApp, collapse_slashes, harden, make_sql_app
from app.state import Portal
from datasets.catalog import bump_generation
from publishers.store import releases

ROWS = [{"id": i, "name": f"община {i}", "amount": i * 10} for i in range(5)]


def fetch(app: SqlApp, *urls: str) -> list[httpx.Response]:
    """GET each URL from the app in turn, on one event loop."""
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as c:
            return [await c.get(url) for url in urls]
    return asyncio.run(run())


def get(app: SqlApp, url: str) -> httpx.Response:
    return fetch(app, url)[0]


def with_settings(portal: Portal, **settings: Any) -> Portal:
    return dataclasses.replace(portal, settings={**portal.settings, **settings})


def query(app: SqlApp, db: str, sql: str) -> httpx.Response:
    params = httpx.QueryParams({"sql": sql, "_shape": "objects"})
    return get(app, f"/sql/{db}.json?{params}")


@pytest.fixture
def budget(publish: Callable[..., int]) -> str:
    publish("budget", ROWS)
    return "budget"


def test_table_json_serves_the_latest_release_rows(portal: Portal, budget: str) -> None:
    response = get(make_sql_app(portal), "/sql/budget/budget.json?_shape=array")
    assert response.status_code == 200
    assert [{k: r[k] for k in ("id", "name", "amount")} for r in response.json()] == ROWS


def test_table_count_is_the_catalog_figure_not_a_count(portal: Portal,
                                                      publish: Callable[..., int]) -> None:
    publish("budget", ROWS, row_count=1_234_567)
    app = make_sql_app(portal)
    table, database, page = fetch(app, "/sql/budget/budget.json", "/sql/budget.json",
                                  "/sql/budget/budget")
    assert table.json()["filtered_table_rows_count"] == 1_234_567
    assert [t["count"] for t in database.json()["tables"] if t["name"] == "budget"] == [1_234_567]
    assert "1,234,567 rows" in page.text


def test_database_page_shows_title_licence_and_publisher_from_the_catalog(
        portal: Portal, publish: Callable[..., int]) -> None:
    publish("budget", ROWS, title="Бюджет 2026", licence="CC0-1.0")
    app = make_sql_app(portal)
    meta = get(app, "/sql/-/metadata.json").json()["databases"]["budget"]
    page = get(app, "/sql/budget").text
    assert meta == {"title": "Бюджет 2026", "description": "Описание на budget",
                    "source": "Община Плевен",
                    "license": "Криейтив Комънс Нула 1.0 (обществено достояние)",
                    "license_url": "https://creativecommons.org/publicdomain/zero/1.0/"}
    assert "Бюджет 2026" in page
    assert 'href="https://creativecommons.org/publicdomain/zero/1.0/"' in page


def test_only_release_databases_are_mounted(portal: Portal, budget: str) -> None:
    app = make_sql_app(portal)
    assert sorted(get(app, "/sql/.json").json()) == ["budget"]
    assert get(app, "/sql/catalog").status_code == 404
    assert get(app, "/sql/_memory").status_code == 404


def test_oversized_values_are_refused_by_the_size_cap_not_the_time_limit(
        portal: Portal, budget: str) -> None:
    # An hour of time limit: only the value-size cap can refuse the blob, on any machine.
    app = make_sql_app(with_settings(portal, SQL_TIME_LIMIT_MS=3_600_000))
    response = query(app, "budget", "select length(randomblob(500000000)) as n")
    assert (response.status_code, response.json()["error"]) == (400, "string or blob too big")


def test_slow_query_is_stopped_by_the_time_limit_with_a_clean_error(
        portal: Portal, budget: str) -> None:
    app = make_sql_app(with_settings(portal, SQL_TIME_LIMIT_MS=200))
    assert app.ds.setting("sql_time_limit_ms") == 200  # the portal's limit, not Datasette's 1 s
    started = time.perf_counter()
    # Without end: no CPU finishes it, so only the time limit can answer.
    response = query(app, "budget", "with recursive c(x) as (select 1 union all "
                                    "select x + 1 from c) select count(*) from c")
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert "SQL query took too long" in response.json()["error"]
    assert elapsed >= 0.2  # it ran until the limit (a lower bound holds on any machine)


def test_max_returned_rows_truncates_results(portal: Portal, budget: str) -> None:
    app = make_sql_app(with_settings(portal, SQL_MAX_ROWS=2))
    body = query(app, "budget", "select * from budget").json()
    assert (len(body["rows"]), body["truncated"]) == (2, True)


@pytest.mark.parametrize("sql", [
    "insert into budget (id) values (99)",
    "attach database ':memory:' as other",
    "pragma writable_schema=1",
    "select load_extension('/tmp/evil')",
])
def test_writes_attach_and_pragma_changes_are_refused_over_http(portal: Portal, budget: str,
                                                                sql: str) -> None:
    app = make_sql_app(portal)
    assert query(app, "budget", sql).status_code == 400
    assert len(get(app, "/sql/budget/budget.json?_shape=array").json()) == len(ROWS)


@pytest.mark.parametrize("sql", [
    "attach database ':memory:' as other",
    "select * from pragma_database_list, (select 1) where 0; attach ':memory:' as x",
    "pragma writable_schema=1",
    "pragma query_only=0",
    "create temp table t (x)",
    "insert into budget (id) values (99)",
    "select load_extension('/tmp/evil')",
])
def test_hardened_connection_refuses_what_would_change_anything(
        release_db: Callable[..., Path], tmp_path: Path, sql: str) -> None:
    path = release_db(tmp_path / "data.db", table="budget", rows=ROWS)
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    harden(conn)
    with pytest.raises(sqlite3.Error):
        conn.executescript(sql)
    conn.close()


def test_hardened_connection_still_reads_and_searches(release_db: Callable[..., Path],
                                                      tmp_path: Path) -> None:
    path = release_db(tmp_path / "data.db", table="budget", rows=ROWS)
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    harden(conn)
    found = conn.execute("select name from budget_fts where budget_fts match '3'").fetchall()
    columns = conn.execute("select name from pragma_table_info('budget')").fetchall()
    conn.close()
    assert (found, columns) == ([("община 3",)], [("id",), ("name",), ("amount",)])


@pytest.mark.catalogs  # the catalog's generation and usage counts, on both backends
def test_new_release_is_served_without_rebuilding_the_app(
        portal: Portal, budget: str, publish: Callable[..., int]) -> None:
    app = make_sql_app(portal)
    before = get(app, "/sql/budget/budget.json?_shape=array").json()
    publish("budget", [{"id": 7, "name": "нов", "amount": 70}])
    after, count = fetch(app, "/sql/budget/budget.json?_shape=array", "/sql/budget.json")
    assert (len(before), [r["name"] for r in after.json()]) == (5, ["нов"])
    assert count.json()["tables"][0]["count"] == 1


@pytest.mark.catalogs  # the catalog's generation and usage counts, on both backends
def test_new_dataset_appears_without_rebuilding_the_app(
        portal: Portal, budget: str, publish: Callable[..., int]) -> None:
    app = make_sql_app(portal)
    assert get(app, "/sql/decisions").status_code == 404
    publish("decisions", [{"number": 1066, "title": "Решение"}])
    assert get(app, "/sql/decisions/decisions.json?_shape=array").json() == [
        {"rowid": 1, "number": 1066, "title": "Решение"}]


@pytest.mark.catalogs  # the catalog's generation and usage counts, on both backends
def test_withdrawn_only_release_leaves_the_sql_api(portal: Portal, budget: str) -> None:
    app = make_sql_app(portal)
    assert get(app, "/sql/budget").status_code == 200
    with portal.engine.begin() as conn:
        conn.execute(releases.update().values(status="withdrawn"))
        bump_generation(conn)
    assert get(app, "/sql/budget").status_code == 404


@pytest.mark.catalogs  # the catalog's generation and usage counts, on both backends
def test_unchanged_generation_does_not_remount(portal: Portal, budget: str) -> None:
    app = make_sql_app(portal)
    mounted = app.ds.databases["budget"]
    fetch(app, "/sql/budget.json", "/sql/budget/budget.json")
    assert app.ds.databases["budget"] is mounted


def test_missing_release_file_is_skipped_not_served(portal: Portal, budget: str) -> None:
    (portal.instance.release_dir("budget", 1) / "data.db").unlink()
    app = make_sql_app(portal)
    assert get(app, "/sql/budget").status_code == 404


def test_json_api_allows_cross_origin_reads(portal: Portal, budget: str) -> None:
    response = get(make_sql_app(portal), "/sql/budget/budget.json")
    assert response.headers["access-control-allow-origin"] == "*"


def test_bare_prefix_redirects_to_the_index(portal: Portal) -> None:
    response = get(make_sql_app(portal), "/sql")
    assert (response.status_code, response.headers["location"]) == (301, "/sql/")


@pytest.mark.parametrize("path", ["/sql//example.com/", "/sql/\\example.com/",
                                  "/sql//\\/example.com/"])
def test_leading_slashes_never_redirect_off_site(portal: Portal, path: str) -> None:
    response = get(make_sql_app(portal), path)
    location = response.headers.get("location", "/sql/")
    assert location.startswith("/sql/") and not location.startswith(("/sql//", "/sql/\\"))


@pytest.mark.parametrize(("path", "after", "expected"), [
    ("//example.com/", "", "/example.com/"),
    ("/\\example.com/", "", "/example.com/"),
    ("/\\/\\example.com", "", "/example.com"),
    ("/datasets/x//y", "", "/datasets/x//y"),
    ("/sql//\\example.com/", "/sql", "/sql/example.com/"),
    ("/sql/budget", "/sql", "/sql/budget"),
])
def test_collapse_slashes_leaves_one_leading_slash(path: str, after: str,
                                                   expected: str) -> None:
    scope = collapse_slashes({"path": path, "raw_path": path.encode()}, after=after)
    assert (scope["path"], scope["raw_path"]) == (expected, expected.encode())


def test_errors_print_no_traceback(portal: Portal, budget: str,
                                   capfd: pytest.CaptureFixture[str]) -> None:
    app = make_sql_app(portal)
    fetch(app, "/sql/nothing-here", "/sql/budget.json?sql=select+nonsense+from+nowhere")
    captured = capfd.readouterr()
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize("path", ["/sql/-/databases", "/sql/-/databases.json", "/sql/-/threads.json"])
def test_pages_that_reveal_server_paths_are_not_served(portal: Portal, budget: str, path: str) -> None:
    response = get(make_sql_app(portal), path)
    assert response.status_code == 404
    assert str(portal.instance.root) not in response.text


@pytest.mark.catalogs  # the catalog's generation and usage counts, on both backends
def test_answered_sql_api_calls_are_counted_per_dataset_without_robots_or_errors(
        portal: Portal, budget: str) -> None:
    from datetime import datetime, timezone

    from app.web.asgi import create_asgi
    from publishers.usage import daily

    app = create_asgi({"INSTANCE": str(portal.instance.root), "TESTING": True,
                       "USAGE_FLUSH_SECONDS": 0})  # every count written at once
    person = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as c:
            answers = [await c.get("/sql/budget/budget.json", headers=person),
                       await c.get("/sql/budget.json?sql=select+1", headers=person),
                       await c.get("/sql/budget.json?sql=delete+from+budget", headers=person),
                       await c.get("/sql/budget/budget.json",
                                   headers={"User-Agent": "Googlebot/2.1"}),
                       await c.get("/sql/-/versions.json", headers=person)]
            return [a.status_code for a in answers]

    assert asyncio.run(run()) == [200, 200, 400, 200, 200]
    today = datetime.now(timezone.utc).date()
    # Two answered calls by a person; the refused query, the robot and Datasette's own pages
    # are not counted.
    assert [(r.slug, r.api) for r in daily(portal.engine, since=today, until=today)] == [
        ("budget", 2)]


@pytest.mark.catalogs  # the catalog's generation and usage counts, on both backends
def test_sql_api_counts_are_written_off_the_event_loop(portal: Portal, budget: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    from datetime import datetime, timezone

    from app.web.asgi import create_asgi
    from publishers import usage

    writers: list[int] = []
    real_add = usage.add

    def add(*args: Any, **kwargs: Any) -> None:
        writers.append(threading.get_ident())
        real_add(*args, **kwargs)

    monkeypatch.setattr(usage, "add", add)
    app = create_asgi({"INSTANCE": str(portal.instance.root), "TESTING": True,
                       "USAGE_FLUSH_SECONDS": 0})
    person = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}

    async def run() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as c:
            for _ in range(3):
                assert (await c.get("/sql/budget/budget.json", headers=person)).status_code == 200
        return threading.get_ident()

    loop_thread = asyncio.run(run())  # waits for the executor's writes before returning
    today = datetime.now(timezone.utc).date()
    assert len(writers) == 3 and loop_thread not in writers
    assert [(r.slug, r.api) for r in usage.daily(portal.engine, since=today, until=today)] == [
        ("budget", 3)]
