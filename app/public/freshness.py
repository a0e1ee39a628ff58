"""Whether a visitor's copy of a public page is current: ETags from the catalog's stamp."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Response, current_app, g, make_response, request

from app.i18n import current_lang
from app.state import current_portal
from datasets import search


def build_stamp(root: Path) -> str:
    """Fingerprint templates and catalogs, so a deploy changes every ETag."""
    digest = hashlib.sha1()
    for path in sorted(root.glob("**/templates/**/*.html")) + sorted(root.glob("**/translations/*/*/*.mo")):
        digest.update(f"{path.name}:{path.stat().st_mtime_ns}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:12]


def not_modified() -> Response | None:
    """Answer a conditional GET with 304 when nothing published changed since the client's copy."""
    stamp = search.catalog_stamp(current_portal().engine)
    key = repr((stamp, current_lang(), request.full_path, current_app.config["PUBLIC_BUILD"]))
    g.etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    g.last_modified = search.last_modified(stamp)
    g.stamp = stamp
    if request.if_none_match.contains(g.etag) or (
            not request.if_none_match and request.if_modified_since is not None
            and g.last_modified.replace(microsecond=0) <= request.if_modified_since):
        return with_validators(make_response("", 304))
    return None


def with_validators(response: Response) -> Response:
    response.set_etag(g.etag)
    response.last_modified = g.last_modified
    response.cache_control.public = True
    response.cache_control.no_cache = True  # keep a copy, but ask (cheaply) before using it
    response.vary.add("Cookie")
    return response


def catalog_index() -> search.Index:
    return search.index_for(current_portal().engine, g.get("stamp"))
