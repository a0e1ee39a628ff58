"""The catalog store: publishers, datasets, vocabularies, migrations."""
from __future__ import annotations

import pytest

from app.state import Portal, open_portal
from datasets import catalog
from datasets.edit import update_dataset
from metadata.errors import Conflict, InvalidInput, NotFound
from metadata.profiles import load_profile
from publishers.registry import add_publisher, get_publisher, list_publishers
from publishers.store import migrate

pytestmark = pytest.mark.catalogs


def test_migrations_can_run_again_on_an_up_to_date_catalog(fresh_portal: Portal) -> None:
    migrate(fresh_portal.engine)
    again = open_portal({"INSTANCE": str(fresh_portal.instance.root),
                         "DATABASE_URL": fresh_portal.settings["DATABASE_URL"]})
    assert [p.slug for p in list_publishers(again.engine)] == ["levski"]


def test_a_dataset_with_a_profile_gets_its_schema_and_defaults(fresh_portal: Portal) -> None:
    created = catalog.create_dataset(fresh_portal.engine, "budget", publisher="levski",
                                     title_bg="Бюджет", profile="budget", themes=["ECON"])
    assert created.table_schema == load_profile("budget")
    assert (created.licence, created.frequency, created.themes, created.title.en) == (
        "CC-BY-4.0", "UNKNOWN", ("ECON",), "Бюджет")


@pytest.mark.parametrize("kwargs, message_id", [
    ({"profile": "minutes"}, "catalog.unknown-profile"),
    ({"frequency": "SOMETIMES"}, "catalog.unknown-frequency"),
    ({"licence": "WTFPL"}, "catalog.unknown-licence"),
    ({"themes": ["FOOD"]}, "catalog.unknown-theme"),
])
def test_unknown_vocabulary_is_refused_with_a_specific_message(fresh_portal: Portal, kwargs: dict, message_id: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        catalog.create_dataset(fresh_portal.engine, "x", publisher="levski", title_bg="X", **kwargs)
    assert raised.value.message_id == message_id
    assert raised.value.text.bg != raised.value.text.en


@pytest.mark.parametrize("slug", ["Byudzhet", "бюджет", "bаlgaria", "a/../b", "", "x" * 81])
def test_non_canonical_slugs_are_refused(fresh_portal: Portal, slug: str) -> None:
    with pytest.raises(InvalidInput):
        catalog.create_dataset(fresh_portal.engine, slug, publisher="levski", title_bg="X")
    with pytest.raises(InvalidInput):
        add_publisher(fresh_portal.engine, slug, name_bg="X")


def test_a_taken_slug_is_a_conflict(fresh_portal: Portal) -> None:
    catalog.create_dataset(fresh_portal.engine, "budget", publisher="levski", title_bg="Бюджет")
    with pytest.raises(Conflict):
        catalog.create_dataset(fresh_portal.engine, "budget", publisher="levski", title_bg="Друг")


def test_missing_things_raise_not_found_and_find_returns_none(fresh_portal: Portal) -> None:
    assert catalog.find_dataset(fresh_portal.engine, "nyama") is None
    with pytest.raises(NotFound):
        catalog.get_dataset(fresh_portal.engine, "nyama")
    with pytest.raises(NotFound):
        get_publisher(fresh_portal.engine, "nyama")
    with pytest.raises(NotFound):
        catalog.create_dataset(fresh_portal.engine, "x", publisher="nyama", title_bg="X")


def test_generation_changes_whenever_what_is_published_changes(fresh_portal: Portal) -> None:
    """Feeds, DCAT and the SQL API key their copies on it: a new dataset (it is in the DCAT
    catalog) and a metadata edit move it, as a publish does; a publisher alone does not."""
    engine = fresh_portal.engine
    seen = [catalog.generation(engine)]
    catalog.create_dataset(engine, "budget", publisher="levski", title_bg="Бюджет")
    seen.append(catalog.generation(engine))
    update_dataset(engine, "budget", actor="test", title_bg="Бюджет 2026")
    seen.append(catalog.generation(engine))
    add_publisher(engine, "pleven", name_bg="Община Плевен")
    seen.append(catalog.generation(engine))
    with engine.begin() as conn:
        catalog.bump_generation(conn)
    seen.append(catalog.generation(engine))
    assert seen == [seen[0], seen[0] + 1, seen[0] + 2, seen[0] + 2, seen[0] + 3]
