"""What the feed, DCAT and CKAN views share: the configured site and conditional responses."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Callable

from flask import Response, abort, current_app, request
from werkzeug.http import is_resource_modified

from app.state import current_portal
from datasets.catalog import generation
from metadata.dcat import Site
from metadata.messages import Text

LANGS = ("bg", "en")


def site() -> Site:
    """Return the portal's public URLs from OTKRITO_BASE_URL (never from the request host)."""
    return Site(current_app.config["OTKRITO"]["BASE_URL"])


def engine():  # type: ignore[no-untyped-def]
    return current_portal().engine


def feed_lang() -> str:
    """Return the language a feed or export asked for with ?lang= (Bulgarian by default)."""
    asked = request.args.get("lang", "bg")
    return asked if asked in LANGS else "bg"


def page_number() -> int:
    """Return ?page= as a positive number; a bad value is a 400."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        abort(400)
    return int(raw)


def etag_for(*parts: object) -> str:
    """Return a strong ETag over the catalog generation, the URL and the language."""
    instance = current_portal().instance.catalog_url  # several instances may share a process
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

ALL_RELEASES = Text("Нови версии на всички набори от данни", "New releases of all datasets")
