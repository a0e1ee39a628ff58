"""DCAT-AP over HTTP: explicit extensions, content negotiation, conditional GETs, valid output."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import DCAT, RDF

from tests.conftest import HTTP_TIMEOUT

SHAPES = Path(__file__).resolve().parents[2] / "data" / "dcat-ap"
PARSERS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml"}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES / "dcat-ap-SHACL.ttl").parse(SHAPES / "range.ttl")


@pytest.mark.parametrize("path", ["/catalog.ttl", "/catalog.jsonld", "/catalog.rdf",
                                  "/datasets/byudzhet-na-obshtina-levski.ttl",
                                  "/datasets/byudzhet-na-obshtina-levski.jsonld",
                                  "/datasets/byudzhet-na-obshtina-levski.rdf"])
def test_every_served_dcat_document_has_zero_violations(server: str, shapes: Graph, path: str) -> None:
    response = httpx.get(server + path, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=PARSERS[response.headers["content-type"].split(";")[0]])
    conforms, _graph, text = validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert conforms, text
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == (5 if "catalog" in path else 1)  # the demo and its impact figures


@pytest.mark.parametrize(("accept", "media_type"), [
    ("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle"), ("*/*", "text/turtle"),
])
def test_the_catalog_url_negotiates_the_format(server: str, accept: str, media_type: str) -> None:
    response = httpx.get(server + "/catalog", headers={"Accept": accept}, timeout=HTTP_TIMEOUT)
    assert response.headers["content-type"].startswith(media_type)
    assert "Accept" in response.headers["vary"]
    Graph().parse(data=response.content, format=PARSERS[media_type])


def test_dcat_documents_answer_conditional_gets_with_304(server: str) -> None:
    for path in ("/catalog.ttl", "/datasets/byudzhet-na-obshtina-levski.rdf"):
        first = httpx.get(server + path, timeout=HTTP_TIMEOUT)
        assert httpx.get(server + path, headers={"If-None-Match": first.headers["etag"]},
                         timeout=HTTP_TIMEOUT).status_code == 304
        assert httpx.get(server + path,
                         headers={"If-Modified-Since": first.headers["last-modified"]},
                         timeout=HTTP_TIMEOUT).status_code == 304


def test_an_unknown_dataset_or_catalog_page_is_not_found(server: str) -> None:
    assert httpx.get(server + "/datasets/nope.ttl", timeout=HTTP_TIMEOUT).status_code == 404
    assert httpx.get(server + "/catalog.ttl?page=2", timeout=HTTP_TIMEOUT).status_code == 404


def test_the_dataset_page_can_embed_schema_org_json_ld(demo_root: Path) -> None:
    import json

    from app import create_app

    app = create_app({"INSTANCE": str(demo_root), "BASE_URL": "https://data.levski.example"})
    embedded = app.extensions["jsonld"]("byudzhet-na-obshtina-levski")
    assert json.loads(embedded)["@type"] == "Dataset" and "<" not in embedded
    assert app.extensions["jsonld"]("nope") == ""
    app.extensions["otkrito"].engine.dispose()
