"""Scheduled sources in the domain (datasets/sources.py), on SQLite and PostgreSQL, fetching
from a real server on 127.0.0.1 (allowed the way an operator allows a network)."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets import catalog
from datasets.fetch import FetchError
from datasets.source_schedule import claim, claim_due
from datasets.sources import SourceCheck, check_source, get_source, history, list_sources, remove_source, set_source
from metadata.errors import Conflict, InvalidInput, NotFound
from publishers.registry import add_publisher
from publishers.sources_store import sources
from publishers.store import audit_events
from tests.sources.conftest import LOOPBACK
from tests.sources.remote import Remote, Route

pytestmark = pytest.mark.catalogs
REPO = Path(__file__).resolve().parents[2]
SETTLEMENTS = (REPO / "demo" / "levski-settlements.csv").read_bytes()
MB = 1 << 20
SLUG = "naseleni-mesta"


@pytest.fixture
def world(portal: Portal) -> Portal:
    add_publisher(portal.engine, "obshtina-levski", name_bg="Община Левски", name_en="Levski")
    catalog.create_dataset(portal.engine, SLUG, publisher="obshtina-levski", title_bg="Населени места",
                           frequency="MONTHLY")
    catalog.create_dataset(portal.engine, "byudzhet", publisher="obshtina-levski", title_bg="Бюджет",
                           profile="budget", frequency="QUARTERLY")
    return portal


def check(world: Portal, slug: str = SLUG, **kwargs) -> SourceCheck:  # type: ignore[no-untyped-def]
    kwargs.setdefault("allow", LOOPBACK)
    return check_source(world.instance, world.engine, slug, max_bytes=kwargs.pop("max_bytes", 10 * MB),
                        actor="test", **kwargs)


def versions(world: Portal, slug: str = SLUG) -> list[int]:
    dataset = catalog.get_dataset(world.engine, slug)
    return sorted(r.version for r in catalog.list_releases(world.engine, dataset.id))


def test_a_source_is_set_read_listed_and_audited(world: Portal) -> None:
    made = set_source(world.engine, SLUG, " https://data.levski.bg/settlements.csv ", every="daily",
                      actor="editor@levski.bg")
    assert (made.slug, made.url, made.every, made.failures, made.last_checked_at) == (
        SLUG, "https://data.levski.bg/settlements.csv", "daily", 0, None)
    assert get_source(world.engine, SLUG) == made and list_sources(world.engine) == [made]
    assert get_source(world.engine, "byudzhet") is None
    with world.engine.connect() as conn:
        event = conn.execute(sa.select(audit_events).where(audit_events.c.action == "source.set")).one()
    assert (event.actor, event.target, event.detail) == (
        "editor@levski.bg", SLUG, {"url": made.url, "every": "daily"})


def test_setting_a_source_again_changes_it_and_keeps_one(world: Portal) -> None:
    set_source(world.engine, SLUG, "https://data.levski.bg/a.csv", actor="t")
    changed = set_source(world.engine, SLUG, "https://data.levski.bg/b.csv", every=None, actor="t")
    assert (changed.url, changed.every) == ("https://data.levski.bg/b.csv", None)
    assert len(list_sources(world.engine)) == 1


@pytest.mark.parametrize(("url", "key"), [("ftp://data.levski.bg/a.csv", "fetch.scheme"),
                                          ("file:///etc/passwd", "fetch.scheme"),
                                          ("https://me:pw@data.levski.bg/a.csv", "fetch.credentials"),
                                          ("https:///a.csv", "fetch.bad-url")])
def test_a_source_url_that_can_never_be_fetched_is_refused_when_set(world: Portal, url: str, key: str) -> None:
    with pytest.raises(FetchError) as refused:
        set_source(world.engine, SLUG, url, actor="t")
    assert refused.value.message_id == key
    assert get_source(world.engine, SLUG) is None


def test_an_unknown_schedule_is_refused_with_the_choices(world: Portal) -> None:
    with pytest.raises(InvalidInput) as refused:
        set_source(world.engine, SLUG, "https://data.levski.bg/a.csv", every="yearly", actor="t")
    assert "hourly, daily, weekly, monthly" in refused.value.text.en
    assert "hourly, daily, weekly, monthly" in refused.value.text.bg


def test_a_source_of_an_unknown_dataset_is_not_found(world: Portal) -> None:
    with pytest.raises(NotFound):
        set_source(world.engine, "no-such", "https://data.levski.bg/a.csv", actor="t")


def test_removing_a_source_removes_it_and_its_history_and_keeps_the_releases(world: Portal, remote: Remote) -> None:
    set_source(world.engine, SLUG, remote.route("/s.csv", Route(SETTLEMENTS)), actor="t")
    assert check(world).outcome == "published"
    remove_source(world.engine, SLUG, actor="t")
    assert get_source(world.engine, SLUG) is None and versions(world) == [1]
    with pytest.raises(NotFound) as missing:
        remove_source(world.engine, SLUG, actor="t")
    assert missing.value.message_id == "source.not-found"


def test_the_first_check_publishes_and_a_304_publishes_nothing_but_is_recorded(world: Portal, remote: Remote) -> None:
    set_source(world.engine, SLUG, remote.route("/s.csv", Route(SETTLEMENTS, etag='"e1"')), actor="t")
    first = check(world)
    assert (first.outcome, first.status, first.bytes, first.version) == ("published", 200, len(SETTLEMENTS), 1)
    second = check(world)
    assert (second.outcome, second.status, second.bytes, second.version) == ("unchanged", 304, 0, None)
    assert remote.requests_to("/s.csv")[1].headers["if-none-match"] == '"e1"'
    assert versions(world) == [1]
    assert [c.outcome for c in history(world.engine, SLUG)] == ["unchanged", "published"]
    source = get_source(world.engine, SLUG)
    assert source.last_changed_at is not None and source.last_checked_at >= source.last_changed_at
    assert source.lease_until is None


def test_the_same_content_without_validators_publishes_nothing(world: Portal, remote: Remote) -> None:
    set_source(world.engine, SLUG, remote.route("/s.csv", Route(SETTLEMENTS)), actor="t")
    check(world)
    again = check(world)
    assert (again.outcome, again.status, again.bytes) == ("unchanged", 200, len(SETTLEMENTS))
    assert versions(world) == [1]


def test_changed_content_is_the_next_release(world: Portal, remote: Remote) -> None:
    url = remote.route("/s.csv", Route(SETTLEMENTS, etag='"e1"'))
    set_source(world.engine, SLUG, url, actor="t")
    check(world)
    remote.route("/s.csv", Route(SETTLEMENTS + "99999,PVN16,Ново,Novo,1,2\n".encode(), etag='"e2"'))
    assert (check(world).outcome, versions(world)) == ("published", [1, 2])
    release = catalog.latest_release(world.engine, catalog.get_dataset(world.engine, SLUG).id)
    assert release.row_count == SETTLEMENTS.count(b"\n")  # the header and one more row


def test_an_invalid_file_is_recorded_with_its_report_and_publishes_nothing(world: Portal, remote: Remote) -> None:
    set_source(world.engine, "byudzhet", remote.route("/b.csv", Route(SETTLEMENTS)), actor="t")
    got = check(world, "byudzhet")
    assert (got.outcome, got.status, got.version) == ("invalid", 200, None)
    assert got.error["key"] in ("publish.invalid", "schema.missing-column")
    assert versions(world, "byudzhet") == []
    assert list((world.instance.root / "releases").glob("byudzhet/*")) == []
    assert list(world.instance.tmp.iterdir()) == []
    recorded = history(world.engine, "byudzhet")[0]
    assert recorded.outcome == "invalid" and (recorded.report is not None or recorded.error is not None)


@pytest.mark.parametrize("status", [403, 500])
def test_an_error_answer_fails_the_check_with_its_status_and_backs_off(world: Portal, remote: Remote,
                                                                        status: int) -> None:
    set_source(world.engine, SLUG, remote.route("/s.csv", Route(b"no", status=status)), actor="t")
    got = check(world)
    assert (got.outcome, got.status, got.error["key"]) == ("failed", status, "fetch.http-status")
    source = get_source(world.engine, SLUG)
    assert (source.failures, source.last_outcome) == (1, "failed")
    assert source.next_due - source.last_checked_at == timedelta(minutes=5)
    check(world)
    source = get_source(world.engine, SLUG)
    assert (source.failures, source.next_due - source.last_checked_at) == (2, timedelta(minutes=10))
    assert versions(world) == []


def test_a_good_check_after_failures_returns_to_the_schedule(world: Portal, remote: Remote) -> None:
    url = remote.route("/s.csv", Route(b"no", status=500))
    set_source(world.engine, SLUG, url, every="hourly", actor="t")
    check(world)
    remote.route("/s.csv", Route(SETTLEMENTS))
    check(world)
    source = get_source(world.engine, SLUG)
    assert (source.failures, source.next_due - source.last_checked_at) == (0, timedelta(hours=1))


def test_a_private_address_fails_the_check_without_connecting(world: Portal, remote: Remote, connects: list) -> None:
    set_source(world.engine, SLUG, remote.route("/s.csv", Route(SETTLEMENTS)), actor="t")
    got = check(world, allow=())
    assert (got.outcome, got.status, got.error["key"]) == ("failed", None, "fetch.refused-address")
    assert remote.seen == [] and not [c for c in connects if c[1:] == (remote.port,) or c == ("127.0.0.1", remote.port)]


def test_a_file_over_the_cap_fails_the_check(world: Portal, remote: Remote) -> None:
    set_source(world.engine, SLUG, remote.route("/s.csv", Route(SETTLEMENTS)), actor="t")
    got = check(world, max_bytes=100)
    assert (got.outcome, got.error["key"]) == ("failed", "fetch.too-large")


def test_a_json_array_of_records_is_published_like_a_csv(world: Portal, remote: Remote) -> None:
    records = [{"ekatte": "00761", "name": "Асеновци", "population": 1317, "area": 44.238, "note": None},
               {"ekatte": "07274", "name": "Българене", "population": 843, "area": 35.057, "note": "x"}]
    set_source(world.engine, SLUG, remote.route("/api/settlements", Route(
        json.dumps(records, ensure_ascii=False).encode(), content_type="application/json")), actor="t")
    got = check(world)
    assert (got.outcome, got.version) == ("published", 1)
    release = world.instance.release_dir(SLUG, 1)
    assert (release / "source" / "original.json").read_bytes() == json.dumps(records, ensure_ascii=False).encode()
    assert (release / f"{SLUG}.csv").read_text().splitlines()[0] == "ekatte,name,population,area,note"


def test_a_json_that_is_not_records_is_invalid_with_a_bilingual_reason(world: Portal, remote: Remote) -> None:
    set_source(world.engine, SLUG, remote.route("/api", Route(b'[{"a": 1}, 5]', content_type="application/json")),
               actor="t")
    got = check(world)
    assert (got.outcome, got.error["key"]) == ("invalid", "read.json-not-records")
    assert "Запис 2" in got.error["bg"] and "Record 2" in got.error["en"]


def test_an_xlsx_source_is_published(world: Portal, remote: Remote, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in SETTLEMENTS.decode().splitlines():
        sheet.append(line.split(","))
    book.save(tmp_path / "s.xlsx")
    set_source(world.engine, SLUG, remote.route("/download", Route(
        (tmp_path / "s.xlsx").read_bytes(), content_type="application/octet-stream")), actor="t")
    got = check(world)
    assert (got.outcome, got.version) == ("published", 1)
    assert (world.instance.release_dir(SLUG, 1) / "source" / "original.xlsx").exists()


def test_a_check_while_another_holds_the_source_is_refused(world: Portal, remote: Remote) -> None:
    made = set_source(world.engine, SLUG, remote.route("/s.csv", Route(SETTLEMENTS)), actor="t")
    claim(world.engine, made.id, "another-scheduler")
    with pytest.raises(Conflict) as busy:
        check(world)
    assert busy.value.message_id == "source.busy" and remote.seen == []


def test_a_check_whose_lease_was_taken_over_publishes_nothing(world: Portal, remote: Remote) -> None:
    made = set_source(world.engine, SLUG, remote.route("/s.csv", Route(SETTLEMENTS)), actor="t")
    with world.engine.begin() as conn:  # the lease "mine" expired and another scheduler took it
        conn.execute(sources.update().where(sources.c.id == made.id).values(lease_owner="theirs"))
    check(world, owner="mine")
    assert versions(world) == []
    assert get_source(world.engine, SLUG).sha256 is None


def test_due_sources_are_claimed_once(world: Portal) -> None:
    set_source(world.engine, SLUG, "https://data.levski.bg/a.csv", actor="t")
    set_source(world.engine, "byudzhet", "https://data.levski.bg/b.csv", actor="t")
    first = claim_due(world.engine, "a")
    assert len(first) == 2 and claim_due(world.engine, "b") == []
