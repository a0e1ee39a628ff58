"""A run that stops half-way keeps what it finished, withdraws nothing, and the next run goes on."""
from __future__ import annotations

import pytest

from app.state import Portal
from datasets.catalog import get_dataset, list_datasets
from datasets.dataset_withdrawal import withdrawal_of
from datasets.harvest import run_harvest
from datasets.harvest_sources import add_harvest_source
from publishers.registry import add_publisher
from tests.harvest.conftest import LOOPBACK
from tests.sources.remote import Remote, Route

pytestmark = pytest.mark.catalogs
TURTLE = "text/turtle"


def _page(remote: Remote, datasets: dict[str, str], next_path: str | None) -> bytes:
    lines = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", "@prefix dct: <http://purl.org/dc/terms/> .",
             "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .",
             "<https://example.org/catalog> a dcat:Catalog ."]
    for name, title in datasets.items():
        lines.append(f'<https://example.org/datasets/{name}> a dcat:Dataset ; dct:title "{title}"@bg .')
    if next_path:
        lines.append(f"<{remote.url('/page1.ttl')}> a hydra:PagedCollection ; "
                     f"hydra:nextPage <{remote.url(next_path)}> .")
    return "\n".join(lines).encode()


def test_a_run_stopped_by_a_failing_page_keeps_its_work_and_the_next_run_continues(
        portal: Portal, crafted: Remote) -> None:
    add_publisher(portal.engine, "pleven", name_bg="Община Плевен")
    source = add_harvest_source(portal.engine, "pleven", crafted.url("/page1.ttl"), kind="dcat", actor="test").id
    crafted.route("/page1.ttl", Route(_page(crafted, {"a": "Първи", "b": "Втори"}, "/page2.ttl"), content_type=TURTLE))
    crafted.route("/page2.ttl", Route(_page(crafted, {"c": "Трети"}, None), content_type=TURTLE))
    first = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (first.outcome, sorted(first.created)) == ("complete", ["parvi", "treti", "vtori"])

    crafted.route("/page1.ttl", Route(_page(crafted, {"a": "Първи (нов)", "b": "Втори"}, "/page2.ttl"),
                                      content_type=TURTLE))
    crafted.route("/page2.ttl", Route(b"down for maintenance", status=500, content_type="text/plain"))
    stopped = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (stopped.outcome, stopped.error_id, stopped.updated, stopped.withdrawn) == (
        "partial", "fetch.http-status", ["parvi"], [])
    assert get_dataset(portal.engine, "parvi").title.bg == "Първи (нов)"  # what it finished stays
    assert withdrawal_of(portal.engine, get_dataset(portal.engine, "treti").id) is None  # c was not read

    crafted.route("/page2.ttl", Route(_page(crafted, {}, None), content_type=TURTLE))  # c is gone now
    after = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (after.outcome, after.created, sorted(after.unchanged), after.withdrawn) == (
        "complete", [], ["parvi", "vtori"], ["treti"])
    assert len(list_datasets(portal.engine)) == 3  # no duplicate, and the withdrawn one kept


def test_a_page_that_points_back_to_itself_stops_the_run_without_withdrawing(
        portal: Portal, crafted: Remote) -> None:
    add_publisher(portal.engine, "pleven", name_bg="Община Плевен")
    source = add_harvest_source(portal.engine, "pleven", crafted.url("/page1.ttl"), kind="dcat", actor="test").id
    crafted.route("/page1.ttl", Route(_page(crafted, {"a": "Първи"}, "/page1.ttl"), content_type=TURTLE))
    report = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (report.outcome, report.error_id, report.created) == ("partial", "harvest.page-loop", ["parvi"])


def test_a_dataset_staff_withdrew_is_not_brought_back_by_a_harvest(portal: Portal, crafted: Remote) -> None:
    from datasets.dataset_withdrawal import withdraw_dataset

    add_publisher(portal.engine, "pleven", name_bg="Община Плевен")
    source = add_harvest_source(portal.engine, "pleven", crafted.url("/page1.ttl"), kind="dcat", actor="test").id
    crafted.route("/page1.ttl", Route(_page(crafted, {"a": "Първи"}, None), content_type=TURTLE))
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    withdraw_dataset(portal.engine, "parvi", reason="лични данни", actor="staff")
    again = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    withdrawal = withdrawal_of(portal.engine, get_dataset(portal.engine, "parvi").id)
    assert (again.restored, withdrawal is not None and withdrawal.reason) == ([], "лични данни")
