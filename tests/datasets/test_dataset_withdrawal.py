"""A withdrawn dataset leaves every listing of a running portal, and its page and history stay."""
from __future__ import annotations

from typing import Callable

import httpx
import pytest

from app.state import Portal
from datasets.catalog import list_releases, live_databases
from datasets.dataset_withdrawal import restore_dataset, withdraw_dataset
from datasets.feed_queries import catalog_entries, count_datasets
from datasets.search import load_entries
from metadata.errors import Conflict

LISTINGS = ("/api/3/action/package_list", "/catalog.ttl", "/datasets", "/sql/.json", "/sitemap.xml")


@pytest.mark.catalogs
def test_a_withdrawn_dataset_is_in_no_catalog_query_and_keeps_its_releases(
        portal: Portal, publish: Callable[..., int]) -> None:
    publish("ostava", [{"a": 1}])
    publish("ottegleno", [{"a": 1}])
    withdraw_dataset(portal.engine, "ottegleno", reason="removed at source", actor="test")
    listed = ([e.dataset.slug for e in catalog_entries(portal.engine)], count_datasets(portal.engine),
              [d.name for d in live_databases(portal.engine)], [e.dataset.slug for e in load_entries(portal.engine)])
    assert listed == (["ostava"], 1, ["ostava"], ["ostava"])
    from datasets.catalog import get_dataset

    assert [r.status for r in list_releases(portal.engine, get_dataset(portal.engine, "ottegleno").id)] == ["published"]
    with pytest.raises(Conflict):
        withdraw_dataset(portal.engine, "ottegleno", reason="again", actor="test")
    restore_dataset(portal.engine, "ottegleno", actor="test")
    assert count_datasets(portal.engine) == 2


def test_a_running_server_stops_listing_it_at_once_and_still_serves_its_page(
        publish: Callable[..., int], portal: Portal, live_server: str) -> None:
    publish("ostava", [{"a": 1}])
    publish("ottegleno", [{"a": 1}])
    before = {path: httpx.get(live_server + path, timeout=60).text for path in LISTINGS}
    assert all("ottegleno" in body for body in before.values())
    withdraw_dataset(portal.engine, "ottegleno", reason="removed at source", actor="test")
    after = {path: httpx.get(live_server + path, timeout=60) for path in LISTINGS}
    assert {path: ("ottegleno" in r.text, "ostava" in r.text) for path, r in after.items()} == {
        path: (False, True) for path in LISTINGS}
    assert httpx.get(live_server + "/datasets/ottegleno", timeout=60).status_code == 200
