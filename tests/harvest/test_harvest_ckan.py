"""Harvesting a second, real Otkrito through its CKAN Action API (read with ckanapi as the reference)."""
from __future__ import annotations

import ckanapi
import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets.catalog import get_dataset, list_datasets
from datasets.dataset_withdrawal import restore_dataset, withdraw_dataset, withdrawal_of
from datasets.edit import update_dataset
from datasets.feed_queries import catalog_entries
from datasets.harvest import run_harvest
from datasets.harvest_sources import add_harvest_source
from datasets.publish import Upload, publish
from datasets.sources import get_source, list_sources
from publishers.harvest_store import harvested_datasets
from publishers.registry import add_publisher
from tests.harvest.conftest import DATA, LOOPBACK, OtherPortal

pytestmark = pytest.mark.catalogs


def _source(portal: Portal, url: str) -> int:
    add_publisher(portal.engine, "pleven", name_bg="Община Плевен")
    return add_harvest_source(portal.engine, "pleven", url, kind="ckan", actor="test").id


def test_a_run_creates_each_remote_dataset_with_its_metadata(portal: Portal, other_portal: OtherPortal) -> None:
    source = _source(portal, other_portal.url)
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    remote = ckanapi.RemoteCKAN(other_portal.url)
    names = remote.action.package_list()
    assert (report.outcome, sorted(report.created), report.failed) == ("complete", names, [])
    package = remote.action.package_show(id="byudzhet-2026")
    budget = get_dataset(portal.engine, "byudzhet-2026")
    assert (budget.title.bg, budget.title.en, budget.licence, budget.frequency, sorted(budget.themes),
            sorted(budget.keywords), budget.temporal_start, budget.temporal_end, budget.contact_email) == (
        package["title"], "Budget 2026", package["license_id"], "QUARTERLY",
        sorted(g["name"].upper() for g in package["groups"]), sorted(t["name"] for t in package["tags"]),
        "2026-01-01", "2026-12-31", "budget@levski.bg")
    settlements = remote.action.package_show(id="naseleni-mesta")
    csv = [r["url"] for r in settlements["resources"] if r["format"] == "CSV"]
    assert (len(csv), report.scheduled) == (1, {"naseleni-mesta": csv[0]})  # the others have no table
    assert [(s.slug, s.url) for s in list_sources(portal.engine)] == [("naseleni-mesta", csv[0])]


def test_a_second_run_changes_nothing_and_duplicates_nothing(portal: Portal, other_portal: OtherPortal) -> None:
    source = _source(portal, other_portal.url)
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    scheduled = get_source(portal.engine, "naseleni-mesta")
    again = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (again.created, again.updated, len(again.unchanged)) == ([], [], 3)
    assert len(list_datasets(portal.engine)) == 3
    assert get_source(portal.engine, "naseleni-mesta") == scheduled  # not made due again


def test_a_new_release_at_the_source_moves_the_scheduled_source_to_its_file(
        portal: Portal, other_portal: OtherPortal) -> None:
    source = _source(portal, other_portal.url)
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    first = get_source(portal.engine, "naseleni-mesta")
    publish(other_portal.portal.instance, other_portal.engine, Upload(DATA / "levski-settlements.csv"),
            dataset="naseleni-mesta")
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    moved = get_source(portal.engine, "naseleni-mesta")
    assert first is not None and moved is not None
    assert ("/releases/1/" in first.url, "/releases/2/" in moved.url) == (True, True)


def test_an_edit_at_the_source_updates_the_same_dataset_even_when_its_title_changes(
        portal: Portal, other_portal: OtherPortal) -> None:
    source = _source(portal, other_portal.url)
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    update_dataset(other_portal.engine, "naseleni-mesta", actor="test",
                   title_bg="Населени места в общината", frequency="ANNUAL")
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    dataset = get_dataset(portal.engine, "naseleni-mesta")
    assert (report.updated, report.created) == (["naseleni-mesta"], [])
    assert (dataset.title.bg, dataset.frequency) == ("Населени места в общината", "ANNUAL")
    assert len(list_datasets(portal.engine)) == 3


def test_a_dataset_removed_at_the_source_is_withdrawn_and_comes_back_when_it_returns(
        portal: Portal, other_portal: OtherPortal) -> None:
    source = _source(portal, other_portal.url)
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert get_source(portal.engine, "naseleni-mesta") is not None
    withdraw_dataset(other_portal.engine, "naseleni-mesta", reason="gone", actor="test")
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    dataset = get_dataset(portal.engine, "naseleni-mesta")  # its record stays
    withdrawal = withdrawal_of(portal.engine, dataset.id)
    assert report.withdrawn == ["naseleni-mesta"]
    assert get_source(portal.engine, "naseleni-mesta") is None
    assert withdrawal is not None and "removed at source" in withdrawal.reason
    assert "naseleni-mesta" not in {e.dataset.slug for e in catalog_entries(portal.engine)}
    restore_dataset(other_portal.engine, "naseleni-mesta", actor="test")
    back = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (back.restored, withdrawal_of(portal.engine, dataset.id)) == (["naseleni-mesta"], None)


def test_a_slug_of_another_publisher_is_never_taken(portal: Portal, other_portal: OtherPortal) -> None:
    add_publisher(portal.engine, "levski", name_bg="Община Левски")
    from datasets.catalog import create_dataset

    theirs = create_dataset(portal.engine, "byudzhet-2026", publisher="levski", title_bg="Наш бюджет")
    source = _source(portal, other_portal.url)
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert "byudzhet-2026-2" in report.created
    assert get_dataset(portal.engine, "byudzhet-2026") == theirs
    with portal.engine.connect() as conn:
        remote_ids = {r.remote_id for r in conn.execute(sa.select(harvested_datasets))}
    remote = ckanapi.RemoteCKAN(other_portal.url)
    assert remote_ids == {remote.action.package_show(id=n)["id"] for n in remote.action.package_list()}
