"""Atom 1.0 and RSS 2.0 feeds of releases: pure functions, releases in, bytes out.

Every text passes through `clean_text` (one NUL would make feedgen fail the whole feed) and
every link through `safe_url`. Summaries are plain text: in Atom they are `type="text"`; in RSS,
whose description readers treat as HTML, they are HTML-escaped first so markup stays inert.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, Protocol, Sequence

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from metadata.dcat import Site, clean_text, safe_url
from metadata.messages import Text
from metadata.records import Dataset, Publisher, Release

Format = Literal["atom", "rss"]
ATOM_NS = "http://www.w3.org/2005/Atom"
TAG_YEAR = 2026  # the year in every tag URI: part of the id, so it must never change
ROLE_LABELS = {"data": Text("CSV", "CSV"), "sqlite": Text("SQLite", "SQLite"),
               "zip": Text("Пакет с данни (zip)", "Data Package (zip)"),
               "datapackage": Text("Описание (datapackage.json)", "Descriptor (datapackage.json)"),
               "source": Text("Оригинален файл", "Original file")}


class Item(Protocol):
    """What a feed entry needs to know about a release (datasets.feed_queries.FeedItem)."""

    @property
    def release(self) -> Release: ...
    @property
    def dataset(self) -> Dataset: ...
    @property
    def publisher(self) -> Publisher: ...
    @property
    def previous_rows(self) -> int | None: ...


@dataclass(frozen=True)
class FeedPage:
    """What a feed is about and where its pages are (RFC 5005 paging)."""

    key: str  # stable part of the feed id: "releases", "dataset/<slug>", "withdrawals" …
    title: Text
    self_url: str
    html_url: str
    updated: datetime | None
    next_url: str | None = None
    previous_url: str | None = None
    first_url: str | None = None
    withdrawals: bool = False


def tag_uri(site: Site, *parts: str | int) -> str:
    """Return a tag URI (RFC 4151) that depends on the configured host and the parts only."""
    return f"tag:{site.host},{TAG_YEAR}:otkrito/" + "/".join(str(p) for p in parts)


def entry_id(site: Site, item: Item, *, withdrawal: bool = False) -> str:
    """Return the entry's permanent id: a release, or its withdrawal, never changes id."""
    kind = "withdrawal" if withdrawal else "release"
    return tag_uri(site, kind, item.dataset.slug, item.release.version)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def change_text(item: Item, lang: str) -> str:
    """Say how many rows the release has and how that differs from the previous one."""
    rows = item.release.row_count
    if item.previous_rows is None:
        return Text(f"{rows} реда; първа версия.", f"{rows} rows; first release.").get(lang)
    diff = rows - item.previous_rows
    sign = f"+{diff}" if diff > 0 else str(diff)
    return Text(f"{rows} реда ({sign} спрямо предишната версия).",
                f"{rows} rows ({sign} since the previous release).").get(lang)


def entry_title(item: Item, lang: str, *, withdrawal: bool = False) -> str:
    """Return the entry title in the feed's language."""
    name = clean_text(item.dataset.title.get(lang))
    version = item.release.version
    if withdrawal or item.release.status == "withdrawn":
        return Text(f"Оттеглена: {name}, версия {version}",
                    f"Withdrawn: {name}, release {version}").get(lang)
    return Text(f"{name}: версия {version}", f"{name}: release {version}").get(lang)


def entry_summary(item: Item, lang: str) -> str:
    """Return the plain-text summary: what changed, the notes, and any withdrawal reason."""
    lines = [change_text(item, lang)]
    if item.release.notes:
        lines.append(Text("Бележки: ", "Notes: ").get(lang) + item.release.notes)
    if item.release.status == "withdrawn":
        reason = item.release.withdrawn_reason or "—"
        lines.append(Text("Оттеглена. Причина: ", "Withdrawn. Reason: ").get(lang) + reason)
    return clean_text("\n".join(lines))


def _links(site: Site, item: Item, lang: str) -> list[tuple[str, str, str, int | None]]:
    """Return (label, url, media type, bytes) of the release's downloads."""
    if item.release.status != "published":
        return []  # withdrawn files are no longer served
    return [(ROLE_LABELS.get(f.role, Text(f.name, f.name)).get(lang),
             site.download(item.dataset.slug, item.release.version, f.name), f.media_type, f.bytes)
            for f in item.release.files if f.role != "source"]


def entry_html(site: Site, item: Item, lang: str) -> str:
    """Return the entry's HTML content: summary paragraphs and escaped download links."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in
                         entry_summary(item, lang).split("\n"))
    links = "".join(f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>'
                    for label, url, _type, _bytes in _links(site, item, lang) if safe_url(url))
    page = html.escape(site.dataset(item.dataset.slug))
    more = Text("Страница на набора", "Dataset page").get(lang)
    return (paragraphs + (f"<ul>{links}</ul>" if links else "")
            + f'<p><a href="{page}">{html.escape(more)}</a></p>')


def _author(entry: FeedEntry, site: Site, publisher: Publisher, lang: str) -> None:
    name = clean_text(publisher.name.get(lang)) or publisher.slug
    entry.author({"name": name, "uri": site.publisher(publisher.slug)})
    entry.dc.dc_creator(name)  # RSS wants an e-mail in <author>; dc:creator carries the name


def add_entry(feed: FeedGenerator, site: Site, item: Item, *, lang: str, fmt: Format,
              withdrawal: bool = False) -> None:
    """Add one release as an entry."""
    entry = feed.add_entry(order="append")
    entry.id(entry_id(site, item, withdrawal=withdrawal))
    entry.title(entry_title(item, lang, withdrawal=withdrawal))
    published = _utc(item.release.created_at)
    withdrawn = item.release.withdrawn_at
    entry.published(published)
    entry.updated(_utc(withdrawn) if withdrawn and item.release.status == "withdrawn" else published)
    summary = entry_summary(item, lang)
    entry.summary(summary if fmt == "atom" else html.escape(summary).replace("\n", "<br>"),
                  type="text" if fmt == "atom" else None)
    entry.content(entry_html(site, item, lang), type="html")
    release_url = site.release(item.dataset.slug, item.release.version)
    entry.link(href=release_url, rel="alternate", type="text/html")
    files = _links(site, item, lang)
    if fmt == "atom":
        links = [(release_url, "alternate", "text/html", None),
                 (site.dataset(item.dataset.slug), "related", "text/html", None)]
        links += [(url, "enclosure", media_type, size) for _l, url, media_type, size in files]
        entry.register_extension("links", lambda: _AtomLinks(links), atom=True, rss=False)
    elif files:
        _label, url, media_type, size = files[0]
        entry.enclosure(url, str(size), media_type)
    for theme in item.dataset.themes:
        entry.category(term=clean_text(theme))
    _author(entry, site, item.publisher, lang)


class _AtomLinks:
    """feedgen entry extension writing Atom links with their rel, type and length.

    feedgen 1.0 drops every attribute but href from entry links (a shadowed variable), which
    would turn enclosures into duplicate alternates; this writes them correctly instead.
    """

    def __init__(self, links: Sequence[tuple[str, str, str, int | None]]) -> None:
        self.links = links

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        # feedgen builds Atom elements without a namespace and sets the default one at the root.
        for old in entry.findall("link"):
            entry.remove(old)
        for href, rel, media_type, size in self.links:
            link = etree.SubElement(entry, "link", href=href, rel=rel, type=media_type)
            if size is not None:
                link.set("length", str(size))
        return entry

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        return entry


class _Paging:
    """feedgen extension that adds RFC 5005 first/next/previous links to RSS channels too."""

    def __init__(self, links: Sequence[tuple[str, str]]) -> None:
        self.links = links

    def extend_ns(self) -> dict[str, str]:
        return {"atom": ATOM_NS}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        return feed

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed[0]
        for rel, href in self.links:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=href, rel=rel)
        return feed


def _paging_links(page: FeedPage) -> list[tuple[str, str]]:
    return [(rel, url) for rel, url in (("first", page.first_url), ("next", page.next_url),
                                        ("previous", page.previous_url)) if url]


def render(site: Site, page: FeedPage, items: Sequence[Item], *, lang: str, fmt: Format) -> bytes:
    """Return the feed document (Atom or RSS) of one page of releases."""
    feed = FeedGenerator()
    feed.load_extension("dc", atom=True, rss=True)
    feed.id(tag_uri(site, "feed", page.key))
    feed.title(clean_text(page.title.get(lang)))
    feed.language(lang)
    feed.link(href=page.self_url, rel="self",
              type="application/atom+xml" if fmt == "atom" else "application/rss+xml")
    if fmt == "atom":
        for rel, href in _paging_links(page):
            feed.link(href=href, rel=rel, type="application/atom+xml")
    feed.link(href=page.html_url, rel="alternate", type="text/html")  # last: RSS uses it as <link>
    feed.description(clean_text(page.title.get(lang)))
    feed.subtitle(clean_text(Text("Нови версии на отворените данни", "New releases of open data")
                             .get(lang)))
    feed.generator("Otkrito", uri=site.url(""))
    feed.updated(_utc(page.updated) if page.updated else datetime(2026, 1, 1, tzinfo=timezone.utc))
    for item in items:
        add_entry(feed, site, item, lang=lang, fmt=fmt, withdrawal=page.withdrawals)
    if fmt == "rss":  # registered after the entries: it has no per-entry part
        paging = _Paging(_paging_links(page))
        feed.register_extension("paging", lambda: paging, None, atom=False, rss=True)
    return feed.atom_str(pretty=True) if fmt == "atom" else feed.rss_str(pretty=True)
