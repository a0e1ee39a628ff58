"""The unmodified ckanapi client reads the portal as it reads any CKAN site."""
from __future__ import annotations

from pathlib import Path

import ckanapi
import httpx
import pytest

from app.state import open_portal
from datasets.feed_queries import catalog_entries
from tests.conftest import HTTP_TIMEOUT

LEVSKI = "obshtina-levski"


@pytest.fixture(scope="module")
def ckan(server: str) -> ckanapi.RemoteCKAN:
    return ckanapi.RemoteCKAN(server)


@pytest.fixture(scope="module")
def expected(demo_root: Path) -> dict[str, dict]:
    """What the catalog itself says: slug -> publisher, keywords, latest version, files."""
    portal = open_portal({"INSTANCE": str(demo_root), "DATABASE_URL": None}, create=False)
    entries = catalog_entries(portal.engine)
    portal.engine.dispose()
    return {e.dataset.slug: {"publisher": e.publisher.slug, "keywords": sorted(e.dataset.keywords),
                             "version": str(e.release.version) if e.release else None,
                             "title": e.dataset.title.bg,
                             "files": sorted(f.name for f in e.release.files
                                             if f.role in ("data", "sqlite", "zip", "datapackage", "parquet", "geojson"))}
            for e in entries}


def test_status_and_package_list_match_the_catalog(ckan: ckanapi.RemoteCKAN, expected: dict) -> None:
    assert ckan.action.site_read() is True
    assert ckan.action.status_show()["ckan_version"].startswith("2.")
    assert ckan.action.package_list() == sorted(expected)


def test_package_search_with_an_organization_filter_returns_that_publishers_datasets(
        ckan: ckanapi.RemoteCKAN, expected: dict) -> None:
    result = ckan.action.package_search(fq=f"organization:{LEVSKI}", rows=100, sort="name asc")
    names = [p["name"] for p in result["results"]]
    assert names == sorted(s for s, e in expected.items() if e["publisher"] == LEVSKI)
    assert result["count"] == len(names)


@pytest.mark.parametrize(("fq", "predicate"), [
    ("tags:бюджет", lambda e: "бюджет" in e["keywords"]),
    ('tags:"общински съвет"', lambda e: "общински съвет" in e["keywords"]),
    ("res_format:CSV", lambda e: e["version"] is not None),
    ("license_id:CC-BY-4.0", lambda e: True),
    (f"organization:{LEVSKI} tags:ЕКАТТЕ", lambda e: e["publisher"] == LEVSKI and "ЕКАТТЕ" in e["keywords"]),
])
def test_package_search_filters_agree_with_the_catalog(ckan: ckanapi.RemoteCKAN, expected: dict,
                                                       fq: str, predicate) -> None:  # type: ignore[no-untyped-def]
    result = ckan.action.package_search(fq=fq, rows=1000)
    assert sorted(p["name"] for p in result["results"]) == sorted(s for s, e in expected.items() if predicate(e))


def test_paging_through_package_search_visits_every_dataset_once(ckan: ckanapi.RemoteCKAN,
                                                                 expected: dict) -> None:
    seen, start = [], 0
    while True:
        page = ckan.action.package_search(rows=2, start=start, sort="name asc")
        if not page["results"]:
            break
        assert len(page["results"]) <= 2 and page["count"] == len(expected)
        seen += [p["name"] for p in page["results"]]
        start += 2
    assert seen == sorted(expected)


def test_package_show_matches_the_catalog_and_its_resources_download(ckan: ckanapi.RemoteCKAN,
                                                                     expected: dict, server: str) -> None:
    for slug, entry in expected.items():
        package = ckan.action.package_show(id=slug)
        assert (package["name"], package["title"], package["version"], package["organization"]["name"]) == (
            slug, entry["title"], entry["version"], entry["publisher"])
        assert sorted(t["name"] for t in package["tags"]) == entry["keywords"]
        assert sorted(r["url"].rsplit("/", 1)[1] for r in package["resources"]) == entry["files"]
        assert ckan.action.package_show(id=package["id"])["name"] == slug
    resource = ckan.action.package_show(id="byudzhet-na-obshtina-levski")["resources"][0]
    assert resource["url"].startswith(server + "/datasets/byudzhet-na-obshtina-levski/releases/2/")
    assert ckan.action.resource_show(id=resource["id"]) == resource
    download = httpx.get(resource["url"], timeout=HTTP_TIMEOUT)
    assert (download.status_code, len(download.content)) == (200, resource["size"])


def test_organizations_groups_and_tags_are_listed_and_shown(ckan: ckanapi.RemoteCKAN, expected: dict) -> None:
    assert ckan.action.organization_list() == sorted({e["publisher"] for e in expected.values()})
    full = ckan.action.organization_list(all_fields=True)
    assert {o["name"]: o["package_count"] for o in full} == {
        p: sum(1 for e in expected.values() if e["publisher"] == p) for p in {e["publisher"] for e in expected.values()}}
    shown = ckan.action.organization_show(id=LEVSKI, include_datasets=True)
    assert sorted(p["name"] for p in shown["packages"]) == sorted(
        s for s, e in expected.items() if e["publisher"] == LEVSKI)
    assert "econ" in ckan.action.group_list()
    assert [p["name"] for p in ckan.action.group_show(id="econ", include_datasets=True)["packages"]] == [
        "byudzhet-na-obshtina-levski"]
    assert ckan.action.tag_list() == sorted({k for e in expected.values() for k in e["keywords"]}, key=str.casefold)


def test_errors_come_back_as_ckan_errors(ckan: ckanapi.RemoteCKAN, server: str) -> None:
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="nobody")
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(fq="bogus:1")
    response = httpx.get(server + "/api/3/action/package_show?id=nope", timeout=HTTP_TIMEOUT)
    assert response.status_code == 404
    assert response.json()["success"] is False
    assert response.json()["error"] == {"__type": "Not Found Error", "message": "Not found: dataset"}


def test_get_requests_work_too_including_facets(server: str) -> None:
    response = httpx.get(server + "/api/3/action/package_search",
                         params={"fq": f"organization:{LEVSKI}", "facet.field": '["tags","res_format"]', "rows": 0},
                         timeout=HTTP_TIMEOUT)
    body = response.json()
    assert body["success"] is True and body["help"].endswith("help_show?name=package_search")
    assert body["result"]["results"] == [] and body["result"]["facets"]["res_format"]["CSV"] == 4  # with the impact figures
