"""Feed documents built from plain records: ids, text, links, hostile input."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone

import feedparser
import pytest
from lxml import etree

from feeds.build import FeedPage, change_text, entry_id, render
from metadata.dcat import Site, clean_text, safe_url
from metadata.messages import Text
from metadata.records import Dataset, Publisher, Release, ReleaseFile

SITE = Site("https://data.levski.example")
WHEN = datetime(2026, 3, 31, 9, 30, tzinfo=timezone.utc)
WITHDRAWN = datetime(2026, 4, 2, 8, 0, tzinfo=timezone.utc)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass(frozen=True)
class Item:
    release: Release
    dataset: Dataset
    publisher: Publisher
    previous_rows: int | None


def make_item(*, title: str = "Бюджет", notes: str = "Първо тримесечие", rows: int = 120,
              previous: int | None = 100, version: int = 2, status: str = "published",
              publisher_name: str = "Община Левски", homepage: str | None = None) -> Item:
    files = (ReleaseFile("budget.csv", "data", "text/csv", 2013, "ab" * 32),
             ReleaseFile("budget.db", "sqlite", "application/vnd.sqlite3", 32768, "cd" * 32))
    release = Release(1, 1, version, WHEN, notes, rows, files, status=status,
                      withdrawn_at=WITHDRAWN if status == "withdrawn" else None,
                      withdrawn_reason="Грешни данни" if status == "withdrawn" else None)
    dataset = Dataset(1, "budget", 1, Text(title, title + " (en)"), Text("Описание", "Description"),
                      themes=("ECON",), keywords=("бюджет",))
    publisher = Publisher(1, "levski", Text(publisher_name, publisher_name), homepage=homepage)
    return Item(release, dataset, publisher, previous)


def page(**changes: object) -> FeedPage:
    base = FeedPage("releases", Text("Всички версии", "All releases"),
                    SITE.url("feeds/releases.atom"), SITE.url("datasets"), WHEN)
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_a_feed_parses_without_errors_and_carries_the_entry(fmt: str) -> None:
    parsed = feedparser.parse(render(SITE, page(), [make_item()], lang="bg", fmt=fmt))
    assert parsed.bozo == 0
    [entry] = parsed.entries
    assert entry.id == "tag:data.levski.example,2026:otkrito/release/budget/2"
    assert entry.title == "Бюджет: версия 2"
    assert entry.link == "https://data.levski.example/datasets/budget/releases/2"
    assert "120 реда (+20 спрямо предишната версия)." in entry.summary
    assert "Първо тримесечие" in entry.summary


def test_the_entry_id_depends_only_on_the_configured_host_the_dataset_and_the_version() -> None:
    item = make_item()
    changed = replace(item, release=replace(item.release, notes="other", row_count=1,
                                            created_at=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    assert entry_id(SITE, item) == entry_id(SITE, changed) == entry_id(Site(SITE.base_url + "/"), item)
    assert entry_id(SITE, item, withdrawal=True) == "tag:data.levski.example,2026:otkrito/withdrawal/budget/2"


def test_an_atom_entry_links_the_release_the_dataset_page_and_every_download() -> None:
    parsed = feedparser.parse(render(SITE, page(), [make_item()], lang="en", fmt="atom"))
    links = {(link.rel, link.href) for link in parsed.entries[0].links}
    release = "https://data.levski.example/datasets/budget/releases/2"
    assert links == {("alternate", release), ("related", "https://data.levski.example/datasets/budget"),
                     ("enclosure", release + "/budget.csv"), ("enclosure", release + "/budget.db")}
    assert parsed.entries[0].author == "Община Левски"
    assert parsed.entries[0].published_parsed[:6] == (2026, 3, 31, 9, 30, 0)


@pytest.mark.parametrize(("previous", "expected"), [
    (None, "120 rows; first release."),
    (100, "120 rows (+20 since the previous release)."),
    (150, "120 rows (-30 since the previous release)."),
    (120, "120 rows (0 since the previous release)."),
])
def test_the_change_since_the_previous_release_is_the_row_count_difference(previous: int | None, expected: str) -> None:
    assert change_text(make_item(previous=previous), "en") == expected


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_markup_and_control_characters_in_titles_and_notes_stay_inert_and_the_feed_parses(fmt: str) -> None:
    item = make_item(title=f"Бюджет\x00\x07\x1b{XSS}\ufffe", notes=f"бележка\x0b{XSS}\x85",
                     publisher_name=f"Община\x00 {XSS}")
    document = render(SITE, page(title=Text(f"Всички\x00{XSS}", "All")), [item], lang="bg", fmt=fmt)
    parsed = feedparser.parse(document)
    assert parsed.bozo == 0
    tree = etree.fromstring(document)
    assert [e.tag for e in tree.iter() if etree.QName(e).localname in ("script", "img")] == []
    assert parsed.entries[0].title == f"Бюджет{XSS}: версия 2"
    for value in (parsed.entries[0].title, parsed.entries[0].summary, parsed.feed.title):
        assert not any(ord(c) < 32 and c not in "\t\n\r" for c in value)


def test_the_rss_description_escapes_markup_so_readers_show_it_as_text() -> None:
    document = render(SITE, page(), [make_item(notes=XSS)], lang="bg", fmt="rss")
    description = etree.fromstring(document).find("channel/item/description").text
    assert "&lt;script&gt;" in description and "<script" not in description


def test_a_withdrawn_release_shows_as_withdrawn_with_its_reason_and_no_downloads() -> None:
    item = make_item(status="withdrawn")
    parsed = feedparser.parse(render(SITE, page(withdrawals=True), [item], lang="en", fmt="atom"))
    [entry] = parsed.entries
    assert entry.id == "tag:data.levski.example,2026:otkrito/withdrawal/budget/2"
    assert entry.title == "Withdrawn: Бюджет (en), release 2"
    assert "Withdrawn. Reason: Грешни данни" in entry.summary
    assert entry.updated_parsed[:4] == (2026, 4, 2, 8)
    assert [link.rel for link in entry.links] == ["alternate", "related"]


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_paging_links_follow_rfc_5005_in_both_formats(fmt: str) -> None:
    paged = page(next_url=SITE.url("feeds/releases.atom?page=3"),
                 previous_url=SITE.url("feeds/releases.atom?page=1"),
                 first_url=SITE.url("feeds/releases.atom"))
    parsed = feedparser.parse(render(SITE, paged, [make_item()], lang="bg", fmt=fmt))
    rels = {link.rel: link.href for link in parsed.feed.links}
    assert rels["next"].endswith("?page=3") and rels["previous"].endswith("?page=1")
    assert rels["first"].endswith("/feeds/releases.atom")


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://www.levski.bg", True), ("http://levski.bg/a?b=c", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,x", False),
    ("//evil.example", False), ("https://evil.example/\x00", False), ("https://a b", False),
    ("ftp://levski.bg", False), ("", False), (None, False),
])
def test_only_absolute_http_links_are_allowed(url: str | None, allowed: bool) -> None:
    assert (safe_url(url) is not None) is allowed


def test_clean_text_keeps_tabs_newlines_and_cyrillic_and_drops_the_rest() -> None:
    assert clean_text("Левски\t1\n2\r\x00\x01\x1f\x7f\x9f\ufffe\uffff\ud800") == "Левски\t1\n2\r"


def test_a_site_refuses_a_base_url_that_is_not_http() -> None:
    with pytest.raises(ValueError):
        Site("javascript:alert(1)")
