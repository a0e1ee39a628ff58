"""Feeds over HTTP: every feed parses, ids stay, conditional GETs, paging, withdrawals, discovery."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Callable

import feedparser
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.state import Portal
from datasets import catalog
from publishers.store import releases

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)

FEEDS = ["/feeds/releases", "/feeds/publishers/obshtina-levski",
         "/feeds/datasets/byudzhet-na-obshtina-levski", "/feeds/themes/econ", "/feeds/themes/GOVE",
         "/feeds/keywords/бюджет", "/feeds/keywords/%D0%95%D0%9A%D0%90%D0%A2%D0%A2%D0%95"]
XSS = '<script>alert(1)</script>'


def parse(client: FlaskClient, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
    return parsed


def withdraw(portal: Portal, slug: str, version: int, reason: str = "Грешка в данните") -> None:
    """Withdraw a release directly in the catalog (issue #4 will add the real operation)."""
    dataset = catalog.get_dataset(portal.engine, slug)
    with portal.engine.begin() as conn:
        conn.execute(releases.update().where(releases.c.dataset_id == dataset.id,
                                             releases.c.version == version)
                     .values(status="withdrawn", withdrawn_reason=reason,
                             withdrawn_at=datetime.now(timezone.utc)))
        catalog.bump_generation(conn)


@pytest.mark.parametrize("lang", ["", "?lang=en"])
@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_parses_without_errors_and_lists_releases(demo_client: FlaskClient, feed: str,
                                                             fmt: str, lang: str) -> None:
    parsed = parse(demo_client, f"{feed}.{fmt}{lang}")
    assert parsed.entries
    assert all(e.id.startswith("tag:data.levski.example,2026:otkrito/release/") for e in parsed.entries)


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_the_feed_speaks_the_language_asked_for_with_bulgarian_by_default(demo_client: FlaskClient, fmt: str) -> None:
    url = f"/feeds/datasets/byudzhet-na-obshtina-levski.{fmt}"
    bulgarian, english = parse(demo_client, url), parse(demo_client, url + "?lang=en")
    assert [e.title for e in bulgarian.entries] == ["Бюджет на Община Левски: версия 2",
                                                    "Бюджет на Община Левски: версия 1"]
    assert [e.title for e in english.entries] == ["Budget of the Municipality of Levski: release 2",
                                                  "Budget of the Municipality of Levski: release 1"]
    assert "16 rows (0 since the previous release)." in english.entries[0].summary
    assert demo_client.get(url + "?lang=en").headers["Content-Language"] == "en"


def test_entries_link_the_dataset_page_the_release_and_its_downloads(demo_client: FlaskClient) -> None:
    entry = parse(demo_client, "/feeds/datasets/byudzhet-na-obshtina-levski.atom").entries[0]
    release = "https://data.levski.example/datasets/byudzhet-na-obshtina-levski/releases/2"
    assert {(l.rel, l.href) for l in entry.links} >= {
        ("alternate", release), ("related", "https://data.levski.example/datasets/byudzhet-na-obshtina-levski"),
        ("enclosure", release + "/byudzhet-na-obshtina-levski.csv"),
        ("enclosure", release + "/byudzhet-na-obshtina-levski-v2.zip")}
    assert entry.author == "Община Левски"
    assert entry.published == entry.updated and entry.published.endswith("+00:00")


def test_entry_ids_are_the_same_when_the_feed_is_generated_again_and_after_new_releases(
        portal: Portal, fresh_client: FlaskClient, publish: Callable[..., int]) -> None:
    publish("budget", [{"a": 1}])
    publish("budget", [{"a": 1}, {"a": 2}])
    first = [e.id for e in parse(fresh_client, "/feeds/releases.atom").entries]
    again = [e.id for e in parse(fresh_client, "/feeds/releases.rss").entries]
    publish("budget", [{"a": 3}])
    later = [e.id for e in parse(fresh_client, "/feeds/releases.atom").entries]
    assert first == again == ["tag:data.levski.example,2026:otkrito/release/budget/2",
                              "tag:data.levski.example,2026:otkrito/release/budget/1"]
    assert later == ["tag:data.levski.example,2026:otkrito/release/budget/3", *first]


def test_entry_ids_come_from_the_configured_base_url_not_the_request_host(demo_client: FlaskClient) -> None:
    response = demo_client.get("/feeds/releases.atom", base_url="http://other.example:9999")
    assert {e.id.split(",")[0] for e in feedparser.parse(response.data).entries} == {"tag:data.levski.example"}


@pytest.mark.parametrize("url", ["/feeds/releases.atom", "/feeds/themes/econ.rss?lang=en",
                                 "/feeds/withdrawals.atom"])
def test_a_conditional_get_with_the_etag_or_the_date_answers_304(demo_client: FlaskClient, url: str) -> None:
    first = demo_client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    by_etag = demo_client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert (by_etag.status_code, by_etag.data) == (304, b"")
    if first.headers.get("Last-Modified"):
        by_date = demo_client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert by_date.status_code == 304


def test_the_etag_differs_by_language_and_changes_when_a_release_is_published(
        fresh_client: FlaskClient, publish: Callable[..., int]) -> None:
    publish("budget", [{"a": 1}])
    before = fresh_client.get("/feeds/releases.atom").headers["ETag"]
    assert fresh_client.get("/feeds/releases.atom?lang=en").headers["ETag"] != before
    publish("budget", [{"a": 2}])
    after = fresh_client.get("/feeds/releases.atom", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_a_feed_is_paged_fifty_entries_at_a_time_with_next_and_previous_links(
        portal: Portal, fresh_client: FlaskClient, publish: Callable[..., int]) -> None:
    for _ in range(120):
        publish("budget", [{"a": 1}])
    pages = [parse(fresh_client, f"/feeds/releases.atom?page={n}") for n in (1, 2, 3)]
    assert [len(p.entries) for p in pages] == [50, 50, 20]
    versions = [int(e.id.rsplit("/", 1)[1]) for p in pages for e in p.entries]
    assert versions == list(range(120, 0, -1))
    links = [{l.rel: l.href for l in p.feed.links} for p in pages]
    assert links[0]["next"] == "https://data.levski.example/feeds/releases.atom?page=2"
    assert "previous" not in links[0] and "next" not in links[2]
    assert links[1]["previous"] == "https://data.levski.example/feeds/releases.atom"
    assert links[1]["self"] == "https://data.levski.example/feeds/releases.atom?page=2"
    assert fresh_client.get("/feeds/releases.atom?page=4").status_code == 404
    assert fresh_client.get("/feeds/releases.atom?page=zero").status_code == 400


def test_a_withdrawn_release_shows_as_withdrawn_and_appears_in_the_withdrawals_feed(
        portal: Portal, fresh_client: FlaskClient, publish: Callable[..., int]) -> None:
    publish("budget", [{"a": 1}])
    publish("budget", [{"a": 2}])
    assert parse(fresh_client, "/feeds/withdrawals.atom").entries == []
    withdraw(portal, "budget", 1, reason=f"Грешка {XSS}")
    [withdrawal] = parse(fresh_client, "/feeds/withdrawals.atom?lang=en").entries
    assert withdrawal.id == "tag:data.levski.example,2026:otkrito/withdrawal/budget/1"
    assert withdrawal.title == "Withdrawn: Dataset budget, release 1"
    assert f"Withdrawn. Reason: Грешка {XSS}" in withdrawal.summary
    entries = parse(fresh_client, "/feeds/releases.atom").entries
    assert [e.id for e in entries] == ["tag:data.levski.example,2026:otkrito/release/budget/2",
                                       "tag:data.levski.example,2026:otkrito/release/budget/1"]
    assert entries[1].title == "Оттеглена: Набор budget, версия 1"
    assert parse(fresh_client, "/feeds/withdrawals.rss").entries[0].title.startswith("Оттеглена")


def test_markup_and_control_characters_in_a_published_title_keep_every_feed_parseable(
        fresh_client: FlaskClient, publish: Callable[..., int]) -> None:
    publish("budget", [{"a": 1}], title=f"Бюджет\x00\x08 {XSS}")
    for fmt in ("atom", "rss"):
        response = fresh_client.get(f"/feeds/releases.{fmt}")
        parsed = feedparser.parse(response.data)
        assert parsed.bozo == 0 and b"<script" not in response.data
        assert parsed.entries[0].title == f"Бюджет {XSS}: версия 1"


@pytest.mark.parametrize("url", ["/feeds/datasets/nope.atom", "/feeds/publishers/nope.rss",
                                 "/feeds/themes/nope.atom", "/feeds/releases.json"])
def test_a_feed_of_something_unknown_is_not_found(demo_client: FlaskClient, url: str) -> None:
    assert demo_client.get(url).status_code == 404


def test_a_keyword_nobody_uses_yet_gives_an_empty_feed(demo_client: FlaskClient) -> None:
    assert parse(demo_client, "/feeds/keywords/нищо.atom").entries == []


@pytest.mark.parametrize(("page", "expected"), [
    ("/", {"/feeds/releases.atom", "/feeds/releases.rss", "/catalog.ttl"}),
    ("/datasets", {"/feeds/releases.atom", "/feeds/releases.rss", "/catalog.ttl"}),
    ("/datasets/byudzhet-na-obshtina-levski",
     {"/feeds/datasets/byudzhet-na-obshtina-levski.atom", "/feeds/datasets/byudzhet-na-obshtina-levski.rss",
      "/datasets/byudzhet-na-obshtina-levski.ttl", "/feeds/releases.atom", "/feeds/releases.rss"}),
    ("/datasets/byudzhet-na-obshtina-levski/releases/1",
     {"/feeds/datasets/byudzhet-na-obshtina-levski.atom", "/feeds/datasets/byudzhet-na-obshtina-levski.rss",
      "/datasets/byudzhet-na-obshtina-levski.ttl", "/feeds/releases.atom", "/feeds/releases.rss"}),
    ("/publishers/obshtina-levski",
     {"/feeds/publishers/obshtina-levski.atom", "/feeds/publishers/obshtina-levski.rss",
      "/feeds/releases.atom", "/feeds/releases.rss"}),
])
def test_html_pages_announce_their_feeds_for_autodiscovery_and_the_links_work(
        demo_client: FlaskClient, page: str, expected: set[str]) -> None:
    html = demo_client.get(page + "?lang=bg").get_data(as_text=True)
    found = {m.group(1) for m in re.finditer(
        r'<link rel="alternate" type="[^"]+(?:xml|turtle)" href="([^"]+)"', html)}
    assert found == expected
    for href in found:
        assert demo_client.get(href).status_code == 200, href
