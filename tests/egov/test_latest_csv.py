"""The stable latest-CSV URL that data.egov.bg pulls, served by the real server."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from app.state import Portal
from datasets import catalog
from metadata.records import Publisher
from tests.conftest import HTTP_TIMEOUT
from tests.egov.conftest import BASE_URL, release
from tests.egov.fake_portal import FakePortal

pytestmark = pytest.mark.catalogs


def _release_csv(portal: Portal, slug: str) -> bytes:
    dataset = catalog.get_dataset(portal.engine, slug)
    latest = catalog.latest_release(portal.engine, dataset.id)
    record = latest.file("data")
    return (portal.instance.release_dir(slug, latest.version) / record.name).read_bytes()


def test_the_latest_csv_is_served_itself_and_follows_each_new_release(
        portal: Portal, levski: Publisher, live_server: str, tmp_path: Path) -> None:
    url = f"{live_server}/datasets/byudzhet-2026/latest.csv"
    first = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
    assert (first.status_code, first.headers["content-type"]) == (200, "text/csv; charset=utf-8")
    assert first.content == _release_csv(portal, "byudzhet-2026") and b"\xd1\x80\xd0\xb5\xd0\xb4 2" in first.content
    release(portal, "byudzhet-2026", tmp_path, rows=5, word="нов")
    second = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
    assert second.status_code == 200 and second.content == _release_csv(portal, "byudzhet-2026")
    assert "нов 4".encode() in second.content and second.content != first.content


def test_an_unchanged_latest_csv_answers_a_conditional_request_with_304(
        levski: Publisher, live_server: str) -> None:
    url = f"{live_server}/datasets/resheniya-2026/latest.csv"
    etag = httpx.get(url, timeout=HTTP_TIMEOUT).headers["etag"]
    assert httpx.get(url, headers={"If-None-Match": etag}, timeout=HTTP_TIMEOUT).status_code == 304


def test_the_url_a_sync_registers_is_one_the_live_server_serves_as_csv(
        portal: Portal, levski: Publisher, live_server: str, fake: FakePortal, sync: Callable[..., Any]) -> None:
    sync(levski)
    urls = sorted(r["resource_url"] for r in fake.state.resources.values())
    assert urls == [f"{BASE_URL}/datasets/{s}/latest.csv" for s in ("byudzhet-2026", "naselenie-2026", "resheniya-2026")]
    for url in urls:  # as the national portal's curl would fetch it, on our server's address
        answer = httpx.get(url.replace(BASE_URL, live_server), timeout=HTTP_TIMEOUT, follow_redirects=False)
        assert answer.status_code == 200 and answer.content.startswith(b"name,value\n")


def test_a_dataset_without_a_release_has_no_latest_csv(portal: Portal, levski: Publisher, live_server: str) -> None:
    catalog.create_dataset(portal.engine, "prazen", publisher=levski.slug, title_bg="Празен")
    assert [httpx.get(f"{live_server}/datasets/{slug}/latest.csv", timeout=HTTP_TIMEOUT).status_code
            for slug in ("prazen", "no-such-dataset")] == [404, 404]
