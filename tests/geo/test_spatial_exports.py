"""GeoJSON and Parquet distributions and the municipality as dct:spatial, in every export."""
from __future__ import annotations

import json

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS

from metadata.ckan import package_dict
from metadata.dcat import Site, dataset_graph, serialize
from metadata.records import ReleaseFile
from metadata.schemaorg import dataset_jsonld
from metadata.spatial import GSP, LOCN
from tests.metadata.test_dcat import budget, shapes, violations  # noqa: F401 (the shapes fixture)

SITE = Site("https://data.levski.example")
LEVSKI = URIRef("https://data.levski.example/places/municipalities/PVN16")


def place_coded():  # type: ignore[no-untyped-def]
    dataset, publisher, release = budget()
    files = release.files + (
        ReleaseFile("budget.parquet", "parquet", "application/vnd.apache.parquet", 4000, "45" * 32),
        ReleaseFile("budget.geojson", "geojson", "application/geo+json", 5000, "67" * 32, places=("PVN16",)))
    return dataset, publisher, release.__class__(**{**release.__dict__, "files": files})


def test_dcat_has_parquet_and_geojson_distributions_and_levski_as_a_located_area(shapes: Graph) -> None:  # noqa: F811
    graph = Graph().parse(data=serialize(dataset_graph(SITE, *place_coded()), "ttl"), format="turtle")
    assert violations(graph, shapes) == ""
    media = {str(m) for d in graph.objects(None, DCAT.distribution) for m in graph.objects(d, DCAT.mediaType)}
    assert {"http://www.iana.org/assignments/media-types/application/vnd.apache.parquet",
            "http://www.iana.org/assignments/media-types/application/geo+json"} <= media
    assert LEVSKI in set(graph.objects(URIRef(SITE.dataset("budget")), DCTERMS.spatial))
    shape = graph.value(LEVSKI, LOCN.geometry)
    assert str(graph.value(shape, GSP.asWKT)).startswith("MULTIPOLYGON ((")
    assert str(graph.value(LEVSKI, DCAT.bbox)).startswith("POLYGON ((24.918 43.267")


def test_a_release_without_geojson_names_no_municipality() -> None:
    graph = dataset_graph(SITE, *budget())
    assert LEVSKI not in set(graph.objects(URIRef(SITE.dataset("budget")), DCTERMS.spatial))


def test_ckan_lists_the_new_resources_and_the_spatial_extra() -> None:
    package = package_dict(SITE, *place_coded())
    formats = {r["format"]: r["mimetype"] for r in package["resources"]}
    assert formats["Parquet"] == "application/vnd.apache.parquet"
    assert formats["GeoJSON"] == "application/geo+json"
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert json.loads(extras["spatial"])["type"] == "Polygon" and extras["spatial_codes"] == "PVN16"


def test_schema_org_has_the_downloads_and_the_place_with_a_box() -> None:
    document = dataset_jsonld(SITE, *place_coded())
    encodings = {d["encodingFormat"] for d in document["distribution"]}
    assert {"application/vnd.apache.parquet", "application/geo+json"} <= encodings
    place = document["spatialCoverage"][0]
    assert place["@id"] == str(LEVSKI) and place["geo"]["box"] == "43.267 24.918 43.562 25.255"
