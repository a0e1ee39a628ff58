"""DCAT-AP 3 graphs of the catalog and its datasets, plus the links and text every export shares.

`Site` builds the portal's public URLs from the configured base URL (never the request host),
`clean_text` and `safe_url` keep exports parseable and inert. They live here because DCAT is the
first export that needed them; feeds, CKAN and schema.org import them from here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence
from urllib.parse import quote, urlsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from metadata.messages import Text
from metadata.records import Dataset, Publisher, Release, ReleaseFile
from metadata.spatial import add_areas
from metadata.vocab import EU_AUTHORITY, FREQUENCIES, LICENCES, THEMES

# XML 1.0 forbids most C0 controls and U+FFFE/U+FFFF; C1 controls are legal but only ever noise.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
SITE_NAME = Text("Открито — отворени данни на общината", "Otkrito — the municipality's open data")


def clean_text(value: str | None) -> str:
    """Return the text without control characters or characters XML cannot carry."""
    return _BAD_CHARS.sub("", value or "")


def safe_url(value: str | None) -> str | None:
    """Return the URL if it is an absolute http(s) URL, else None (no javascript:, data: …)."""
    if not value or value != clean_text(value) or any(c.isspace() for c in value):
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True)
class Site:
    """The portal's public URLs, from the configured base URL so that they never vary."""

    base_url: str

    def __post_init__(self) -> None:
        if safe_url(self.base_url) is None:
            raise ValueError(f"base URL must be an absolute http(s) URL: {self.base_url!r}")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    def dataset(self, slug: str) -> str:
        return self.url(f"datasets/{slug}")

    def release(self, slug: str, version: int) -> str:
        return self.url(f"datasets/{slug}/releases/{version}")

    def download(self, slug: str, version: int, name: str) -> str:
        return self.release(slug, version) + "/" + quote(name)

    def publisher(self, slug: str) -> str:
        return self.url(f"publishers/{slug}")

    def datapackage(self, slug: str) -> str:
        return self.dataset(slug) + "/datapackage.json"

    def latest_csv(self, slug: str) -> str:
        """The latest release's CSV at one address that never changes (app/public/files.py)."""
        return self.dataset(slug) + "/latest.csv"

    def sql_table(self, slug: str, table: str) -> str:
        return self.url(f"sql/{slug}/{table}.json")


ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
IANA = "http://www.iana.org/assignments/media-types/"
EU_LICENCES = {"CC-BY-4.0": "CC_BY_4_0", "CC0-1.0": "CC0", "CC-BY-SA-4.0": "CC_BYSA_4_0",
               "ODbL-1.0": "ODC_BL"}
FILE_TYPES = {"data": "CSV", "zip": "ZIP", "datapackage": "JSON", "parquet": "PARQUET", "geojson": "GEOJSON"}
DISTRIBUTED = ("data", "sqlite", "zip", "parquet", "geojson")  # roles offered as distributions (not the raw source)
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3; rdflib's closed namespace predates it
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


@dataclass(frozen=True)
class Page:
    """One page of a paged collection (hydra)."""

    number: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


def _lit(value: str, lang: str | None = None) -> Literal:
    return Literal(clean_text(value), lang=lang)


def _texts(graph: Graph, subject: URIRef | BNode, predicate: URIRef, text: Text) -> None:
    graph.add((subject, predicate, _lit(text.bg, "bg")))
    if text.en and text.en != text.bg:
        graph.add((subject, predicate, _lit(text.en, "en")))


def _concept(graph: Graph, uri: URIRef, kind: URIRef, label: Text, scheme: str | None = None) -> URIRef:
    graph.add((uri, RDF.type, kind))
    if kind != SKOS.Concept:
        graph.add((uri, RDF.type, SKOS.Concept))
    _texts(graph, uri, SKOS.prefLabel, label)
    if scheme:
        graph.add((uri, SKOS.inScheme, URIRef(scheme)))
    return uri


def _agent(graph: Graph, uri: str, name: Text, homepage: str | None = None) -> URIRef:
    agent = URIRef(uri)
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    _texts(graph, agent, FOAF.name, name)
    _concept(graph, LOCAL_AUTHORITY, SKOS.Concept, Text("Местна власт", "Local authority"),
             "http://purl.org/adms/publishertype/1.0")
    graph.add((agent, DCTERMS.type, LOCAL_AUTHORITY))
    if safe_url(homepage):
        graph.add((agent, FOAF.homepage, URIRef(homepage)))  # type: ignore[arg-type]
    return agent


def _contact(graph: Graph, dataset: Dataset, publisher: Publisher) -> BNode:
    card = BNode(f"contact-{dataset.slug}")
    graph.add((card, RDF.type, VCARD.Kind))  # validators do no inference: state the superclass
    graph.add((card, RDF.type, VCARD.Organization))
    graph.add((card, VCARD.fn, _lit(dataset.contact_name or publisher.name.bg)))
    email = clean_text(dataset.contact_email or publisher.email or "").strip()
    if email and "@" in email and not any(c in email for c in " <>\"'"):
        graph.add((card, VCARD.hasEmail, URIRef(f"mailto:{quote(email, safe='@.+-_')}")))
    elif safe_url(publisher.homepage):
        graph.add((card, VCARD.hasURL, URIRef(publisher.homepage)))  # type: ignore[arg-type]
    return card


def _keyword_lang(keyword: str) -> str:
    return "bg" if _CYRILLIC.search(keyword) else "en"


def _licence(graph: Graph, code: str) -> URIRef:
    licence = LICENCES.get(code)
    uri = URIRef(f"{EU_AUTHORITY}/licence/{EU_LICENCES.get(code, code)}")
    graph.add((uri, RDF.type, DCTERMS.LicenseDocument))
    if licence:
        _texts(graph, uri, DCTERMS.title, licence.title)
        graph.add((uri, SKOS.exactMatch, URIRef(licence.url)))
    return uri


def _timestamp(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="seconds"), datatype=XSD.dateTime)


def _date(value: str) -> Literal:
    return Literal(value, datatype=XSD.date if len(value) == 10 else XSD.gYear)


def _coverage(graph: Graph, node: URIRef, dataset: Dataset) -> None:
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode(f"period-{dataset.slug}")
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, _date(dataset.temporal_start)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, _date(dataset.temporal_end)))
        graph.add((node, DCTERMS.temporal, period))
    country = URIRef(f"{EU_AUTHORITY}/country/BGR")
    graph.add((country, RDF.type, DCTERMS.Location))
    graph.add((node, DCTERMS.spatial, country))
    if dataset.spatial:
        place = BNode(f"place-{dataset.slug}")
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((place, SKOS.prefLabel, _lit(dataset.spatial, "bg")))
        graph.add((node, DCTERMS.spatial, place))


def _media_type(graph: Graph, media_type: str) -> URIRef:
    uri = URIRef(IANA + media_type)
    graph.add((uri, RDF.type, DCTERMS.MediaType))
    return uri


def _distribution(graph: Graph, site: Site, dataset: Dataset, release: Release,
                  record: ReleaseFile) -> URIRef:
    url = site.download(dataset.slug, release.version, record.name)
    node = URIRef(f"{site.release(dataset.slug, release.version)}#{record.role}")
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, _lit(f"{dataset.title.bg} ({record.name})", "bg")))
    graph.add((node, DCAT.accessURL, URIRef(url)))
    graph.add((node, DCAT.downloadURL, URIRef(url)))
    graph.add((node, DCAT.mediaType, _media_type(graph, record.media_type)))
    file_type = FILE_TYPES.get(record.role)
    if file_type:
        fmt = URIRef(f"{EU_AUTHORITY}/file-type/{file_type}")
        graph.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
        graph.add((node, DCTERMS.format, fmt))
    else:
        fmt = _media_type(graph, record.media_type)
        graph.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
        graph.add((node, DCTERMS.format, fmt))
    graph.add((node, DCAT.byteSize, Literal(record.bytes, datatype=XSD.nonNegativeInteger)))
    checksum = BNode(f"checksum-{dataset.slug}-{release.version}-{record.role}")
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    graph.add((checksum, SPDX.checksumValue, Literal(record.sha256, datatype=XSD.hexBinary)))
    graph.add((node, SPDX.checksum, checksum))
    graph.add((node, DCTERMS.license, _licence(graph, dataset.licence)))
    graph.add((node, DCTERMS.issued, _timestamp(release.created_at)))
    return node


def _sql_distribution(graph: Graph, site: Site, dataset: Dataset) -> URIRef:
    url = site.sql_table(dataset.slug, dataset.table_name)
    node = URIRef(f"{site.dataset(dataset.slug)}#sql-json")
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, _lit(f"{dataset.title.bg} (SQL API, JSON)", "bg")))
    graph.add((node, DCAT.accessURL, URIRef(url)))
    graph.add((node, DCAT.mediaType, _media_type(graph, "application/json")))
    fmt = URIRef(f"{EU_AUTHORITY}/file-type/JSON")
    graph.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
    graph.add((node, DCTERMS.format, fmt))
    graph.add((node, DCTERMS.license, _licence(graph, dataset.licence)))
    return node


def add_dataset(graph: Graph, site: Site, dataset: Dataset, publisher: Publisher,
                release: Release | None) -> URIRef:
    """Add one dataset (with publisher, contact and distributions) to the graph; return its node."""
    node = URIRef(site.dataset(dataset.slug))
    graph.add((node, RDF.type, DCAT.Dataset))
    _texts(graph, node, DCTERMS.title, dataset.title)
    description = Text(dataset.description.bg or dataset.title.bg,
                       dataset.description.en or dataset.title.en)
    _texts(graph, node, DCTERMS.description, description)
    graph.add((node, DCTERMS.identifier, _lit(site.dataset(dataset.slug))))
    landing = URIRef(site.dataset(dataset.slug))
    graph.add((node, DCAT.landingPage, landing))
    graph.add((landing, RDF.type, FOAF.Document))
    graph.add((node, DCTERMS.publisher, _agent(graph, site.publisher(publisher.slug),
                                                publisher.name, publisher.homepage)))
    graph.add((node, DCAT.contactPoint, _contact(graph, dataset, publisher)))
    for code in dataset.themes:
        theme = URIRef(f"{EU_AUTHORITY}/data-theme/{code}")
        _concept(graph, theme, SKOS.Concept, THEMES.get(code, Text(code, code)),
                 f"{EU_AUTHORITY}/data-theme")
        graph.add((node, DCAT.theme, theme))
    frequency = FREQUENCIES.get(dataset.frequency)
    if frequency:
        uri = URIRef(f"{EU_AUTHORITY}/frequency/{dataset.frequency}")
        _concept(graph, uri, DCTERMS.Frequency, frequency.label, f"{EU_AUTHORITY}/frequency")
        graph.add((node, DCTERMS.accrualPeriodicity, uri))
    for keyword in dataset.keywords:
        graph.add((node, DCAT.keyword, _lit(keyword, _keyword_lang(keyword))))
    language = URIRef(f"{EU_AUTHORITY}/language/BUL")
    graph.add((language, RDF.type, DCTERMS.LinguisticSystem))
    graph.add((node, DCTERMS.language, language))
    _coverage(graph, node, dataset)
    add_areas(graph, node, site.base_url, release)
    if dataset.created_at:
        graph.add((node, DCTERMS.issued, _timestamp(dataset.created_at)))
    if release is not None:
        graph.add((node, DCTERMS.modified, _timestamp(release.created_at)))
        graph.add((node, DCAT_VERSION, Literal(str(release.version))))
        if release.notes:
            graph.add((node, ADMS.versionNotes, _lit(release.notes, "bg")))
        for record in release.files:
            if record.role in DISTRIBUTED:
                graph.add((node, DCAT.distribution,
                           _distribution(graph, site, dataset, release, record)))
        graph.add((node, DCAT.distribution, _sql_distribution(graph, site, dataset)))
    return node


def new_graph() -> Graph:
    """Return an empty graph with the usual DCAT-AP prefixes bound."""
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("skos", SKOS),
                              ("vcard", VCARD), ("spdx", SPDX), ("adms", ADMS),
                              ("hydra", HYDRA), ("xsd", XSD)):
        graph.bind(prefix, namespace)
    return graph


def dataset_graph(site: Site, dataset: Dataset, publisher: Publisher,
                  release: Release | None) -> Graph:
    """Return the DCAT-AP graph of one dataset."""
    graph = new_graph()
    add_dataset(graph, site, dataset, publisher, release)
    return graph


def _hydra(graph: Graph, catalog_url: str, page: Page) -> None:
    node = URIRef(f"{catalog_url}?page={page.number}")
    graph.add((node, RDF.type, HYDRA.PagedCollection))
    graph.add((node, HYDRA.totalItems, Literal(page.total, datatype=XSD.nonNegativeInteger)))
    graph.add((node, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.nonNegativeInteger)))
    graph.add((node, HYDRA.firstPage, URIRef(f"{catalog_url}?page=1")))
    graph.add((node, HYDRA.lastPage, URIRef(f"{catalog_url}?page={page.last}")))
    if page.number > 1:
        graph.add((node, HYDRA.previousPage, URIRef(f"{catalog_url}?page={page.number - 1}")))
    if page.number < page.last:
        graph.add((node, HYDRA.nextPage, URIRef(f"{catalog_url}?page={page.number + 1}")))


def catalog_graph(site: Site, entries: Iterable[tuple[Dataset, Publisher, Release | None]], *,
                  page: Page, catalog_url: str, modified: datetime | None = None) -> Graph:
    """Return the DCAT-AP graph of one page of the catalog, with hydra paging."""
    graph = new_graph()
    catalog = URIRef(site.url("catalog"))
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _texts(graph, catalog, DCTERMS.title, SITE_NAME)
    _texts(graph, catalog, DCTERMS.description,
           Text("Отворени данни, публикувани от общината и нейните органи.",
                "Open data published by the municipality and its bodies."))
    graph.add((catalog, DCTERMS.publisher, _agent(graph, site.url("#portal"), SITE_NAME)))
    homepage = URIRef(site.url(""))
    graph.add((catalog, FOAF.homepage, homepage))
    graph.add((homepage, RDF.type, FOAF.Document))
    language = URIRef(f"{EU_AUTHORITY}/language/BUL")
    graph.add((language, RDF.type, DCTERMS.LinguisticSystem))
    graph.add((catalog, DCTERMS.language, language))
    taxonomy = URIRef(f"{EU_AUTHORITY}/data-theme")
    graph.add((taxonomy, RDF.type, SKOS.ConceptScheme))
    graph.add((taxonomy, DCTERMS.title, Literal("Data theme", lang="en")))
    graph.add((catalog, DCAT.themeTaxonomy, taxonomy))
    if modified is not None:
        graph.add((catalog, DCTERMS.modified, _timestamp(modified)))
    for dataset, publisher, release in entries:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, site, dataset, publisher, release)))
    _hydra(graph, catalog_url, page)
    return graph


FORMATS: dict[str, tuple[str, str]] = {  # extension -> (rdflib format, media type)
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("pretty-xml", "application/rdf+xml"),
}


def serialize(graph: Graph, extension: str) -> bytes:
    """Return the graph in the format of a file extension (ttl, jsonld, rdf)."""
    fmt, _media = FORMATS[extension]
    data = graph.serialize(format=fmt, encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")


def datasets_in(graph: Graph) -> Sequence[URIRef]:
    """Return the dataset nodes of a graph, sorted (for tests and tools)."""
    return sorted(s for s in graph.subjects(RDF.type, DCAT.Dataset) if isinstance(s, URIRef))
