"""What crawlers read: robots.txt and sitemap.xml (with both languages of every page)."""
from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint, Flask, Response, current_app, url_for

from app.public.freshness import catalog_index, not_modified, with_validators

bp = Blueprint("reach", __name__)


def _base() -> str:
    return str(current_app.config["OTKRITO"]["BASE_URL"]).rstrip("/")


@bp.get("/robots.txt")
def robots():  # type: ignore[no-untyped-def]
    body = ("User-agent: *\nDisallow: /staff/\nDisallow: /sql/\nAllow: /\n"
            f"Sitemap: {_base()}/sitemap.xml\n")
    return Response(body, mimetype="text/plain")


def _url(path: str, lastmod: str | None = None) -> str:
    loc = escape(_base() + path)
    links = "".join(
        f'<xhtml:link rel="alternate" hreflang="{lang}" href="{escape(_base() + path + suffix)}"/>'
        for lang, suffix in (("bg", ""), ("en", "?lang=en")))
    modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{loc}</loc>{modified}{links}</url>"


@bp.get("/sitemap.xml")
def sitemap():  # type: ignore[no-untyped-def]
    if (cached := not_modified()) is not None:
        return cached
    entries = catalog_index().entries
    urls = [_url(url_for("public.home")), _url(url_for("public.dataset_list"))]
    for entry in entries:
        slug = entry.dataset.slug
        urls.append(_url(url_for("public.dataset_page", slug=slug), entry.updated.date().isoformat()))
        if entry.release:
            for version in range(1, entry.release.version + 1):
                urls.append(_url(url_for("public.release_page", slug=slug, version=version)))
    for slug in sorted({e.publisher.slug for e in entries}):
        urls.append(_url(url_for("public.publisher_page", slug=slug)))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:xhtml="http://www.w3.org/1999/xhtml">' + "".join(urls) + "</urlset>\n")
    return with_validators(Response(body, mimetype="application/xml"))


def init_app(app: Flask) -> None:
    """Register robots.txt and sitemap.xml."""
    app.register_blueprint(bp)
