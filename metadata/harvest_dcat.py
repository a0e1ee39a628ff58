"""Read a DCAT-AP catalog (Turtle, RDF/XML, JSON-LD) into neutral records, with rdflib.

Pure functions over the bytes of one page; `datasets/harvest.py` fetches the pages and follows
hydra:nextPage. Nothing here reaches the network: a JSON-LD document that names a remote
@context is refused (rdflib would fetch it, around the SSRF-safe fetcher), and RDF/XML is
read by expat, which never loads external entities.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Iterator
from urllib.parse import urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SKOS

from metadata.dcat import clean_text
from metadata.errors import InvalidInput, OtkritoError
from metadata.harvest_records import RemoteDataset, RemoteResource

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SCHEMA = Namespace("http://schema.org/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
_BY_MEDIA = {"text/turtle": "turtle", "application/x-turtle": "turtle",
             "application/ld+json": "json-ld", "application/json": "json-ld",
             "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml"}
_BY_EXTENSION = {"ttl": "turtle", "jsonld": "json-ld", "json": "json-ld", "rdf": "xml",
                 "xml": "xml", "owl": "xml"}


def _formats(content_type: str, url: str) -> list[str]:
    media = content_type.split(";")[0].strip().lower()
    extension = urlsplit(url).path.rsplit(".", 1)[-1].lower()
    first = [f for f in (_BY_MEDIA.get(media), _BY_EXTENSION.get(extension)) if f]
    return list(dict.fromkeys([*first, "turtle", "xml", "json-ld"]))


def _remote_contexts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("@context", "@import") and isinstance(item, str):
                yield item
            elif key == "@context" and isinstance(item, list):
                yield from (i for i in item if isinstance(i, str))
            yield from _remote_contexts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _remote_contexts(item)


def parse_graph(body: bytes, content_type: str, url: str) -> Graph:
    """Return the page's RDF graph, or raise InvalidInput when it is not RDF we may read."""
    for fmt in _formats(content_type, url):
        if fmt == "json-ld":
            try:
                document = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                continue
            remote = next(_remote_contexts(document), None)
            if remote is not None:
                raise InvalidInput("harvest.remote-context", url=url[:200], context=remote[:200])
        graph = Graph()
        try:
            graph.parse(data=body, format=fmt, publicID=url)
        except Exception:  # noqa: BLE001 (rdflib's parsers raise many kinds on bad input)
            continue
        if len(graph) and (any(graph.subjects(RDF.type, DCAT.Catalog))
                           or any(graph.subjects(RDF.type, DCAT.Dataset))):
            return graph
    raise InvalidInput("harvest.not-rdf", url=url[:200])


def next_page(graph: Graph) -> str | None:
    """Return the URL of the next page of a paged catalog (hydra), if any."""
    for predicate in (HYDRA.nextPage, HYDRA.next):
        for value in graph.objects(None, predicate):
            if isinstance(value, (URIRef, Literal)) and str(value).startswith(("http://", "https://")):
                return str(value)
    return None


def _label(graph: Graph, node: Any) -> str:
    if isinstance(node, BNode):
        for predicate in (SKOS.prefLabel, RDFS.label, DCTERMS.title, RDF.value):
            for value in graph.objects(node, predicate):
                if isinstance(value, Literal):
                    return clean_text(str(value)).strip()
        return ""
    return clean_text(str(node)).strip()


def _values(graph: Graph, node: Any, predicate: URIRef) -> list[str]:
    found = []
    for value in graph.objects(node, predicate):
        text = _label(graph, value)
        if text and text not in found:
            found.append(text)
    return sorted(found)


def _by_language(graph: Graph, node: Any, predicate: URIRef) -> tuple[str, str]:
    """Return the Bulgarian and English texts of a property (another language when there is none)."""
    texts: dict[str, str] = {}
    for value in sorted(graph.objects(node, predicate), key=str):
        if isinstance(value, Literal) and str(value).strip():
            texts.setdefault((value.language or "").lower(), clean_text(str(value)).strip())
    english = texts.get("en", "")
    bulgarian = texts.get("bg") or texts.get("") or english or next(iter(texts.values()), "")
    return bulgarian, english


def _date(graph: Graph, period: Any, *predicates: URIRef) -> str:
    for predicate in predicates:
        for value in graph.objects(period, predicate):
            text = str(value)[:10]
            try:
                if date.fromisoformat(text).isoformat() == text:
                    return text
            except ValueError:
                continue
    return ""


def _resources(graph: Graph, node: Any) -> tuple[RemoteResource, ...]:
    found = []
    for distribution in sorted(graph.objects(node, DCAT.distribution), key=str):
        urls = _values(graph, distribution, DCAT.downloadURL) or _values(graph, distribution, DCAT.accessURL)
        if not urls:
            continue
        formats = _values(graph, distribution, DCTERMS.format)
        media = _values(graph, distribution, DCAT.mediaType)
        found.append(RemoteResource(url=urls[0], format=formats[0] if formats else "",
                                    media_type=media[0] if media else "",
                                    name=_by_language(graph, distribution, DCTERMS.title)[0]))
    return tuple(found)


def _licences(graph: Graph, node: Any) -> tuple[str, ...]:
    values = _values(graph, node, DCTERMS.license)
    for distribution in sorted(graph.objects(node, DCAT.distribution), key=str):
        values += [v for v in _values(graph, distribution, DCTERMS.license) if v not in values]
    return tuple(values)


def _contact(graph: Graph, node: Any) -> tuple[str, str]:
    for card in graph.objects(node, DCAT.contactPoint):
        names = _values(graph, card, VCARD.fn)
        emails = [e.removeprefix("mailto:") for e in _values(graph, card, VCARD.hasEmail)]
        return (names[0] if names else ""), (emails[0] if emails else "")
    return "", ""


def _spatial(graph: Graph, node: Any) -> str:
    for place in graph.objects(node, DCTERMS.spatial):
        if isinstance(place, Literal) or isinstance(place, BNode):
            text = _label(graph, place)
            if text:
                return text[:200]
    return ""


def to_record(graph: Graph, node: Any) -> RemoteDataset:
    """Return one dcat:Dataset node as a neutral record (InvalidInput without identifier or title)."""
    remote_id = str(node) if isinstance(node, URIRef) else next(
        iter(_values(graph, node, DCTERMS.identifier)), "")
    title_bg, title_en = _by_language(graph, node, DCTERMS.title)
    if not remote_id:
        raise InvalidInput("harvest.no-identifier", title=title_bg[:120] or "-")
    if not title_bg:
        raise InvalidInput("harvest.no-title", id=remote_id[:200])
    description_bg, description_en = _by_language(graph, node, DCTERMS.description)
    period = next(iter(graph.objects(node, DCTERMS.temporal)), None)
    contact_name, contact_email = _contact(graph, node)
    return RemoteDataset(
        remote_id=remote_id, name="", title_bg=title_bg, title_en=title_en,
        description_bg=description_bg, description_en=description_en,
        keywords=tuple(_values(graph, node, DCAT.keyword)), licences=_licences(graph, node),
        frequencies=tuple(_values(graph, node, DCTERMS.accrualPeriodicity)),
        themes=tuple(_values(graph, node, DCAT.theme)),
        temporal_start=_date(graph, period, DCAT.startDate, SCHEMA.startDate) if period else "",
        temporal_end=_date(graph, period, DCAT.endDate, SCHEMA.endDate) if period else "",
        spatial=_spatial(graph, node), contact_name=contact_name, contact_email=contact_email,
        resources=_resources(graph, node),
    )


def records(graph: Graph) -> list[RemoteDataset | OtkritoError]:
    """Return each dataset of the page as a record, or the error that keeps it from being one."""
    found: list[RemoteDataset | OtkritoError] = []
    for node in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str):
        try:
            found.append(to_record(graph, node))
        except OtkritoError as error:
            found.append(error)
    return found
