"""The spatial coverage of a release: the municipalities its place codes name, for every export.

DCAT-AP gets a `dct:Location` per municipality with a URI, its name, `dcat:bbox`,
`dcat:centroid` and (for up to FULL_GEOMETRIES of them) its boundary as `locn:geometry`;
schema.org a `Place` with a `GeoShape`; CKAN the `spatial` extra that ckanext-spatial reads.
"""
from __future__ import annotations

import json
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SKOS

from metadata.geography import Municipality, areas, bbox
from metadata.records import Release

LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
# A national dataset names 265 municipalities: their boxes, not 20,000 boundary positions each time.
FULL_GEOMETRIES = 10


def release_areas(release: Release | None) -> list[Municipality]:
    """The municipalities a release's rows name (none for releases without a GeoJSON file)."""
    record = release.file("geojson") if release is not None else None
    return areas(record.places) if record is not None else []


def area_uri(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/places/municipalities/{code}"


def _wkt_ring(ring: list[list[float]]) -> str:
    return "(" + ", ".join(f"{p[0]} {p[1]}" for p in ring) + ")"


def wkt(geometry: dict[str, Any]) -> str:
    """A Polygon or MultiPolygon as WKT (lon lat, as GeoSPARQL's default CRS84)."""
    if geometry["type"] == "Polygon":
        return "POLYGON (" + ", ".join(_wkt_ring(r) for r in geometry["coordinates"]) + ")"
    return "MULTIPOLYGON (" + ", ".join(
        "(" + ", ".join(_wkt_ring(r) for r in polygon) + ")" for polygon in geometry["coordinates"]) + ")"


def box_polygon(area: Municipality) -> dict[str, Any]:
    west, south, east, north = bbox(area.geometry)
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


def add_areas(graph: Graph, node: URIRef, base_url: str, release: Release | None) -> None:
    """Add a dct:spatial Location per municipality of the release to a dataset node."""
    found = release_areas(release)
    graph.bind("locn", LOCN)
    graph.bind("gsp", GSP)
    for area in found:
        place = URIRef(area_uri(base_url, area.code))
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((place, SKOS.prefLabel, Literal(f"Община {area.name_bg}", lang="bg")))
        graph.add((place, DCTERMS.identifier, Literal(area.code)))
        graph.add((place, DCAT.bbox, Literal(wkt(box_polygon(area)), datatype=GSP.wktLiteral)))
        west, south, east, north = bbox(area.geometry)
        graph.add((place, DCAT.centroid, Literal(f"POINT ({(west + east) / 2:.4f} {(south + north) / 2:.4f})",
                                                 datatype=GSP.wktLiteral)))
        if len(found) <= FULL_GEOMETRIES:
            shape = BNode(f"geometry-{area.code}")
            graph.add((shape, RDF.type, LOCN.Geometry))
            graph.add((shape, GSP.asWKT, Literal(wkt(area.geometry), datatype=GSP.wktLiteral)))
            graph.add((place, LOCN.geometry, shape))
        graph.add((node, DCTERMS.spatial, place))


def schemaorg_places(base_url: str, release: Release | None) -> list[dict[str, Any]]:
    """schema.org Places with a GeoShape box (south west north east, as schema.org writes it)."""
    places = []
    for area in release_areas(release):
        west, south, east, north = bbox(area.geometry)
        places.append({"@type": "Place", "@id": area_uri(base_url, area.code),
                       "name": f"Община {area.name_bg}", "identifier": area.code,
                       "geo": {"@type": "GeoShape", "box": f"{south} {west} {north} {east}"}})
    return places


def ckan_spatial(release: Release | None) -> dict[str, str]:
    """The CKAN extras `spatial` (a GeoJSON geometry, as ckanext-spatial reads it) and `spatial_codes`."""
    found = release_areas(release)
    if not found:
        return {}
    boxes = [bbox(a.geometry) for a in found]
    union = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    west, south, east, north = union
    geometry = {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                    [west, north], [west, south]]]}
    return {"spatial": json.dumps(geometry), "spatial_codes": " ".join(a.code for a in found)}
