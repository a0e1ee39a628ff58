"""Atom and RSS feeds: all releases, per publisher, dataset, theme and keyword, withdrawals."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, request

from app.interop.responses import ALL_RELEASES, conditional, engine, etag_for, feed_lang, page_number, site
from datasets import catalog
from datasets.feed_queries import FeedQuery, feed_items, feed_updated
from feeds.build import FeedPage, render
from metadata.messages import Text
from metadata.vocab import THEMES
from publishers.registry import get_publisher

bp = Blueprint("interop_feeds", __name__)
PER_PAGE = 50
FMT = "<any(atom, rss):fmt>"
MEDIA = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


def _page_url(page: int) -> str:
    lang = feed_lang()
    query = "&".join(part for part in (f"lang={lang}" if lang != "bg" else "",
                                       f"page={page}" if page > 1 else "") if part)
    return site().url(request.path) + (f"?{query}" if query else "")


def _feed(key: str, title: Text, html_path: str, query: FeedQuery, fmt: str) -> Response:
    number = page_number()
    lang = feed_lang()
    updated = feed_updated(engine(), query)

    def build() -> bytes:
        items, more = feed_items(engine(), query, limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
        if number > 1 and not items:
            abort(404)
        page = FeedPage(key, title, _page_url(number), site().url(html_path), updated,
                        first_url=_page_url(1) if number > 1 else None,
                        next_url=_page_url(number + 1) if more else None,
                        previous_url=_page_url(number - 1) if number > 1 else None,
                        withdrawals=query.withdrawn)
        return render(site(), page, items, lang=lang, fmt=fmt)  # type: ignore[arg-type]

    return conditional(MEDIA[fmt], build, etag=etag_for(key), last_modified=updated)


@bp.get(f"/feeds/releases.{FMT}")
def releases_feed(fmt: str) -> Response:
    return _feed("releases", ALL_RELEASES, "datasets", FeedQuery(), fmt)


@bp.get(f"/feeds/withdrawals.{FMT}")
def withdrawals_feed(fmt: str) -> Response:
    title = Text("Оттеглени версии на набори от данни", "Withdrawn dataset releases")
    return _feed("withdrawals", title, "datasets", FeedQuery(withdrawn=True), fmt)


@bp.get(f"/feeds/publishers/<slug>.{FMT}")
def publisher_feed(slug: str, fmt: str) -> Response:
    publisher = get_publisher(engine(), slug)
    title = Text(f"Нови версии от {publisher.name.bg}", f"New releases by {publisher.name.en}")
    return _feed(f"publisher/{slug}", title, f"publishers/{slug}", FeedQuery(publisher=slug), fmt)


@bp.get(f"/feeds/datasets/<slug>.{FMT}")
def dataset_feed(slug: str, fmt: str) -> Response:
    dataset = catalog.get_dataset(engine(), slug)
    title = Text(f"Нови версии: {dataset.title.bg}", f"New releases: {dataset.title.en}")
    return _feed(f"dataset/{slug}", title, f"datasets/{slug}", FeedQuery(dataset=slug), fmt)


@bp.get(f"/feeds/themes/<code>.{FMT}")
def theme_feed(code: str, fmt: str) -> Response:
    code = code.upper()
    if code not in THEMES:
        abort(404)
    label = THEMES[code]
    title = Text(f"Нови версии по тема „{label.bg}“", f"New releases on {label.en}")
    return _feed(f"theme/{code}", title, "datasets", FeedQuery(theme=code), fmt)


@bp.get(f"/feeds/keywords/<keyword>.{FMT}")
def keyword_feed(keyword: str, fmt: str) -> Response:
    if not keyword.strip() or len(keyword) > 100:
        abort(404)
    title = Text(f"Нови версии с ключова дума „{keyword}“", f"New releases tagged “{keyword}”")
    key = "keyword/" + quote(keyword.casefold(), safe="")
    return _feed(key, title, "datasets", FeedQuery(keyword=keyword), fmt)
