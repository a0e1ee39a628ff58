"""Atom and RSS for the participation lists (overdue datasets, data requests).

Every text goes through clean_text (feeds must always parse) and every link through safe_url;
summaries are plain text (Atom type="text"; HTML-escaped in RSS, whose readers treat it as HTML).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from feedgen.feed import FeedGenerator

from metadata.dcat import Site, clean_text, safe_url

TAG_YEAR = 2026  # part of every id: never change it
MEDIA = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


@dataclass(frozen=True)
class Entry:
    """One feed entry."""

    id_parts: tuple[str | int, ...]
    title: str
    summary: str
    url: str
    updated: datetime


def tag(site: Site, *parts: str | int) -> str:
    """Return a permanent tag URI for this site and these parts."""
    return f"tag:{site.host},{TAG_YEAR}:otkrito/" + "/".join(str(p) for p in parts)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def render(site: Site, *, key: str, title: str, self_url: str, html_url: str,
           entries: Sequence[Entry], lang: str, fmt: str) -> bytes:
    """Return the feed document."""
    feed = FeedGenerator()
    feed.id(tag(site, "feed", key))
    feed.title(clean_text(title))
    feed.language(lang)
    feed.link(href=self_url, rel="self", type=MEDIA[fmt])
    feed.link(href=html_url, rel="alternate", type="text/html")
    feed.description(clean_text(title))
    feed.generator("Otkrito", uri=site.url(""))
    newest = max((_utc(e.updated) for e in entries), default=datetime(2026, 1, 1, tzinfo=timezone.utc))
    feed.updated(newest)
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(tag(site, *item.id_parts))
        entry.title(clean_text(item.title))
        summary = clean_text(item.summary)
        entry.summary(summary if fmt == "atom" else html.escape(summary).replace("\n", "<br>"),
                      type="text" if fmt == "atom" else None)
        if safe_url(item.url):
            entry.link(href=item.url, rel="alternate", type="text/html")
        entry.updated(_utc(item.updated))
        entry.published(_utc(item.updated))
    return feed.atom_str(pretty=True) if fmt == "atom" else feed.rss_str(pretty=True)
