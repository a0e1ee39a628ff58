"""The scheduler of a real `otkrito serve` (threads mode, the SQLite default): a due source on a
real loopback server is fetched and published, a changed file becomes the next release, and the
same file again (answered 304 to its ETag, or sent whole without validators) is an "unchanged"
check and no release.

Each step makes the source due again the way staff do (setting it again: "due now"), then waits
for the check to be recorded: the test waits on what it can see, never on time.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import httpx
import pytest

from app.state import Portal
from datasets import catalog
from datasets.sources import history, set_source
from publishers.registry import add_publisher
from tests.conftest import HTTP_TIMEOUT, Running, start_server, stop_server, until
from tests.sources.remote import Remote, Route

SETTLEMENTS = (Path(__file__).resolve().parents[2] / "demo" / "levski-settlements.csv").read_bytes()
CHANGED = SETTLEMENTS + "99999,PVN16,Ново село,Novo selo,100,7\n".encode()
SLUG = "naseleni"


@pytest.fixture
def server(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    """`otkrito serve` on a free port, allowed to fetch from loopback, polling five times a second."""
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    catalog.create_dataset(portal.engine, SLUG, publisher="levski", title_bg="Населени места",
                           title_en="Settlements")
    running = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"],
                           env={"OTKRITO_INSTANCE": str(portal.instance.root),
                                "OTKRITO_FETCH_ALLOW": "127.0.0.1/32", "OTKRITO_SOURCES_POLL_SECONDS": "0.2"},
                           ready="/sql/")
    yield running
    stop_server(running)


def due_now(portal: Portal, url: str) -> None:
    set_source(portal.engine, SLUG, url, every="daily", actor="test")


def checks(portal: Portal, count: int) -> list[tuple[str, int | None, int | None]]:
    """(outcome, HTTP status, version) of the source's checks, oldest first, once there are `count`."""
    found = until(lambda: len(history(portal.engine, SLUG)) >= count and history(portal.engine, SLUG),
                  f"check {count} to be recorded")
    return [(c.outcome, c.status, c.version) for c in reversed(found)]


def rows(server: Running) -> list[str]:
    answer = httpx.get(f"{server.url}/sql/{SLUG}/{SLUG}.json", params={"_shape": "array", "_size": "max"},
                       timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200, answer.text[:300]
    return [row["name_en"] for row in answer.json()]


def test_serve_fetches_a_due_source_publishes_changes_and_records_unchanged_checks(
        portal: Portal, server: Running, remote: Remote) -> None:
    assert "Sources scheduler runs in this process" in server.stderr()
    route = Route(SETTLEMENTS, etag='"v1"')
    due_now(portal, remote.route("/naseleni.csv", route))
    assert checks(portal, 1) == [("published", 200, 1)]
    page = httpx.get(f"{server.url}/datasets/{SLUG}?lang=en", timeout=HTTP_TIMEOUT).text
    assert "version 1" in page and "Fetched from its source" in page and "last changed" in page
    assert len(rows(server)) == SETTLEMENTS.count(b"\n") - 1

    route.body, route.etag = CHANGED, '"v2"'  # the municipality replaces the file
    due_now(portal, remote.url("/naseleni.csv"))
    assert checks(portal, 2)[1] == ("published", 200, 2)
    assert "version 2" in httpx.get(f"{server.url}/datasets/{SLUG}?lang=en", timeout=HTTP_TIMEOUT).text
    assert rows(server)[-1] == "Novo selo"

    due_now(portal, remote.url("/naseleni.csv"))  # the same file, with its ETag: 304
    assert checks(portal, 3)[2] == ("unchanged", 304, None)
    assert remote.requests_to("/naseleni.csv")[-1].headers.get("if-none-match") == '"v2"'

    route.etag = None  # the same file from a server that sends no validators: read whole
    due_now(portal, remote.url("/naseleni.csv"))
    assert checks(portal, 4)[3] == ("unchanged", 200, None)
    assert history(portal.engine, SLUG)[0].bytes == len(CHANGED)
    assert [r.version for r in catalog.list_releases(portal.engine, catalog.get_dataset(portal.engine, SLUG).id)] \
        == [2, 1]
    page = httpx.get(f"{server.url}/datasets/{SLUG}?lang=en", timeout=HTTP_TIMEOUT).text
    assert "version 2" in page and "version 3" not in page
    assert len(remote.requests_to("/naseleni.csv")) == 4
