"""`otkrito egov sync` against the fake national portal, on SQLite and PostgreSQL catalogs."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets import catalog
from datasets.edit import update_dataset
from metadata.errors import Conflict, NotFound
from metadata.records import Publisher
from publishers.egov_keys import set_key
from publishers.egov_registry import list_calls, registrations, sync_claim
from publishers.egov_store import egov_calls
from publishers.store import audit_events
from tests.egov.conftest import BASE_URL, KEY, ORG, SECRET, SLUGS, release
from tests.egov.fake_portal import FakePortal

pytestmark = pytest.mark.catalogs
Sync = Callable[..., Any]


def _by_slug(portal: Portal, owner: Publisher) -> dict[str, Any]:
    known = registrations(portal.engine, owner.id)
    return {d.slug: known.get(d.id) for d in catalog.list_datasets(portal.engine, publisher_id=owner.id)}


def test_a_first_sync_adds_each_dataset_and_an_api_resource_on_its_latest_csv(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    report = sync(levski)
    assert report.ok and sorted(report.registered) == sorted(SLUGS)
    assert fake.actions() == ["addDataset", "addResourceMetadata"] * 3
    stored = _by_slug(portal, levski)
    assert {s: r.status for s, r in stored.items()} == dict.fromkeys(SLUGS, "registered")
    assert {r.dataset_uri for r in stored.values()} == set(fake.state.datasets)
    assert {r.resource_uri for r in stored.values()} == set(fake.state.resources)
    budget = fake.state.resources[stored["byudzhet-2026"].resource_uri]
    assert {k: budget[k] for k in ("type", "resource_url", "http_rq_type", "upl_freq_type", "upl_freq")} == {
        "type": 3, "resource_url": f"{BASE_URL}/datasets/byudzhet-2026/latest.csv", "http_rq_type": "GET",
        "upl_freq_type": 4, "upl_freq": 3}  # QUARTERLY: every 3 months
    remote = fake.state.datasets[stored["byudzhet-2026"].dataset_uri]
    assert {k: remote[k] for k in ("name", "category_id", "terms_of_use_id", "org_id", "visibility", "tags")} == {
        "name": {"bg": "Набор byudzhet-2026", "en": "Dataset byudzhet-2026"}, "category_id": 7,
        "terms_of_use_id": 2, "org_id": ORG, "visibility": 1, "tags": ["Левски", "byudzhet-2026"]}


def test_a_second_sync_with_nothing_changed_sends_nothing(levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    sync(levski)
    sent = len(fake.state.requests)
    report = sync(levski)
    assert report.ok and report.calls == 0 and len(fake.state.requests) == sent
    assert len(fake.state.datasets) == 3 and len(fake.state.resources) == 3


def test_changed_metadata_is_sent_with_edits_only_for_that_dataset(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    sync(levski)
    update_dataset(portal.engine, "resheniya-2026", **{"title_bg": "Решения на съвета", "keywords": ["съвет"],
                                                     "licence": "CC0-1.0", "frequency": "WEEKLY"}, actor="test")
    fake.state.requests.clear()
    report = sync(levski)
    assert report.ok and fake.actions() == ["editDataset", "editResourceMetadata"]
    stored = _by_slug(portal, levski)["resheniya-2026"]
    remote = fake.state.datasets[stored.dataset_uri]
    resource = fake.state.resources[stored.resource_uri]
    assert (remote["name"]["bg"], remote["tags"], remote["terms_of_use_id"]) == ("Решения на съвета", ["съвет"], 1)
    assert (resource["name"], resource["upl_freq_type"], resource["upl_freq"]) == ("Решения на съвета", 3, 1)
    assert len(fake.state.datasets) == 3 and len(fake.state.resources) == 3


def test_a_sync_failing_on_the_third_dataset_keeps_the_uris_and_resumes_without_duplicates(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    fake.state.failing_names.add("Набор naselenie-2026")
    first = sync(levski)
    assert not first.ok and set(first.failed) == {"naselenie-2026"}
    assert "Add dataset failure" in first.failed["naselenie-2026"].en
    stored = _by_slug(portal, levski)
    assert [stored[s].status for s in SLUGS] == ["registered", "registered", "failed"]
    assert stored["naselenie-2026"].dataset_uri is None
    assert "Add dataset failure" in stored["naselenie-2026"].error.en
    fake.state.failing_names.clear()
    fake.state.requests.clear()
    second = sync(levski)
    assert second.ok and fake.actions() == ["addDataset", "addResourceMetadata"]
    assert len(fake.state.datasets) == 3 and len(fake.state.resources) == 3


def test_a_dataset_whose_resource_call_failed_resumes_with_the_resource_only(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    calls = iter(range(100))
    real = fake.server.RequestHandlerClass.portal.do_addResourceMetadata

    def fail_first(user: Any, post: dict[str, Any]) -> Any:
        return fake.server.RequestHandlerClass.portal.error("Add resource metadata failure") if next(calls) == 0 \
            else real(user, post)

    fake.server.RequestHandlerClass.portal.do_addResourceMetadata = fail_first
    sync(levski)
    assert _by_slug(portal, levski)["byudzhet-2026"].status == "failed"
    assert _by_slug(portal, levski)["byudzhet-2026"].dataset_uri in fake.state.datasets
    fake.state.requests.clear()
    assert sync(levski).ok and fake.actions() == ["addResourceMetadata"]
    assert len(fake.state.datasets) == 3 and len(fake.state.resources) == 3


def test_a_refused_key_stops_the_sync_with_the_remotes_message(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    set_key(portal.engine, levski, "not-the-right-key", org_id=ORG, secret=SECRET, actor="test")
    report = sync(levski)
    assert report.stopped is not None and fake.actions() == ["addDataset"]
    assert report.failed["byudzhet-2026"].en == (
        "data.egov.bg denied access to addDataset (HTTP 403): 'Access denied'. Check the API key and "
        "the organisation id.")
    assert report.failed["byudzhet-2026"].bg == (
        "data.egov.bg отказа достъп при addDataset (HTTP 403): „Access denied“. Проверете API ключа "
        "и номера на организацията.")


def test_a_validation_error_answered_with_500_shows_the_remotes_field_messages(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    set_key(portal.engine, levski, KEY, org_id=None, secret=SECRET, actor="test")  # a member without org_id
    report = sync(levski)
    assert set(report.failed) == set(SLUGS) and report.stopped is None
    assert report.failed["byudzhet-2026"].en == (
        "data.egov.bg refused addDataset (HTTP 500): 'Add dataset failure; org_id: The org id field is required.'")
    assert fake.state.datasets == {}


def test_an_unreachable_portal_gives_a_clear_message_and_stores_no_uri(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    fake.stop()
    report = sync(levski)
    assert report.stopped is not None and report.failed["byudzhet-2026"].en.startswith(
        f"The national portal at {fake.url} cannot be reached (ConnectError).")
    assert all(r is None or r.dataset_uri is None for r in _by_slug(portal, levski).values())


def test_a_redirect_is_not_followed_so_the_key_goes_nowhere_else(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    with FakePortal() as elsewhere:
        fake.state.redirect_to = f"{elsewhere.url}/api/addDataset"
        report = sync(levski)
        assert elsewhere.state.requests == []
    assert report.stopped is None and "redirect (307)" in report.failed["byudzhet-2026"].en


def test_without_a_key_the_sync_says_how_to_enter_one(portal: Portal, fake: FakePortal, sync: Sync) -> None:
    from publishers.registry import add_publisher

    owner = add_publisher(portal.engine, "obshtina-x", name_bg="Община Х")
    with pytest.raises(NotFound) as refused:
        sync(owner)
    assert refused.value.text.en == ("The publisher obshtina-x has no data.egov.bg API key. Enter it in the "
                                     "workspace (data.egov.bg page) or with `otkrito egov key obshtina-x`.")


def test_a_dataset_without_a_release_waits_and_the_others_go_on(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync, tmp_path: Path) -> None:
    catalog.create_dataset(portal.engine, "prazen", publisher=levski.slug, title_bg="Празен")
    report = sync(levski)
    assert report.ok and set(report.registered) == set(SLUGS)
    assert report.skipped["prazen"].en.startswith("The dataset prazen has no published release")
    assert _by_slug(portal, levski)["prazen"].status == "waiting"
    release(portal, "prazen", tmp_path)
    fake.state.requests.clear()
    assert sync(levski).ok and fake.actions() == ["addDataset", "addResourceMetadata"]


def test_every_call_is_logged_with_action_dataset_status_and_uri_and_never_the_key(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    sync(levski)
    set_key(portal.engine, levski, "refused-key-1234", org_id=ORG, secret=SECRET, actor="test")
    update_dataset(portal.engine, "byudzhet-2026", title_bg="Нов", actor="test")
    sync(levski)
    calls = list_calls(portal.engine, levski.id)
    assert [(c.action, c.dataset, c.http_status, c.success) for c in reversed(calls)] == [
        *[(a, s, 200, True) for s in SLUGS for a in ("addDataset", "addResourceMetadata")],
        ("editDataset", "byudzhet-2026", 403, False)]
    assert all(c.remote_uri for c in calls if c.success) and calls[0].message == "Access denied"
    with portal.engine.connect() as conn:
        everything = repr(conn.execute(sa.select(egov_calls)).all()) + repr(conn.execute(sa.select(audit_events)).all())
    assert KEY not in everything and "refused-key-1234" not in everything


def test_two_syncs_of_one_publisher_never_run_at_once(portal: Portal, levski: Publisher, fake: FakePortal,
                                                    sync: Sync) -> None:
    with sync_claim(portal.engine, levski.id, levski.slug):
        with pytest.raises(Conflict) as busy:
            sync(levski)
    assert busy.value.message_id == "egov.busy" and fake.state.requests == []
    assert sync(levski).ok  # the claim was given back


def test_a_dry_run_sends_nothing_stores_nothing_and_hides_the_key(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    shown: list[Any] = []
    report = sync(levski, dry_run=True, on_call=shown.append)
    assert fake.state.requests == [] and registrations(portal.engine, levski.id) == {}
    assert [e.action for e in shown] == ["addDataset", "addResourceMetadata"] * 3 and report.calls == 6
    lines = "\n".join(e.json_line() for e in shown)
    assert KEY not in lines and all(e.request["api_key"] == "***" for e in shown)
    assert shown[1].request["dataset_uri"] == "<addDataset byudzhet-2026>"


def test_an_add_answered_without_a_uri_is_logged_as_failed_and_tried_again_next_time(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Sync) -> None:
    handler = fake.server.RequestHandlerClass.portal
    real = handler.do_addDataset
    handler.do_addDataset = lambda user, post: (200, {"success": True})
    report = sync(levski)
    assert report.failed["byudzhet-2026"].en == (
        "data.egov.bg answered addDataset with HTTP 200, but not with the JSON answer expected.")
    assert [(c.action, c.http_status, c.success) for c in list_calls(portal.engine, levski.id)][-1] == (
        "addDataset", 200, False)
    handler.do_addDataset = real
    assert sync(levski).ok and len(fake.state.datasets) == 3
