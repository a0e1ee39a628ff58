"""The SQL API with many datasets: a paged index, and a process whose open files stay bounded.

With every dataset mounted in every process, 1,200 datasets took 3,610 file handles and every
`/sql/` request failed under a stock `ulimit -n 1024`. Here a real server runs under that
limit over 1,200 real release files; nothing asserts a timing.
"""
from __future__ import annotations

import asyncio
import os
import re
import resource
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from app import config, create_app
from app.sql.index import PAGE_SIZE
from app.sql.mount import make_sql_app
from app.sql.mounts import MOUNTED
from app.state import Portal, open_portal
from app.web.asgi import create_asgi
from datasets.catalog import create_dataset
from datasets.withdraw import withdraw_release
from tests.app.sql.many_datasets import publish_many, rows_of
from tests.conftest import Running, start_server, stop_server

DATASETS = 1200
FILE_LIMIT = 1024
SQL_THREADS = 3  # Datasette's num_sql_threads: one connection per mounted file and thread
# What a serving process holds besides release files: sockets, the event loop's pipes, the
# catalog's connections and their WAL files... measured about 30; the bound is generous and,
# above all, the same for 12 datasets or 12,000.
FILE_BOUND = MOUNTED * SQL_THREADS + 128
NEXT = re.compile(r'<([^>]+)>; rel="next"')


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Server:
    def __init__(self, running: Running, slugs: list[str]) -> None:
        self.url, self.process, self.slugs, self.running = running.url, running.process, slugs, running

    def stderr(self) -> str:
        return self.running.stderr()

    def files(self) -> int:
        return open_files(self.process.pid)


def _limit_files() -> None:
    # In the child before exec: a stock systemd service's limit.
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("many")
    portal = open_portal({**config.load({}), "INSTANCE": str(root / "instance")})
    slugs = publish_many(portal, DATASETS)
    portal.engine.dispose()
    running = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                            "--port", "{port}", "--log-level", "warning"],
                           env={"OTKRITO_INSTANCE": str(portal.instance.root)},
                           ready="/sql/-/versions.json", preexec_fn=_limit_files)
    yield Server(running, slugs)
    stop_server(running)


def test_the_index_pages_list_every_dataset_a_page_at_a_time(crowded: Server) -> None:
    with httpx.Client(base_url=crowded.url, timeout=60) as client:
        page = client.get("/sql/")
        assert page.status_code == 200, crowded.stderr()
        listed: list[str] = []
        url: str | None = "/sql/.json"
        for _ in range(DATASETS // PAGE_SIZE + 2):  # bounded: one more than the pages
            if url is None:
                break
            answer = client.get(url)
            assert answer.status_code == 200, answer.text[:500]
            assert answer.headers["x-total-count"] == str(DATASETS)
            names = list(answer.json())
            assert 0 < len(names) <= PAGE_SIZE
            listed += names
            found = NEXT.search(answer.headers.get("link", ""))
            url = found.group(1) if found else None
        assert url is None and listed == crowded.slugs
        files = crowded.files()
    assert 'href="/sql/nabor-0000"' in page.text and "nabor-0100" not in page.text
    assert files <= FILE_BOUND


def test_every_dataset_answers_its_own_rows_with_a_bounded_number_of_open_files(
        crowded: Server) -> None:
    limits = Path(f"/proc/{crowded.process.pid}/limits").read_text()
    assert re.search(rf"Max open files\s+{FILE_LIMIT}\s+{FILE_LIMIT}", limits), limits
    wrong: dict[str, object] = {}
    most = 0
    with httpx.Client(base_url=crowded.url, timeout=60) as client:
        for n, slug in enumerate(crowded.slugs):
            answer = client.get(f"/sql/{slug}/{slug.replace('-', '_')}.json?_shape=array")
            if answer.status_code != 200 or answer.json() != rows_of(slug, 20):
                wrong[slug] = (answer.status_code, answer.text[:200])
            if n % 25 == 0:
                most = max(most, crowded.files())
        # And again the first ones, long since unmounted: mounted again, right rows.
        for slug in crowded.slugs[:5]:
            answer = client.get(f"/sql/{slug}.json", params={
                "sql": f"select count(*) as n, min(name) as first from [{slug.replace('-', '_')}]",
                "_shape": "array"})
            if answer.json() != [{"n": 20, "first": f"{slug} ред 1"}]:
                wrong[slug] = answer.text[:200]
        most = max(most, crowded.files())
    assert wrong == {}, list(wrong.items())[:5]
    assert most <= FILE_BOUND, most


# The index in-process: pages, links, what it leaves out -------------------------------------

@pytest.fixture
def paged_portal(portal: Portal) -> tuple[Portal, list[str]]:
    slugs = publish_many(portal, 2 * PAGE_SIZE + 50)
    publish_many(portal, 1, prefix="povalen")  # its only release withdrawn below
    withdraw_release(portal.instance, portal.engine, "povalen-0000", 1, reason="грешка",
                     actor="test")
    create_dataset(portal.engine, "bez-danni", publisher="mnogo", title_bg="Без данни")
    return portal, slugs


def _get(app: object, *urls: str) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as c:
            return [await c.get(url) for url in urls]
    return asyncio.run(run())


def test_the_json_index_is_paged_in_name_order_with_links(
        paged_portal: tuple[Portal, list[str]]) -> None:
    portal, slugs = paged_portal
    first, second, third, past, zero, word = _get(
        make_sql_app(portal), "/sql/.json", "/sql/.json?page=2", "/sql/.json?page=3",
        "/sql/.json?page=4", "/sql/.json?page=0", "/sql/.json?page=two")
    assert [list(r.json()) for r in (first, second, third)] == [
        slugs[:100], slugs[100:200], slugs[200:]]
    assert first.headers["link"] == ('</sql/.json?page=1>; rel="first", '
                                     '</sql/.json?page=2>; rel="next", '
                                     '</sql/.json?page=3>; rel="last"')
    assert 'rel="prev"' in third.headers["link"] and 'rel="next"' not in third.headers["link"]
    assert {r.headers["x-total-count"] for r in (first, second, third)} == {"250"}
    assert [r.status_code for r in (past, zero, word)] == [404, 404, 404]
    assert first.headers["access-control-allow-origin"] == "*"
    entry = first.json()["nabor-0000"]
    assert {k: entry[k] for k in ("name", "path", "tables_count", "table_rows_sum")} == {
        "name": "nabor-0000", "path": "/sql/nabor-0000", "tables_count": 1, "table_rows_sum": 20}
    assert entry["tables_and_views_truncated"][0]["path"] == "/sql/nabor-0000/nabor_0000"
    assert entry["title"] == {"bg": "Набор nabor-0000", "en": "Dataset nabor-0000"}


def test_the_index_page_is_a_bilingual_portal_page_of_links(
        paged_portal: tuple[Portal, list[str]]) -> None:
    portal, slugs = paged_portal
    client = create_app({"INSTANCE": str(portal.instance.root), "TESTING": True}).test_client()
    first, last, past = (client.get(u) for u in ("/sql/", "/sql/?page=3", "/sql/?page=4"))
    english = client.get("/sql/?page=3&lang=en")
    assert (first.status_code, last.status_code, past.status_code) == (200, 200, 404)
    listed = re.findall(r'<a href="/sql/([a-z0-9-]+)">', first.text)
    assert listed == slugs[:100]
    assert re.findall(r'<a href="/sql/([a-z0-9-]+)">', last.text) == slugs[200:]
    assert '<html lang="bg">' in first.text and '<html lang="en">' in english.text
    assert 'href="/datasets"' in first.text and 'href="/sql/nabor-0000/nabor_0000"' in first.text
    assert 'href="/datasets/nabor-0000"' in first.text
    assert 'rel="next" href="/sql/?page=2"' in first.text and 'rel="prev"' not in first.text
    assert 'rel="prev" href="/sql/?page=2"' in last.text and 'rel="next"' not in last.text
    assert "250 бази данни" in first.text and "250 databases" in english.text
    assert "povalen" not in first.text + last.text and "bez-danni" not in first.text + last.text
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]


def test_the_router_sends_the_index_page_to_the_portal_and_its_json_beside_datasette(
        paged_portal: tuple[Portal, list[str]]) -> None:
    portal, _ = paged_portal
    page, data, table = _get(create_asgi({"INSTANCE": str(portal.instance.root),
                                          "TESTING": True}),
                             "/sql/", "/sql/.json", "/sql/nabor-0249/nabor_0249.json")
    assert "default-src 'self'" in page.headers["content-security-policy"]  # the portal's
    assert page.headers["content-language"] == "bg"
    assert (data.status_code, len(data.json()), table.status_code) == (200, 100, 200)
    assert table.json()["rows"][0][1] == "nabor-0249 ред 1"


@pytest.mark.parametrize("path", ["/sql/.jsono", "/sql/"])
def test_datasettes_own_index_is_never_served(portal: Portal, path: str) -> None:
    publish_many(portal, 3)
    response, = _get(make_sql_app(portal), path)
    assert response.status_code == 404 and "nabor-0000" not in response.text
