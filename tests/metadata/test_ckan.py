"""CKAN package dicts and CKAN-style search, as pure functions."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from metadata.ckan import SearchQueryError, SearchRequest, package_dict, parse_filters, search
from metadata.dcat import Site
from metadata.messages import Text
from metadata.records import Dataset, Publisher, Release, ReleaseFile

SITE = Site("https://data.levski.example")
WHEN = datetime(2026, 3, 31, 9, 30, tzinfo=timezone.utc)
LEVSKI = Publisher(1, "levski", Text("Община Левски", "Municipality of Levski"))
COUNCIL = Publisher(2, "council", Text("Общински съвет", "Municipal council"), homepage="javascript:x")


def package(slug: str, publisher: Publisher = LEVSKI, *, keywords: tuple[str, ...] = (),
            licence: str = "CC-BY-4.0", themes: tuple[str, ...] = (), released: bool = True,
            title: str | None = None) -> dict:
    dataset = Dataset(hash(slug) % 1000, slug, publisher.id, Text(title or f"Набор {slug}", f"Dataset {slug}"),
                      Text("Описание", "Description"), keywords=keywords, licence=licence,
                      themes=themes, created_at=WHEN)
    files = (ReleaseFile(f"{slug}.csv", "data", "text/csv", 10, "ab" * 32),
             ReleaseFile(f"{slug}.db", "sqlite", "application/vnd.sqlite3", 20, "cd" * 32))
    release = Release(1, dataset.id, 3, WHEN, "", 5, files) if released else None
    return package_dict(SITE, dataset, publisher, release)


PACKAGES = [package("budget", keywords=("бюджет", "разходи"), themes=("ECON",), title="Бюджет"),
            package("decisions", COUNCIL, keywords=("решения",), licence="CC0-1.0", themes=("GOVE",)),
            package("draft", keywords=("бюджет",), released=False)]


def test_a_package_has_the_fields_ckan_clients_read() -> None:
    budget = PACKAGES[0]
    assert {k: budget[k] for k in ("name", "title", "type", "state", "private", "version",
                                   "license_id", "num_resources", "num_tags", "url")} == {
        "name": "budget", "title": "Бюджет", "type": "dataset", "state": "active", "private": False,
        "version": "3", "license_id": "CC-BY-4.0", "num_resources": 2, "num_tags": 2,
        "url": "https://data.levski.example/datasets/budget"}
    assert budget["organization"]["name"] == "levski" and budget["owner_org"] == budget["organization"]["id"]
    assert [g["name"] for g in budget["groups"]] == ["econ"]
    assert [(r["format"], r["url"], r["size"]) for r in budget["resources"]] == [
        ("CSV", "https://data.levski.example/datasets/budget/releases/3/budget.csv", 10),
        ("SQLite", "https://data.levski.example/datasets/budget/releases/3/budget.db", 20)]


def test_ids_are_uuids_that_stay_the_same_across_calls() -> None:
    again = package("budget", keywords=("бюджет", "разходи"), themes=("ECON",), title="Бюджет")
    assert again["id"] == PACKAGES[0]["id"] and len(again["id"]) == 36
    assert again["resources"][0]["id"] == PACKAGES[0]["resources"][0]["id"]


def test_a_javascript_homepage_never_reaches_the_organization() -> None:
    assert PACKAGES[1]["organization"]["extras"] == [{"key": "homepage", "value": ""}]


@pytest.mark.parametrize(("fq", "names"), [
    ("", ["budget", "decisions", "draft"]),
    ("organization:levski", ["budget", "draft"]),
    ("tags:бюджет", ["budget", "draft"]),
    ('tags:"бюджет" AND organization:levski', ["budget", "draft"]),
    ("res_format:CSV", ["budget", "decisions"]),
    ("res_format:csv license_id:CC0-1.0", ["decisions"]),
    ("-organization:levski", ["decisions"]),
    ("groups:econ", ["budget"]),
])
def test_filters_select_packages_as_ckan_fq_does(fq: str, names: list[str]) -> None:
    result = search(PACKAGES, SearchRequest(fq=fq, sort="name asc"))
    assert [p["name"] for p in result["results"]] == names and result["count"] == len(names)


def test_free_text_paging_sorting_and_facets() -> None:
    assert [p["name"] for p in search(PACKAGES, SearchRequest(q="бюджет"))["results"]] == ["budget", "draft"]
    page = search(PACKAGES, SearchRequest(rows=1, start=1, sort="name desc"))
    assert (page["count"], [p["name"] for p in page["results"]]) == (3, ["decisions"])
    facets = search(PACKAGES, SearchRequest(facet_fields=("organization", "tags")))["facets"]
    assert facets == {"organization": {"levski": 2, "council": 1},
                      "tags": {"бюджет": 2, "разходи": 1, "решения": 1}}


@pytest.mark.parametrize("fq", ["bogus:1", "organization", 'tags:"open'])
def test_a_filter_we_cannot_read_is_a_search_query_error(fq: str) -> None:
    with pytest.raises(SearchQueryError):
        search(PACKAGES, SearchRequest(fq=fq))


def test_parse_filters_reads_quoted_and_negated_clauses() -> None:
    assert parse_filters('+tags:"общински съвет" -license_id:CC0-1.0') == [
        (False, "tags", "общински съвет"), (True, "license_id", "CC0-1.0")]
