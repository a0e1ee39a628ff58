"""A withdrawn dataset leaves every listing of a running portal, and its page and history stay."""
from __future__ import annotations

from typing import Callable

import httpx
import pytest
from babel.dates import format_date

from app.state import Portal
from datasets.catalog import list_releases, live_databases
from datasets.dataset_withdrawal import REMOVED_AT_SOURCE, restore_dataset, withdraw_dataset
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


@pytest.mark.parametrize(("reason", "bg_reason", "en_reason"), [
    (REMOVED_AT_SOURCE, "премахнат при източника", "removed at source"),
    ("грешни данни", "грешни данни", "грешни данни"),  # staff's reason, as they typed it
], ids=["harvest", "staff"])
def test_a_withdrawn_datasets_page_says_so_with_its_reason_and_date_in_each_language(
        publish: Callable[..., int], portal: Portal, live_server: str, reason: str, bg_reason: str,
        en_reason: str) -> None:
    publish("ostava", [{"a": 1}])
    publish("ottegleno", [{"a": 1}])
    withdrawn = withdraw_dataset(portal.engine, "ottegleno", reason=reason, actor="test")
    bulgarian = httpx.get(live_server + "/datasets/ottegleno?lang=bg", timeout=60)
    english = httpx.get(live_server + "/datasets/ottegleno?lang=en", timeout=60)
    on_day = withdrawn.withdrawn_at.date()
    assert (bulgarian.status_code, english.status_code) == (200, 200)
    assert ("Този набор от данни е оттеглен." in bulgarian.text,
            f"Оттеглен на {format_date(on_day, format='long', locale='bg')}. Причина: {bg_reason}." in bulgarian.text,
            "This dataset has been withdrawn." in english.text,
            f"Withdrawn on {format_date(on_day, format='long', locale='en')}. Reason: {en_reason}." in english.text,
            ) == (True, True, True, True), (bulgarian.text, english.text)
    assert "премахнат" not in english.text and "removed at source" not in bulgarian.text  # one language each
    listed = httpx.get(live_server + "/datasets/ostava?lang=en", timeout=60).text
    assert "This dataset has been withdrawn." not in listed and 'id="withdrawn"' not in listed
    assert "ottegleno" not in httpx.get(live_server + "/datasets", timeout=60).text  # still out of listings
