"""The live portal under readers, mixed load and slow clients while publishes run.

SECURITY.md cases 4, 36 and 38, against `otkrito serve --workers 2` on 127.0.0.1: readers never
get an error nor a mix of two releases; a bounded mixed load gets zero errors (latency figures
are printed, not asserted); stalled uploads and half-sent requests do not block anyone else.
"""
from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import feedparser
import httpx
import pytest

from app.state import Portal
from datasets import catalog
from datasets.consistency import check_instance
from datasets.publish import Upload, publish
from publishers.registry import get_publisher
from publishers.tokens import create_token
from publishers.users import add_user, grant
from tests.conftest import HTTP_TIMEOUT, start_server, stop_server
from tests.reliability.conftest import ROOT, make_budget_instance, tagged_budget, tags_in
from tests.reliability.load import errors, hammer, report

NOTES = re.compile(r"#N(\d+)")
BIG_ROWS = 150_000
PAGES = ["/", "/datasets", "/datasets/budget", "/datasets/budget-2", "/publishers/levski",
         "/datasets/budget/releases/1"]
SEARCHES = ["/datasets?q=%D0%B7%D0%B0%D0%BF%D0%BB%D0%B0%D1%82%D0%B8", "/datasets?q=budget&sort=title"]
FEEDS = ["/feeds/releases.atom", "/feeds/datasets/budget.rss", "/catalog.ttl", "/datasets/budget.jsonld",
         "/api/3/action/package_show?id=budget", "/api/3/action/package_search?q=budget"]
DOWNLOADS = ["/datasets/budget/releases/1/budget.csv", "/datasets/budget/releases/1/budget-v1.zip",
             "/datasets/budget/releases/1/budget.json", "/datasets/budget/datapackage.json"]
SQL = ["/sql/budget/budget.json?_shape=array&_size=max",
       "/sql/budget/budget.json?_search=%D0%97%D0%B0%D0%BF%D0%BB%D0%B0%D1%82%D0%B8",
       "/sql/budget.json?sql=select+period,count(*)+as+n,sum(executed)+from+budget+group+by+period",
       "/sql/budget-2/budget_2.json?_shape=objects"]


@dataclass(frozen=True)
class Served:
    """The running portal: its URL, its instance, and an API token of levski's editor."""

    url: str
    portal: Portal
    token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`otkrito serve --workers 2` over an instance with two budget datasets."""
    root = tmp_path_factory.mktemp("load") / "instance"
    portal = make_budget_instance(root, datasets=("budget", "budget-2"))
    big = tmp_path_factory.mktemp("big") / "big.csv"
    with big.open("w", encoding="utf-8") as out:  # ~11 MB: more than any socket buffer holds
        out.write("id,name,amount\n")
        out.writelines(f"{i},Обект {i} в община Левски,{i * 3.5:.2f}\n" for i in range(BIG_ROWS))
    catalog.create_dataset(portal.engine, "big", publisher="levski", title_bg="Голям набор")
    publish(portal.instance, portal.engine, Upload(big, "big.csv"), dataset="big")
    editor = add_user(portal.engine, "editor@levski.bg", password="correct horse battery staple")
    grant(portal.engine, editor.email, "editor", publisher="levski")
    _token, secret = create_token(portal.engine, publisher_id=get_publisher(portal.engine, "levski").id,
                                  user_id=editor.id, name="load", actor="test")
    server = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}",
                           "--workers", "2"], env={"OTKRITO_INSTANCE": str(root)}, ready="/sql/")
    yield Served(server.url, portal, secret)
    stop_server(server)
    portal.engine.dispose()


class Publishing:
    """Publish tagged uploads with the real CLI in the background, one after another."""

    def __init__(self, served: Served, folder: Path, tags: list[int], *, dataset: str = "budget") -> None:
        env = {**os.environ, "OTKRITO_INSTANCE": str(served.portal.instance.root)}
        self.commands = [[sys.executable, "-m", "app.cli", "publish", str(tagged_budget(folder, tag)),
                          "--dataset", dataset, "--notes", f"#N{tag}"] for tag in tags]
        self.env, self.results = env, []  # type: list[subprocess.CompletedProcess[str]]
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        for command in self.commands:
            self.results.append(subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True,
                                               text=True, timeout=300))

    def done(self) -> bool:
        return not self.thread.is_alive()

    def assert_succeeded(self) -> None:
        self.thread.join()
        assert [r.returncode for r in self.results] == [0] * len(self.commands), \
            [r.stderr[-500:] for r in self.results]


def _row_tags_by_version(portal: Portal, slug: str) -> dict[int, set[int]]:
    """Which tagged upload each release holds (release 1 holds untagged rows)."""
    dataset = catalog.get_dataset(portal.engine, slug)
    return {r.version: {int(n) for n in NOTES.findall(r.notes)}
            for r in catalog.list_releases(portal.engine, dataset.id)}


def test_readers_during_publishes_never_see_an_error_or_a_mix_of_releases(
        served: Served, tmp_path: Path) -> None:
    seen: list[tuple[str, int | None, frozenset[int]]] = []

    def check(path: str, response: httpx.Response) -> None:
        tags = frozenset(tags_in(response.text))
        if path.startswith("/sql/"):
            assert len(tags) <= 1, tags  # one release's rows, never two
            assert len(response.json()) == 16
            seen.append(("sql", None, tags))
        elif path.startswith("/feeds/"):
            parsed = feedparser.parse(response.content)
            ids = [entry.id for entry in parsed.entries]
            assert not parsed.bozo and len(ids) == len(set(ids)) > 0
        else:
            shown = [int(v) for v in re.findall(r"/datasets/budget/releases/(\d+)", response.text)]
            seen.append(("page", max(shown), tags))

    paths = ["/datasets/budget", "/sql/budget/budget.json?_shape=array&_size=max",
             "/feeds/releases.atom", "/feeds/datasets/budget.atom"]
    publishing = Publishing(served, tmp_path, [101, 102, 103, 104])
    hits = hammer(served.url, paths, workers=4, until=publishing.done, at_least=200, check=check)
    publishing.assert_succeeded()
    hits += hammer(served.url, paths, workers=2, until=lambda: True, at_least=8, check=check)
    assert errors(hits) == []
    holds = _row_tags_by_version(served.portal, "budget")
    releases_rows = {frozenset(tags) for tags in holds.values()}
    for kind, version, tags in seen:
        if kind == "page":  # the latest release it names, and that release's rows
            assert version in holds and tags == holds[version], (version, tags)
        else:
            assert tags in releases_rows, tags
    assert {tags for kind, _v, tags in seen if kind == "sql"} > {frozenset({104})}, \
        "the readers never saw the publishes land"


def test_mixed_load_during_a_publish_has_no_errors_and_reports_p95(served: Served, tmp_path: Path) -> None:
    paths = PAGES + SEARCHES + FEEDS + DOWNLOADS + SQL
    publishing = Publishing(served, tmp_path, [201, 202], dataset="budget-2")
    started = time.perf_counter()
    hits = hammer(served.url, paths, workers=6, until=publishing.done, at_least=1200)
    elapsed = time.perf_counter() - started
    publishing.assert_succeeded()
    print(f"\nmixed load against otkrito serve --workers 2 during 2 publishes:\n{report(hits, elapsed)}")
    assert errors(hits) == []
    assert {path for path in paths} == {hit.path for hit in hits}


def _stall(url: str, request: bytes) -> socket.socket:
    """Open a connection, send the start of a request, and then nothing more."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(request)
    return sock


def _read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read one whole HTTP/1.1 response with a Content-Length: its head and its body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = sock.recv(1 << 20)
        assert chunk, "the connection closed early"
        body += chunk
    return head, body


def test_clients_that_never_read_big_downloads_do_not_block_other_requests(served: Served) -> None:
    dataset = catalog.get_dataset(served.portal.engine, "big")
    release = catalog.get_release(served.portal.engine, dataset, 1)
    host, port = served.url.removeprefix("http://").split(":")
    names = [release.file(role).name for role in ("data", "sqlite", "source")]  # type: ignore[union-attr]
    readers = []
    for i in range(30):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # reads nothing, holds little
        sock.connect((host, int(port)))
        sock.sendall(f"GET /datasets/big/releases/1/{names[i % 3]} HTTP/1.1\r\n"
                     f"Host: {host}\r\n\r\n".encode())
        readers.append(sock)
    try:
        paths = PAGES + FEEDS + DOWNLOADS + SQL
        hits = hammer(served.url, paths, workers=4, until=lambda: True, at_least=2 * len(paths))
        assert errors(hits) == []
        head, body = _read_response(readers[0])  # and the slow reader still gets every byte
        assert head.startswith(b"HTTP/1.1 200")
        assert hashlib.sha256(body).hexdigest() == release.file("data").sha256  # type: ignore[union-attr]
    finally:
        for sock in readers:
            sock.close()


def test_stalled_uploads_and_half_sent_requests_do_not_block_other_requests(served: Served) -> None:
    body_start = (b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
                  b"Content-Type: text/csv\r\n\r\nyear;period\r\n" + b"2026;H1\r\n" * 500)
    upload = (b"POST /api/v1/datasets/budget/releases HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Authorization: Bearer " + served.token.encode() + b"\r\n"
              b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 50000000\r\n\r\n")
    login = (b"POST /staff/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail=")
    half_headers = b"GET /datasets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    stalled = ([_stall(served.url, upload + body_start) for _ in range(12)]
               + [_stall(served.url, login) for _ in range(12)]
               + [_stall(served.url, half_headers) for _ in range(12)])
    try:
        paths = PAGES + FEEDS + DOWNLOADS + SQL
        hits = hammer(served.url, paths, workers=4, until=lambda: True, at_least=2 * len(paths))
        assert errors(hits) == []
        with httpx.Client(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
            staff = client.get("/staff/login")
            api = client.get("/api/v1/datasets/budget",
                             headers={"Authorization": f"Bearer {served.token}"})
        assert (staff.status_code, api.status_code) == (200, 200)
    finally:
        for sock in stalled:
            sock.close()


def test_api_uploads_over_http_at_once_during_reads_each_become_one_release(
        served: Served, tmp_path: Path) -> None:
    plan = [("budget", 301), ("budget", 302), ("budget-2", 303), ("budget-2", 304), ("budget", 305)]
    before = {slug: len(_row_tags_by_version(served.portal, slug)) for slug in ("budget", "budget-2")}
    answers: list[httpx.Response] = []

    def upload(slug: str, tag: int) -> None:
        with tagged_budget(tmp_path, tag).open("rb") as sent:
            answers.append(httpx.post(f"{served.url}/api/v1/datasets/{slug}/releases", timeout=HTTP_TIMEOUT,
                                      headers={"Authorization": f"Bearer {served.token}"},
                                      files={"file": (f"r{tag}.csv", sent, "text/csv")},
                                      data={"notes": f"#N{tag}"}))

    threads = [threading.Thread(target=upload, args=step) for step in plan]
    for thread in threads:
        thread.start()
    hits = hammer(served.url, PAGES + SQL, workers=3,
                  until=lambda: not any(t.is_alive() for t in threads), at_least=50)
    assert errors(hits) == []
    assert [a.status_code for a in answers] == [201] * len(plan), [a.text[:300] for a in answers]
    for slug in ("budget", "budget-2"):
        holds = _row_tags_by_version(served.portal, slug)
        tags = sorted(tag for s, tag in plan if s == slug)
        assert sorted(t for v in holds.values() for t in v if t in tags) == tags  # each once
        assert sorted(holds) == list(range(1, before[slug] + len(tags) + 1))
    assert check_instance(served.portal.instance, served.portal.engine).findings == ()
