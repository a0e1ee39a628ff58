"""The real server: uvicorn on 127.0.0.1 serving Flask and Datasette from one origin."""
from __future__ import annotations

import time
from typing import Callable, Iterator

import httpx
import pytest

from app import config
from app.state import Portal, open_portal
from tests.conftest import HTTP_TIMEOUT, publish_rows, start_server, stop_server

ROWS = [{"id": i, "name": f"община {i}", "amount": i * 10} for i in range(5)]
SLOW = ("with recursive c(x) as (select 1 union all select x + 1 from c) "
        "select count(*) from c")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real server for the module's read-only tests (each server costs seconds of CPU),
    started after the budget dataset was published; tests that publish start their own."""
    root = tmp_path_factory.mktemp("serve") / "instance"
    portal = open_portal({**config.load(), "INSTANCE": str(root), "DATABASE_URL": None})
    try:
        publish_rows(portal, "budget", ROWS, row_count=4242, title="Бюджет на Плевен")
        running = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                                "--port", "{port}", "--log-level", "warning"],
                               env={"OTKRITO_INSTANCE": str(root)}, ready="/sql/")
        yield running.url
        stop_server(running)
    finally:
        portal.engine.dispose()


@pytest.fixture
def own_server(publish: Callable[..., int], live_server: str) -> str:
    """A server of the test's own instance, started after the budget dataset was published."""
    publish("budget", ROWS, row_count=4242, title="Бюджет на Плевен")
    return live_server


def sql(server: str, db: str, statement: str) -> httpx.Response:
    return httpx.get(f"{server}/sql/{db}.json", params={"sql": statement, "_shape": "objects"},
                     timeout=HTTP_TIMEOUT)


def test_table_json_api_returns_the_release_rows(server: str) -> None:
    response = httpx.get(f"{server}/sql/budget/budget.json?_shape=array", timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    assert [{k: r[k] for k in ("id", "name", "amount")} for r in response.json()] == ROWS


def test_table_page_and_json_report_the_catalog_row_count(server: str) -> None:
    page = httpx.get(f"{server}/sql/budget/budget", timeout=HTTP_TIMEOUT)
    table = httpx.get(f"{server}/sql/budget/budget.json", timeout=HTTP_TIMEOUT).json()
    assert "4,242 rows" in page.text
    assert table["filtered_table_rows_count"] == 4242


def test_database_page_shows_catalog_title_and_licence(server: str) -> None:
    page = httpx.get(f"{server}/sql/budget", timeout=HTTP_TIMEOUT).text
    assert "Бюджет на Плевен" in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page
    assert "Община Плевен" in page


def test_slow_query_ends_in_a_clean_time_limit_error(server: str) -> None:
    # SLOW never ends on any CPU; sql() gives up after 30 s, 30 times the 1 s limit.
    started = time.perf_counter()
    response = sql(server, "budget", SLOW)
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert "SQL query took too long" in response.json()["error"]
    assert "Traceback" not in response.text
    assert elapsed >= 1  # it ran until the default limit (a lower bound holds on any machine)


def test_huge_blob_is_refused_by_the_size_cap(server: str) -> None:
    response = sql(server, "budget", "select length(randomblob(500000000)) as n")
    assert (response.status_code, response.json()["error"]) == (400, "string or blob too big")


@pytest.mark.parametrize("statement", [
    "insert into budget (id) values (99)",
    "attach database '/etc/passwd' as other",
    "pragma writable_schema=1",
    "select load_extension('/tmp/evil')",
])
def test_writes_and_attach_are_refused(server: str, statement: str) -> None:
    assert sql(server, "budget", statement).status_code == 400
    assert len(httpx.get(f"{server}/sql/budget/budget.json?_shape=array", timeout=HTTP_TIMEOUT).json()) == len(ROWS)


def test_catalog_database_is_not_reachable(server: str) -> None:
    assert httpx.get(f"{server}/sql/catalog", timeout=HTTP_TIMEOUT).status_code == 404
    assert httpx.get(f"{server}/sql/catalog.json", timeout=HTTP_TIMEOUT).status_code == 404
    assert list(httpx.get(f"{server}/sql/.json", timeout=HTTP_TIMEOUT).json()) == ["budget"]


def test_new_release_and_new_dataset_are_served_without_a_restart(
        own_server: str, publish: Callable[..., int]) -> None:
    server = own_server
    assert httpx.get(f"{server}/sql/decisions", timeout=HTTP_TIMEOUT).status_code == 404
    publish("budget", [{"id": 9, "name": "нов ред", "amount": 90}])
    publish("decisions", [{"number": 1066, "title": "Решение"}])
    budget = httpx.get(f"{server}/sql/budget/budget.json?_shape=array", timeout=HTTP_TIMEOUT).json()
    decisions = httpx.get(f"{server}/sql/decisions/decisions.json?_shape=array", timeout=HTTP_TIMEOUT).json()
    assert [r["name"] for r in budget] == ["нов ред"]
    assert decisions == [{"rowid": 1, "number": 1066, "title": "Решение"}]


def test_flask_serves_everything_outside_sql(server: str) -> None:
    assert httpx.get(f"{server}/", timeout=HTTP_TIMEOUT).status_code == 200
    assert httpx.get(f"{server}/sqlite", timeout=HTTP_TIMEOUT).status_code == 404


@pytest.mark.parametrize("path", ["//example.com/", "/\\example.com/", "/sql//example.com/",
                                  "/sql/\\example.com/"])
def test_leading_slashes_never_redirect_off_site(server: str, path: str) -> None:
    response = httpx.get(server + path, timeout=HTTP_TIMEOUT)
    location = response.headers.get("location", "/")
    assert location.startswith(("/", server + "/"))
    assert not location.removeprefix(server).startswith(("//", "/\\", "/sql//", "/sql/\\"))


def test_serve_removes_leftovers_before_serving(portal: Portal,
                                                spawn_server: Callable[..., str]) -> None:
    leftover = portal.instance.tmp / "budget.killed-build"
    orphan = portal.instance.releases / "ghost" / "1"
    for folder in (leftover, orphan):
        folder.mkdir(parents=True)
        (folder / "data.db").write_bytes(b"partial")
    spawn_server("-c", "from app.web.server import serve; serve(port={port})")
    assert not leftover.exists() and not orphan.parent.exists()


def test_every_worker_sees_a_new_release(publish: Callable[..., int],
                                         spawn_server: Callable[..., str]) -> None:
    publish("budget", ROWS)
    url = spawn_server("-c", "from app.web.server import serve; serve(port={port}, workers=2)",
                       ready="/sql/budget")
    publish("budget", [{"id": 9, "name": "нов ред", "amount": 90}])
    # A fresh connection each time, so the kernel spreads the requests over both workers.
    seen = {len(httpx.get(f"{url}/sql/budget/budget.json?_shape=array",
                          headers={"connection": "close"}, timeout=HTTP_TIMEOUT).json()) for _ in range(20)}
    assert seen == {1}


@pytest.mark.parametrize(("host", "port", "url"), [
    ("127.0.0.1", 8765, "http://127.0.0.1:8765"), ("0.0.0.0", 80, "http://127.0.0.1:80"),
    ("::", 8000, "http://127.0.0.1:8000"), ("::1", 8000, "http://[::1]:8000"),
    ("data.levski.example", 8000, "http://data.levski.example:8000")])
def test_serve_links_to_the_address_it_serves_unless_a_base_url_is_set(host: str, port: int,
                                                                       url: str) -> None:
    from app.web.server import served_url

    assert served_url(host, port) == url

