"""A metadata edit reaches every published document of a running server, with new ETags.

The feeds, DCAT documents and the SQL API keep per-process copies keyed on the catalog's
publish generation. The server here has already answered each URL once (so its copies are
warm) before the title changes, through the API of the same server or through the staff
workspace of another process.
"""
from __future__ import annotations

from typing import Callable

import httpx
import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS

from tests.app.staff.staff_world import World, csrf_of, login

NEW_TITLE = "Селища на община А след редакция"
DOCUMENTS = ("/datasets/a-data.ttl", "/catalog.ttl", "/feeds/releases.atom", "/feeds/datasets/a-data.atom")


def _snapshot(server: str) -> dict[str, tuple[str, str]]:
    """Return (ETag, body) of every cached document, and CKAN's and Datasette's titles."""
    found = {}
    for path in DOCUMENTS:
        response = httpx.get(server + path, timeout=30)
        assert response.status_code == 200, path
        found[path] = (response.headers["etag"], response.text)
    package = httpx.get(server + "/api/3/action/package_show", params={"id": "a-data"}, timeout=30)
    found["ckan"] = ("", package.json()["result"]["title"])
    metadata = httpx.get(server + "/sql/-/metadata.json", timeout=30).json()
    found["sql"] = ("", metadata["databases"]["a-data"]["title"])
    return found


def _through_the_api(world: World, server: str) -> None:
    response = httpx.patch(f"{server}/api/v1/datasets/a-data", json={"title_bg": NEW_TITLE},
                           headers={"Authorization": f"Bearer {world.token_a}"}, timeout=30)
    assert response.status_code == 200, response.text


def _through_the_workspace(world: World, server: str) -> None:
    client = world.app.test_client()
    login(client, "editor-a@x.bg")
    form = client.get("/staff/datasets/a-data/edit").text
    response = client.post("/staff/datasets/a-data/edit", data={
        "csrf_token": csrf_of(form), "title_bg": NEW_TITLE, "licence": "CC-BY-4.0",
        "frequency": "UNKNOWN"})
    assert response.status_code == 302, response.text


@pytest.mark.parametrize("edit", [_through_the_api, _through_the_workspace])
def test_a_title_edit_reaches_dcat_feeds_ckan_and_sql_with_new_etags(
        world: World, live_server: str, edit: Callable[[World, str], None]) -> None:
    before = _snapshot(live_server)
    assert all(NEW_TITLE not in body for _etag, body in before.values())

    edit(world, live_server)

    after = _snapshot(live_server)
    assert [path for path in DOCUMENTS if after[path][0] == before[path][0]] == []
    assert [name for name, (_etag, body) in after.items() if NEW_TITLE not in body] == []
    graph = Graph().parse(data=after["/datasets/a-data.ttl"][1], format="turtle")
    assert Literal(NEW_TITLE, lang="bg") in set(graph.objects(None, DCTERMS.title))


def test_a_client_holding_the_old_etag_gets_the_new_document_not_304(world: World,
                                                                     live_server: str) -> None:
    url = live_server + "/datasets/a-data.ttl"
    old = httpx.get(url, timeout=30).headers["etag"]

    _through_the_api(world, live_server)

    response = httpx.get(url, headers={"If-None-Match": old}, timeout=30)
    assert response.status_code == 200 and NEW_TITLE in response.text


def test_a_new_dataset_appears_in_the_catalog_document_of_a_running_server(
        world: World, live_server: str) -> None:
    before = httpx.get(live_server + "/catalog.ttl", timeout=30)
    created = httpx.post(f"{live_server}/api/v1/datasets", timeout=30,
                         headers={"Authorization": f"Bearer {world.token_a}"},
                         json={"slug": "a-novo", "title_bg": "Нов набор на община А"})
    assert created.status_code == 201, created.text

    after = httpx.get(live_server + "/catalog.ttl", timeout=30)
    assert after.headers["etag"] != before.headers["etag"]
    assert "Нов набор на община А" in after.text
