"""What the participation views share: their page and feed responses, site URLs and feed language."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, render_template, request

from app.participation.feeds import MEDIA
from metadata.dcat import Site

FMT = "<any(atom, rss):fmt>"


def site() -> Site:
    """Return the portal's public URLs from configuration (never from the request)."""
    return Site(current_app.config["OTKRITO"]["BASE_URL"])


def page(template: str, **context: Any) -> Response:
    """Render a participation page; it changes with every answer, so caches must ask first."""
    response = current_app.make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")
    return response


def feed_response(body: bytes, fmt: str) -> Response:
    """Return a feed with its media type."""
    response = Response(body, mimetype=MEDIA[fmt])
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def feed_lang() -> str:
    asked = request.args.get("lang", "bg")
    return asked if asked in ("bg", "en") else "bg"
