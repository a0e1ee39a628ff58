"""DCAT-AP 3 documents (Turtle, JSON-LD, RDF/XML) and the schema.org JSON-LD helper."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, abort, request

from app.interop.responses import conditional, engine, etag_for, page_number, site
from app.state import portal_of
from datasets.feed_queries import catalog_entries, catalog_entry, catalog_modified, count_datasets
from metadata.dcat import FORMATS, Page, Site, catalog_graph, dataset_graph, serialize
from metadata.errors import NotFound
from metadata.geography import municipalities
from metadata.schemaorg import dataset_jsonld, script_json

bp = Blueprint("interop_dcat", __name__)
PER_PAGE = 100
EXT = "<any(ttl, jsonld, rdf):ext>"
BY_MEDIA = {media: ext for ext, (_fmt, media) in FORMATS.items()}


def _catalog(ext: str) -> Response:
    number = page_number()
    total = count_datasets(engine())
    page = Page(number, PER_PAGE, total)
    if number > page.last:
        abort(404)
    modified = catalog_modified(engine())

    def build() -> bytes:
        entries = catalog_entries(engine(), limit=PER_PAGE, offset=(number - 1) * PER_PAGE)
        graph = catalog_graph(site(), [e.as_tuple() for e in entries], page=page,
                              catalog_url=site().url(f"catalog.{ext}"), modified=modified)
        return serialize(graph, ext)

    response = conditional(FORMATS[ext][1], build, etag=etag_for(ext), last_modified=modified)
    response.headers["Vary"] = "Accept"
    return response


@bp.get(f"/catalog.{EXT}")
def catalog_document(ext: str) -> Response:
    return _catalog(ext)


@bp.get("/catalog")
def catalog_negotiated() -> Response:
    """Answer with the format the Accept header prefers (Turtle when it names none of ours)."""
    best = request.accept_mimetypes.best_match(list(BY_MEDIA), default="text/turtle")
    return _catalog(BY_MEDIA[best or "text/turtle"])


@bp.get(f"/datasets/<slug>.{EXT}")
def dataset_document(slug: str, ext: str) -> Response:
    entry = catalog_entry(engine(), slug)
    modified = entry.release.created_at if entry.release else entry.dataset.created_at
    return conditional(FORMATS[ext][1],
                       lambda: serialize(dataset_graph(site(), *entry.as_tuple()), ext),
                       etag=etag_for(ext, slug), last_modified=modified)


def jsonld_for(app: Flask, slug: str) -> str:
    """Return the dataset's schema.org JSON-LD, escaped for a <script> element ('' if unknown)."""
    try:
        entry = catalog_entry(portal_of(app).engine, slug)
    except NotFound:
        return ""
    return script_json(dataset_jsonld(Site(app.config["OTKRITO"]["BASE_URL"]), *entry.as_tuple()))


@bp.get("/places/municipalities/<code>")
def municipality(code: str) -> Response:
    """What a municipality URI of `dct:spatial` names: its boundary as a GeoJSON Feature."""
    found = municipalities().get(code.upper())
    if found is None:
        raise NotFound("places.unknown-area", code=code[:20])
    feature = {"type": "Feature", "id": found.code, "geometry": found.geometry,
               "properties": {"code": found.code, "name": f"Община {found.name_bg}",
                              "source": "yurukov/Bulgaria-geocoding"}}
    return Response(json.dumps(feature, ensure_ascii=False), mimetype="application/geo+json",
                    headers={"Cache-Control": "public, max-age=86400"})
