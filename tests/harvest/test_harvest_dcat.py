"""Harvesting DCAT-AP: a second, real Otkrito in each of its formats, and a real portal's catalog file."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.state import Portal
from datasets.catalog import get_dataset, list_datasets
from datasets.harvest import run_harvest
from datasets.harvest_sources import add_harvest_source
from publishers.registry import add_publisher
from tests.harvest.conftest import LOOPBACK, OtherPortal
from tests.sources.remote import Remote, Route

pytestmark = pytest.mark.catalogs
OREME = Path(__file__).resolve().parent.parent / "data" / "harvest" / "sig.oreme.rdf"


def _source(portal: Portal, url: str) -> int:
    add_publisher(portal.engine, "pleven", name_bg="Община Плевен")
    return add_harvest_source(portal.engine, "pleven", url, kind="dcat", actor="test").id


@pytest.mark.parametrize("document", ["catalog.ttl", "catalog.jsonld", "catalog.rdf", "catalog"])
def test_each_format_of_the_catalog_gives_the_same_datasets(portal: Portal, other_portal: OtherPortal,
                                                            document: str) -> None:
    report = run_harvest(portal.engine, _source(portal, f"{other_portal.url}/{document}"),
                         allow=LOOPBACK, actor="test")
    budget = get_dataset(portal.engine, "byudzhet-2026")
    assert (report.outcome, len(report.created), report.failed) == ("complete", 3, [])
    assert (budget.title.bg, budget.title.en, budget.licence, budget.frequency, sorted(budget.themes),
            budget.temporal_start, budget.contact_email) == (
        "Бюджет 2026", "Budget 2026", "CC0-1.0", "QUARTERLY", ["ECON", "GOVE"], "2026-01-01",
        "budget@levski.bg")
    assert report.scheduled["naseleni-mesta"].startswith(f"{other_portal.url}/datasets/naseleni-mesta/releases/1/")


def test_a_rerun_of_a_dcat_catalog_duplicates_nothing(portal: Portal, other_portal: OtherPortal) -> None:
    source = _source(portal, f"{other_portal.url}/catalog.ttl")
    run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    again = run_harvest(portal.engine, source, allow=LOOPBACK, actor="test")
    assert (again.created, len(again.unchanged), len(list_datasets(portal.engine))) == ([], 3, 3)


def test_a_real_portals_catalog_is_harvested_and_what_cannot_be_mapped_is_reported(
        portal: Portal, crafted: Remote) -> None:
    url = crafted.route("/geonetwork/srv/eng/rdf.search", Route(OREME.read_bytes(),
                                                                content_type="application/rdf+xml"))
    report = run_harvest(portal.engine, _source(portal, url), allow=LOOPBACK, actor="test")
    [slug] = report.created
    dataset = get_dataset(portal.engine, slug)
    assert dataset.title.bg.startswith("National network of repeated absolute gravimetry (GRAVI)")
    assert (dataset.frequency, dataset.licence, dataset.themes) == ("IRREG", "CC-BY-4.0", ())
    assert sorted(dataset.keywords) == ["GRAVI", "SNO RESIF-Gravimétrie", "solid earth dynamics"]
    notes = "\n".join(n.en for n in report.notes)
    assert "licence 'Licence ouverte / Open Licence' has no match" in notes
    assert "theme 'geodesy' has no match" in notes
    assert "no table (CSV, XLSX or JSON)" in notes
    assert all(n.bg and n.bg != n.en for n in report.notes)


def test_a_paged_catalog_is_read_to_its_last_page(portal: Portal, other_portal: OtherPortal) -> None:
    from datasets.catalog import create_dataset

    for n in range(98):  # 101 with the three of the fixture: two pages of 100
        create_dataset(other_portal.engine, f"nabor-{n:03d}", publisher="obshtina-levski", title_bg=f"Набор {n:03d}")
    report = run_harvest(portal.engine, _source(portal, f"{other_portal.url}/catalog.ttl"), allow=LOOPBACK,
                         actor="test")
    assert (report.outcome, len(report.created), len(list_datasets(portal.engine))) == ("complete", 101, 101)
