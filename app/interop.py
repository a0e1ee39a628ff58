"""Interoperability: feeds, DCAT-AP, the CKAN-compatible API and schema.org, wired into the app.

The views live in `interop_feeds`, `interop_dcat` and `interop_ckan`; this module holds what
they share (the configured site, conditional responses) and registers them.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Callable

from flask import Flask, Response, current_app, request, url_for
from werkzeug.http import is_resource_modified

from metadata.dcat import Site
from metadata.messages import Text

LANGS = ("bg", "en")


def site() -> Site:
    """Return the portal's public URLs from OTKRITO_BASE_URL (never from the request host)."""
    return Site(current_app.config["OTKRITO"]["BASE_URL"])


def engine():  # type: ignore[no-untyped-def]
    from app import portal_of

    return portal_of(current_app).engine


def feed_lang() -> str:
    """Return the language a feed or export asked for with ?lang= (Bulgarian by default)."""
    asked = request.args.get("lang", "bg")
    return asked if asked in LANGS else "bg"


def page_number() -> int:
    """Return ?page= as a positive number; a bad value is a 400."""
    from flask import abort

    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        abort(400)
    return int(raw)


def etag_for(*parts: object) -> str:
    """Return a strong ETag over the catalog generation, the URL and the language."""
    from datasets.catalog import generation

    from app import portal_of

    instance = portal_of(current_app).instance.catalog_url  # several instances may share a process
    key = "|".join(str(p) for p in (instance, generation(engine()), site().base_url, request.path,
                                     request.args.get("page", "1"), feed_lang(), *parts))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


_BODIES: OrderedDict[str, bytes] = OrderedDict()  # ETag -> body: a new generation means a new ETag
_BODIES_KEPT = 64


_BODIES_LOCK = threading.Lock()


def _body(etag: str, build: Callable[[], bytes]) -> bytes:
    with _BODIES_LOCK:
        body = _BODIES.get(etag)
        if body is not None:
            _BODIES.move_to_end(etag)
            return body
    body = build()
    with _BODIES_LOCK:
        _BODIES[etag] = body
        while len(_BODIES) > _BODIES_KEPT:
            _BODIES.popitem(last=False)
    return body


def conditional(media_type: str, build: Callable[[], bytes], *, etag: str,
                last_modified: datetime | None, max_age: int = 60) -> Response:
    """Answer 304 when the client's copy is current; otherwise the (cached) body."""
    fresh = not is_resource_modified(request.environ, etag=etag, last_modified=last_modified)
    response = Response(status=304) if fresh else Response(_body(etag, build), mimetype=media_type)
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Content-Language"] = feed_lang()
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _with_lang(endpoint: str, lang: str, **values: object) -> str:
    return url_for(endpoint, **values, **({"lang": "en"} if lang == "en" else {}))


def _feed_links(endpoint: str, title: Text, lang: str, **values: object) -> list[dict[str, str]]:
    return [{"type": "application/atom+xml", "title": title.get(lang) + " (Atom)",
             "href": _with_lang(endpoint, lang, fmt="atom", **values)},
            {"type": "application/rss+xml", "title": title.get(lang) + " (RSS)",
             "href": _with_lang(endpoint, lang, fmt="rss", **values)}]


ALL_RELEASES = Text("Нови версии на всички набори от данни", "New releases of all datasets")


def alternates() -> list[dict[str, str]]:
    """Return the feeds and DCAT documents that belong to the page being rendered."""
    from app.i18n import current_lang

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


def init_app(app: Flask) -> None:
    """Register feeds, DCAT-AP, the CKAN API, autodiscovery links and the JSON-LD helper."""
    from app import interop_ckan, interop_dcat, interop_feeds

    for module in (interop_feeds, interop_dcat, interop_ckan):
        app.register_blueprint(module.bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:  # the CKAN API takes read-only POSTs with JSON bodies, as CKAN does
        csrf.exempt(interop_ckan.bp)
    app.extensions.setdefault("alternates", []).append(alternates)
    app.extensions["jsonld"] = lambda slug: interop_dcat.jsonld_for(app, slug)
