"""A remote dataset with several tables gives one dataset, with its own scheduled source, per table."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets.catalog import get_dataset, list_datasets
from datasets.dataset_withdrawal import withdrawal_of
from datasets.feed_queries import catalog_entries
from datasets.harvest import run_harvest
from datasets.harvest_sources import add_harvest_source
from datasets.sources import get_source, list_sources
from publishers.harvest_store import harvested_datasets
from publishers.registry import add_publisher
from tests.harvest.conftest import LOOPBACK
from tests.sources.remote import Remote, Route

pytestmark = pytest.mark.catalogs
SEARCH = "/api/3/action/package_search"


def _resource(rid: str, name: str, fmt: str, file: str) -> dict:
    return {"id": rid, "name": name, "format": fmt, "url": f"http://127.0.0.1:9/files/{file}"}


EXPENSES = _resource("r1", "Разходи", "CSV", "razhodi.csv")
EXPENSES_XLSX = _resource("r2", "Разходи", "XLSX", "razhodi.xlsx")
INCOME = _resource("r3", "Приходи.csv", "CSV", "prihodi.csv")
REPORT = _resource("r4", "Доклад", "PDF", "doklad.pdf")


def _publish(crafted: Remote, *resources: dict) -> None:
    package = {"id": "pkg-budget", "name": "byudzhet", "title": "Бюджет", "notes": "", "license_id": "cc-by",
               "tags": [], "groups": [], "extras": [{"key": "title_en", "value": "Budget"}],
               "resources": list(resources)}
    crafted.route(SEARCH, Route(json.dumps({"success": True, "result": {"count": 1, "results": [package]}}).encode(),
                                content_type="application/json"))


def _source(portal: Portal, crafted: Remote) -> int:
    add_publisher(portal.engine, "pleven", name_bg="Община Плевен")
    return add_harvest_source(portal.engine, "pleven", crafted.url(""), kind="ckan", actor="test").id


def _rows(portal: Portal) -> list[tuple[str | None, str]]:
    with portal.engine.connect() as conn:
        return [(r.resource_key, r.dataset_id) for r in conn.execute(
            sa.select(harvested_datasets).order_by(harvested_datasets.c.id))]


def test_each_table_is_its_own_dataset_and_other_formats_and_files_are_reported(
        portal: Portal, crafted: Remote) -> None:
    _publish(crafted, EXPENSES_XLSX, EXPENSES, INCOME, REPORT)
    source = _source(portal, crafted)
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (report.outcome, sorted(report.created), report.failed) == (
        "complete", ["byudzhet-prihodi", "byudzhet-razhodi"], [])
    expenses, income = get_dataset(portal.engine, "byudzhet-razhodi"), get_dataset(portal.engine, "byudzhet-prihodi")
    assert ((expenses.title.bg, expenses.title.en), (income.title.bg, income.title.en)) == (
        ("Бюджет — Разходи", "Budget — Разходи"), ("Бюджет — Приходи.csv", "Budget — Приходи.csv"))
    assert sorted((s.slug, s.url) for s in list_sources(portal.engine)) == [
        ("byudzhet-prihodi", INCOME["url"]), ("byudzhet-razhodi", EXPENSES["url"])]  # the CSV, not the XLSX
    notes = [n.en for n in report.notes]
    assert "'Бюджет': the resource 'Разходи' (XLSX) is the same table as 'Разходи' (CSV), which is scheduled instead." \
        in notes, notes
    assert "'Бюджет': the resource 'Доклад' (PDF) is not a table (CSV, XLSX or JSON) and is not scheduled." \
        in notes, notes
    assert all(n.bg and n.bg != n.en for n in report.notes)
    again = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (again.created, again.updated, sorted(again.unchanged)) == ([], [], ["byudzhet-prihodi", "byudzhet-razhodi"])
    assert len(list_datasets(portal.engine)) == 2 and len(_rows(portal)) == 2


def test_a_resource_removed_at_the_source_withdraws_its_dataset_only(portal: Portal, crafted: Remote) -> None:
    _publish(crafted, EXPENSES, INCOME)
    source = _source(portal, crafted)
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    _publish(crafted, EXPENSES)
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    income = get_dataset(portal.engine, "byudzhet-prihodi")
    withdrawal = withdrawal_of(portal.engine, income.id)
    assert (report.withdrawn, report.created) == (["byudzhet-prihodi"], [])
    assert withdrawal is not None and withdrawal.reason == "премахнат при източника / removed at source"
    assert get_source(portal.engine, "byudzhet-prihodi") is None
    assert [s.slug for s in list_sources(portal.engine)] == ["byudzhet-razhodi"]
    assert [e.dataset.slug for e in catalog_entries(portal.engine)] == ["byudzhet-razhodi"]  # its slug stays
    _publish(crafted, EXPENSES, INCOME)
    back = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (back.restored, back.created, withdrawal_of(portal.engine, income.id)) == (["byudzhet-prihodi"], [], None)


@pytest.mark.parametrize("moved", [False, True], ids=["same-url", "url-changed"])
def test_a_dataset_harvested_before_resources_were_told_apart_is_kept_for_its_resource(
        portal: Portal, crafted: Remote, moved: bool) -> None:
    _publish(crafted, EXPENSES)
    source = _source(portal, crafted)
    [slug] = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test").created
    with portal.engine.begin() as conn:  # as migration 0011 leaves a row of an earlier run
        conn.execute(harvested_datasets.update().values(resource_key=None, resource_name=None))
    [(_, dataset_id)] = _rows(portal)
    # The package now offers another table, listed first; and the expenses' file may have moved.
    expenses = {**EXPENSES, "id": "r1-new", "url": EXPENSES["url"] + "?v=2"} if moved else EXPENSES
    _publish(crafted, {**INCOME, "name": "Приходи"}, expenses)
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    # Moved: nothing tells which table it was, and the first one left (as a run before took) has it.
    new = "byudzhet-razhodi" if moved else "byudzhet-prihodi"
    assert (slug, report.created, report.withdrawn) == ("byudzhet", [new], [])
    assert len(list_datasets(portal.engine)) == 2
    rows = _rows(portal)
    assert rows[0][1] == dataset_id and rows[0][0] is not None  # the old row, now with its resource
    assert get_dataset(portal.engine, slug).id == dataset_id
    if not moved:  # attached by its URL to the resource it was scheduled from, not the first listed
        assert (rows[0][0], get_source(portal.engine, slug).url) == ("id:r1", EXPENSES["url"])
        assert get_dataset(portal.engine, slug).title.bg == "Бюджет — Разходи"


def _alembic(portal: Portal, action: str, revision: str) -> None:
    from alembic import command

    from publishers.store import _alembic_config

    config = _alembic_config()
    with portal.engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, action)(config, revision)


def test_migration_0011_goes_down_and_up_and_a_row_from_before_is_kept(portal: Portal, crafted: Remote) -> None:
    _publish(crafted, EXPENSES, INCOME)
    source = _source(portal, crafted)
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    first_id = _rows(portal)[0][1]
    _alembic(portal, "downgrade", "0009")  # the old identity has room for one table per package
    with portal.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(sa.text("SELECT dataset_id FROM harvested_datasets"))] == [(first_id,)]
    _alembic(portal, "upgrade", "head")
    assert _rows(portal) == [(None, first_id)]  # known by its package only, as before 0011
    _publish(crafted, EXPENSES)
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (report.created, _rows(portal)) == ([], [("id:r1", first_id)])
