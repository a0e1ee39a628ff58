"""DCAT-AP 3 export: zero SHACL violations against the official shapes, in every serialization."""
from __future__ import annotations

import filecmp
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from metadata.dcat import FORMATS, HYDRA, SPDX, Page, Site, catalog_graph, dataset_graph, serialize
from metadata.messages import Text
from metadata.records import Dataset, Publisher, Release, ReleaseFile

REPO = Path(__file__).resolve().parents[2]
SHAPES = REPO / "tests" / "data" / "dcat-ap"
OFFICIAL = REPO.parent / "shared" / "standards" / "dcat-ap"  # beside the repository in CI
SITE = Site("https://data.levski.example")
WHEN = datetime(2026, 3, 31, 9, 30, tzinfo=timezone.utc)
XSS = '<script>alert(1)</script>'


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The official DCAT-AP 3.0.1 shapes with their class ranges (as the README says to load them)."""
    return Graph().parse(SHAPES / "dcat-ap-SHACL.ttl").parse(SHAPES / "range.ttl")


def violations(data: Graph, shapes: Graph) -> str:
    conforms, _report, text = validate(data, shacl_graph=shapes, inference="none",
                                       allow_warnings=True)
    return "" if conforms else text


def budget(*, title: str = "Бюджет на Община Левски", notes: str = "Към 30.06.2026 г.",
           temporal: bool = True) -> tuple[Dataset, Publisher, Release]:
    publisher = Publisher(1, "obshtina-levski", Text("Община Левски", "Municipality of Levski"),
                          homepage="https://www.levski.bg", email="obshtina@levski.bg")
    dataset = Dataset(7, "budget", 1, Text(title, "Budget of Levski"),
                      Text("Разходи по параграфи.", "Expenditure by paragraph."),
                      themes=("ECON", "GOVE"), keywords=("бюджет", "EBK"), frequency="QUARTERLY",
                      temporal_start="2026-01-01" if temporal else None,
                      temporal_end="2026-06-30" if temporal else None, spatial="Община Левски",
                      contact_name="Отдел „Финанси“", created_at=WHEN)
    files = (ReleaseFile("budget.csv", "data", "text/csv", 2013, "ab" * 32),
             ReleaseFile("budget.db", "sqlite", "application/vnd.sqlite3", 32768, "cd" * 32),
             ReleaseFile("datapackage.json", "datapackage", "application/json", 900, "ef" * 32),
             ReleaseFile("budget-v2.zip", "zip", "application/zip", 3000, "01" * 32),
             ReleaseFile("source/original.csv", "source", "application/octet-stream", 2100, "23" * 32))
    return dataset, publisher, Release(3, 7, 2, WHEN, notes, 16, files)


def test_the_shapes_in_tests_are_the_official_files_unchanged() -> None:
    if not OFFICIAL.is_dir():
        pytest.skip("../shared/standards/dcat-ap is not beside this checkout")
    for name in ("dcat-ap-SHACL.ttl", "range.ttl", "shapes_recommended.ttl"):
        assert filecmp.cmp(SHAPES / name, OFFICIAL / name, shallow=False), name


@pytest.mark.parametrize("extension", sorted(FORMATS))
def test_a_dataset_graph_has_zero_violations_after_a_round_trip(shapes: Graph, extension: str) -> None:
    document = serialize(dataset_graph(SITE, *budget()), extension)
    parsed = Graph().parse(data=document, format=FORMATS[extension][0].replace("pretty-", ""))
    assert violations(parsed, shapes) == ""


@pytest.mark.parametrize("extension", sorted(FORMATS))
def test_a_catalog_graph_has_zero_violations_after_a_round_trip(shapes: Graph, extension: str) -> None:
    entries = [budget(), budget(temporal=False)]
    second = entries[1]
    entries[1] = (Dataset(**{**second[0].__dict__, "slug": "budget-2", "id": 8}), second[1], None)
    graph = catalog_graph(SITE, entries, page=Page(1, 100, 2), catalog_url=SITE.url("catalog.ttl"),
                          modified=WHEN)
    parsed = Graph().parse(data=serialize(graph, extension),
                           format=FORMATS[extension][0].replace("pretty-", ""))
    assert len(parsed) == len(graph)
    assert violations(parsed, shapes) == ""


def test_a_dataset_carries_the_properties_harvesters_look_for() -> None:
    graph = dataset_graph(SITE, *budget())
    node = URIRef("https://data.levski.example/datasets/budget")
    eu = "http://publications.europa.eu/resource/authority/"
    assert set(graph.objects(node, DCAT.theme)) == {URIRef(eu + "data-theme/ECON"), URIRef(eu + "data-theme/GOVE")}
    assert graph.value(node, DCTERMS.accrualPeriodicity) == URIRef(eu + "frequency/QUARTERLY")
    assert set(graph.objects(node, DCAT.keyword)) == {Literal("бюджет", lang="bg"), Literal("EBK", lang="en")}
    assert set(graph.objects(node, DCTERMS.title)) == {Literal("Бюджет на Община Левски", lang="bg"),
                                                      Literal("Budget of Levski", lang="en")}
    publisher = graph.value(node, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert graph.value(publisher, FOAF.name) is not None
    contact = graph.value(node, DCAT.contactPoint)
    assert graph.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) == URIRef("mailto:obshtina@levski.bg")
    period = graph.value(node, DCTERMS.temporal)
    assert str(graph.value(period, DCAT.startDate)) == "2026-01-01"


def test_there_is_one_distribution_per_format_with_size_media_type_and_sha256() -> None:
    graph = dataset_graph(SITE, *budget())
    node = URIRef("https://data.levski.example/datasets/budget")
    release = "https://data.levski.example/datasets/budget/releases/2"
    downloads = {str(graph.value(d, DCAT.downloadURL)): d for d in graph.objects(node, DCAT.distribution)}
    assert set(downloads) == {release + "/budget.csv", release + "/budget.db",
                              release + "/budget-v2.zip", "None"}  # "None": the SQL API (access only)
    csv = downloads[release + "/budget.csv"]
    assert graph.value(csv, DCAT.mediaType) == URIRef("http://www.iana.org/assignments/media-types/text/csv")
    assert graph.value(csv, DCAT.byteSize).toPython() == 2013
    checksum = graph.value(csv, SPDX.checksum)
    assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert str(graph.value(checksum, SPDX.checksumValue)) == "ab" * 32


def test_markup_and_control_characters_survive_as_inert_literals_in_every_format(shapes: Graph) -> None:
    dataset, publisher, release = budget(title=f"Бюджет\x00\x1b{XSS}", notes=f"\x07{XSS}")
    graph = dataset_graph(SITE, dataset, publisher, release)
    for extension in FORMATS:
        document = serialize(graph, extension)
        if extension == "rdf":  # markup in text is character data (rdflib may use CDATA), never elements
            tree = etree.fromstring(document)
            assert [e for e in tree.iter() if etree.QName(e).localname == "script"] == []
        parsed = Graph().parse(data=document, format=FORMATS[extension][0].replace("pretty-", ""))
        titles = {str(t) for t in parsed.objects(URIRef(SITE.dataset("budget")), DCTERMS.title)}
        assert f"Бюджет{XSS}" in titles
        assert violations(parsed, shapes) == ""


def test_a_big_catalog_is_paged_with_hydra_links() -> None:
    graph = catalog_graph(SITE, [budget()], page=Page(2, 100, 250), catalog_url=SITE.url("catalog.ttl"))
    view = URIRef("https://data.levski.example/catalog.ttl?page=2")
    assert (view, RDF.type, HYDRA.PagedCollection) in graph
    assert graph.value(view, HYDRA.nextPage) == URIRef("https://data.levski.example/catalog.ttl?page=3")
    assert graph.value(view, HYDRA.previousPage) == URIRef("https://data.levski.example/catalog.ttl?page=1")
    assert graph.value(view, HYDRA.lastPage) == URIRef("https://data.levski.example/catalog.ttl?page=3")
    assert graph.value(view, HYDRA.totalItems).toPython() == 250
