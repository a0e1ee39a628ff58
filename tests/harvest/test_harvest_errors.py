"""Bad sources get a specific bilingual message and change nothing; a bad dataset is skipped alone."""
from __future__ import annotations

import json

import pytest

from app.state import Portal
from datasets.catalog import list_datasets
from datasets.harvest import run_harvest
from datasets.harvest_sources import add_harvest_source, get_harvest_source
from metadata.errors import InvalidInput
from metadata.messages import Text, text
from publishers.registry import add_publisher
from tests.conftest import free_port
from tests.harvest.conftest import LOOPBACK
from tests.sources.remote import Remote, Route

pytestmark = pytest.mark.catalogs
SEARCH = "/api/3/action/package_search"


def _package(name: str, title: str = "Набор") -> dict:
    return {"id": f"id-{name}", "name": name, "title": title, "notes": "", "license_id": "cc-by",
            "tags": [], "groups": [], "extras": [], "resources": [
                {"url": f"http://127.0.0.1:9/{name}.csv", "format": "CSV"}]}


def _answer(*packages: dict, count: int | None = None) -> bytes:
    return json.dumps({"success": True, "result": {
        "count": len(packages) if count is None else count, "results": list(packages)}}).encode()


def _not_loopback(connects: list) -> list:
    """The connections that left loopback (the catalog's own, on PostgreSQL, stay on it)."""
    return [a for a in connects if isinstance(a, tuple) and a[0] not in ("127.0.0.1", "::1", "localhost")]


def _run(portal: Portal, url: str, kind: str, allow=LOOPBACK):  # type: ignore[no-untyped-def]
    add_publisher(portal.engine, "pleven", name_bg="Община Плевен")
    source = add_harvest_source(portal.engine, "pleven", url, kind=kind, actor="test")
    return run_harvest(portal.engine, source.id, allow=allow, actor="test")


@pytest.mark.parametrize(("route", "kind", "message_id"), [
    (Route(b"", status=403, content_type="text/plain"), "ckan", "fetch.http-status"),
    (Route(b"oops", status=500, content_type="text/plain"), "ckan", "fetch.http-status"),
    (Route(b"<html>a portal page</html>", content_type="text/html"), "ckan", "harvest.not-json"),
    (Route(b'{"hello": "world"}', content_type="application/json"), "ckan", "harvest.not-ckan"),
    (Route(json.dumps({"success": False, "error": {"__type": "Authorization Error",
                                                   "message": "Access denied"}}).encode(),
           content_type="application/json"), "ckan", "harvest.ckan-refused"),
    (Route(b"<html>not a catalog</html>", content_type="text/html"), "dcat", "harvest.not-rdf"),
    (Route(b"@prefix x: <http://x/> . x:a x:b x:c .", content_type="text/turtle"), "dcat", "harvest.not-rdf"),
    (Route(json.dumps({"@context": "http://169.254.169.254/latest/meta-data/", "@type": "dcat:Catalog"}).encode(),
           content_type="application/ld+json"), "dcat", "harvest.remote-context"),
], ids=["403", "500", "not-json", "not-ckan", "success-false", "html-for-dcat", "rdf-without-dcat",
        "remote-jsonld-context"])
def test_a_bad_answer_fails_the_run_with_its_own_message_and_creates_nothing(
        portal: Portal, crafted: Remote, route: Route, kind: str, message_id: str, connects: list) -> None:
    crafted.route(SEARCH, route)
    crafted.route("/catalog.ttl", route)
    url = crafted.url("" if kind == "ckan" else "/catalog.ttl")
    report = _run(portal, url, kind)
    assert (report.outcome, list_datasets(portal.engine)) == ("failed", [])
    assert report.error_id == message_id
    assert report.error is not None and report.error.bg != report.error.en
    assert get_harvest_source(portal.engine, 1).last_outcome == "failed"
    assert _not_loopback(connects) == []  # the @context's host included


def test_an_unreachable_catalog_says_so_in_both_languages(portal: Portal) -> None:
    report = _run(portal, f"http://127.0.0.1:{free_port()}/", "ckan")
    assert report.outcome == "failed" and report.error is not None
    assert report.error == text("fetch.unreachable", host="127.0.0.1")


def test_a_catalog_on_a_private_address_is_refused_before_any_connection(portal: Portal, connects: list) -> None:
    report = _run(portal, "http://169.254.169.254/latest/", "dcat", allow=())
    assert _not_loopback(connects) == []  # refused before any socket was connected
    assert report.error == text("fetch.refused-address", host="169.254.169.254", address="169.254.169.254")
    assert list_datasets(portal.engine) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.org/x", "catalog"])
def test_a_source_that_is_not_a_web_address_is_refused_when_added(portal: Portal, url: str) -> None:
    add_publisher(portal.engine, "pleven", name_bg="Община Плевен")
    with pytest.raises(InvalidInput) as refused:
        add_harvest_source(portal.engine, "pleven", url, kind="dcat", actor="test")
    assert refused.value.message_id == "harvest.bad-url"


def test_a_dataset_without_a_title_is_skipped_alone_and_never_half_created(
        portal: Portal, crafted: Remote) -> None:
    crafted.route(SEARCH, Route(_answer(_package("a"), _package("b", title="  "), _package("c")),
                                content_type="application/json"))
    report = _run(portal, crafted.url(""), "ckan")
    assert sorted(d.slug for d in list_datasets(portal.engine)) == ["a", "c"]
    assert report.failed == [text("harvest.no-title", id="id-b")]
    assert report.outcome == "complete" and report.failed[0].bg != report.failed[0].en


def test_a_resource_the_fetcher_refuses_leaves_its_dataset_without_a_source_and_says_why(
        portal: Portal, crafted: Remote) -> None:
    from datasets.sources import get_source

    package = _package("a")
    package["resources"] = [{"url": "http://user:secret@127.0.0.1:9/a.csv", "format": "CSV"}]
    crafted.route(SEARCH, Route(_answer(package), content_type="application/json"))
    report = _run(portal, crafted.url(""), "ckan")
    assert (report.created, get_source(portal.engine, "a")) == (["a"], None)
    refused = text("fetch.credentials")
    assert report.failed == [Text(text("harvest.dataset-failed", id="a", detail=refused.bg).bg,
                                  text("harvest.dataset-failed", id="a", detail=refused.en).en)]
