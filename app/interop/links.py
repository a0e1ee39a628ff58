"""Autodiscovery: the feeds and DCAT documents that belong to the page being rendered."""
from __future__ import annotations

from flask import request, url_for

from app.i18n import current_lang
from app.interop.responses import ALL_RELEASES
from metadata.messages import Text


def _with_lang(endpoint: str, lang: str, **values: object) -> str:
    return url_for(endpoint, **values, **({"lang": "en"} if lang == "en" else {}))


def _feed_links(endpoint: str, title: Text, lang: str, **values: object) -> list[dict[str, str]]:
    return [{"type": "application/atom+xml", "title": title.get(lang) + " (Atom)",
             "href": _with_lang(endpoint, lang, fmt="atom", **values)},
            {"type": "application/rss+xml", "title": title.get(lang) + " (RSS)",
             "href": _with_lang(endpoint, lang, fmt="rss", **values)}]


def alternates() -> list[dict[str, str]]:
    """Return the feeds and DCAT documents that belong to the page being rendered."""
    lang = current_lang()
    args = request.view_args or {}
    endpoint = request.endpoint or ""
    links: list[dict[str, str]] = []
    if endpoint in ("public.dataset_page", "public.release_page") and "slug" in args:
        links += _feed_links("interop_feeds.dataset_feed",
                             Text("Нови версии на този набор", "New releases of this dataset"),
                             lang, slug=args["slug"])
        links += [{"type": "text/turtle", "title": "DCAT-AP (Turtle)",
                   "href": url_for("interop_dcat.dataset_document", slug=args["slug"], ext="ttl")}]
    elif endpoint == "public.publisher_page" and "slug" in args:
        links += _feed_links("interop_feeds.publisher_feed",
                             Text("Нови версии от този публикуващ", "New releases by this publisher"),
                             lang, slug=args["slug"])
    if endpoint.startswith("public."):
        links += _feed_links("interop_feeds.releases_feed", ALL_RELEASES, lang)
    if endpoint in ("public.home", "public.dataset_list"):
        links += [{"type": "text/turtle", "title": "DCAT-AP (Turtle)",
                   "href": url_for("interop_dcat.catalog_document", ext="ttl")}]
    return links
