"""Citizen feedback and data requests: moderation, every status transition, spam limits, privacy."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
import sqlalchemy as sa

from app.state import Portal
from metadata.errors import Conflict, InvalidInput, NotFound
from publishers import feedback, store
from publishers.feedback import RateLimited, TRANSITIONS
from publishers.registry import add_publisher

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=timezone.utc)
BODY = "Моля, публикувайте договорите за обществени поръчки."


@pytest.fixture
def publisher_id(portal: Portal) -> int:
    return add_publisher(portal.engine, "levski", name_bg="Община Левски").id


def file_request(portal: Portal, publisher_id: int, *, address: str = "192.0.2.1", now: datetime = NOW,
                 **changes: object) -> feedback.Item | None:
    values: dict[str, object] = {"kind": "request", "publisher_id": publisher_id, "title": "Договори",
                                 "body": BODY, "address": address, "consent": True,
                                 "email": "citizen@example.org", "now": now}
    values.update(changes)
    return feedback.submit(portal.engine, **values)  # type: ignore[arg-type]


def approved(portal: Portal, publisher_id: int, **changes: object) -> feedback.Item:
    item = file_request(portal, publisher_id, **changes)
    assert item is not None
    return feedback.moderate(portal.engine, item.id, approve=True, actor="mod@x.bg")


def test_a_new_request_waits_for_moderation_and_is_not_public(portal: Portal, publisher_id: int) -> None:
    item = file_request(portal, publisher_id)
    assert item is not None and (item.moderation, item.status) == ("pending", "new")
    assert feedback.list_items(portal.engine, kind="request") == []
    with pytest.raises(NotFound):
        feedback.get_item(portal.engine, item.id)


def test_an_approved_request_is_public(portal: Portal, publisher_id: int) -> None:
    item = approved(portal, publisher_id)
    assert [i.id for i in feedback.list_items(portal.engine, kind="request")] == [item.id]
    assert [e.action for e in feedback.history(portal.engine, item.id)] == ["submitted", "approved"]


def test_a_rejected_item_is_never_public_and_its_email_is_erased(portal: Portal, publisher_id: int) -> None:
    item = file_request(portal, publisher_id)
    assert item is not None
    feedback.moderate(portal.engine, item.id, approve=False, actor="mod@x.bg")
    assert feedback.list_items(portal.engine) == []
    assert feedback.contact_of(portal.engine, item.id) is None
    with pytest.raises(Conflict):
        feedback.moderate(portal.engine, item.id, approve=True, actor="mod@x.bg")


def test_an_item_cannot_be_answered_before_it_is_approved(portal: Portal, publisher_id: int) -> None:
    item = file_request(portal, publisher_id)
    assert item is not None
    with pytest.raises(Conflict):
        feedback.set_status(portal.engine, item.id, "answered", actor="mod@x.bg", answer="Да.")


def _move(portal: Portal, item_id: int, status: str) -> feedback.Item:
    return feedback.set_status(portal.engine, item_id, status, actor="mod@x.bg", answer="Ще ги публикуваме.",
                               reason="Данните съдържат лични данни.", dataset_slug="contracts")


def _reach(portal: Portal, item_id: int, status: str) -> None:
    path = {"new": [], "under_review": ["under_review"], "answered": ["answered"],
            "fulfilled": ["fulfilled"], "declined": ["declined"]}[status]
    for step in path:
        _move(portal, item_id, step)


ALL_PAIRS = [(old, new) for old in feedback.STATUSES for new in feedback.STATUSES]


@pytest.mark.parametrize("old,new", ALL_PAIRS)
def test_each_request_status_transition_is_allowed_or_refused_as_the_table_says(
        portal: Portal, publisher_id: int, old: str, new: str) -> None:
    from datasets.catalog import create_dataset

    create_dataset(portal.engine, "contracts", publisher="levski", title_bg="Договори")
    item = approved(portal, publisher_id)
    _reach(portal, item.id, old)
    if new in TRANSITIONS[old]:
        assert _move(portal, item.id, new).status == new
    else:
        with pytest.raises(Conflict):
            _move(portal, item.id, new)


def test_answering_needs_an_answer(portal: Portal, publisher_id: int) -> None:
    item = approved(portal, publisher_id)
    with pytest.raises(InvalidInput):
        feedback.set_status(portal.engine, item.id, "answered", actor="m", answer="  ")


def test_declining_needs_a_reason_which_is_public(portal: Portal, publisher_id: int) -> None:
    item = approved(portal, publisher_id)
    with pytest.raises(InvalidInput):
        feedback.set_status(portal.engine, item.id, "declined", actor="m")
    done = feedback.set_status(portal.engine, item.id, "declined", actor="m", reason="Няма такива данни.")
    assert feedback.get_item(portal.engine, done.id).reason == "Няма такива данни."


def test_fulfilling_needs_an_existing_dataset_and_links_it(portal: Portal, publisher_id: int) -> None:
    from datasets.catalog import create_dataset

    item = approved(portal, publisher_id)
    with pytest.raises(InvalidInput):
        feedback.set_status(portal.engine, item.id, "fulfilled", actor="m", dataset_slug="missing")
    dataset = create_dataset(portal.engine, "contracts", publisher="levski", title_bg="Договори")
    done = feedback.set_status(portal.engine, item.id, "fulfilled", actor="m", dataset_slug="contracts")
    assert done.fulfilled_dataset_id == dataset.id


@pytest.mark.parametrize("status", ["fulfilled", "declined"])
def test_closing_a_request_erases_the_email_address(portal: Portal, publisher_id: int, status: str) -> None:
    from datasets.catalog import create_dataset

    create_dataset(portal.engine, "contracts", publisher="levski", title_bg="Договори")
    item = approved(portal, publisher_id)
    assert feedback.contact_of(portal.engine, item.id) == "citizen@example.org"
    _move(portal, item.id, status)
    assert feedback.contact_of(portal.engine, item.id) is None


def test_a_comment_can_be_answered_and_the_answer_revised(portal: Portal, publisher_id: int) -> None:
    item = feedback.submit(portal.engine, kind="comment", publisher_id=publisher_id, body=BODY,
                           address="a", consent=True)
    assert item is not None
    feedback.moderate(portal.engine, item.id, approve=True, actor="m")
    feedback.set_status(portal.engine, item.id, "answered", actor="m", answer="Благодарим.")
    assert feedback.set_status(portal.engine, item.id, "answered", actor="m", answer="Поправено.").answer == "Поправено."
    with pytest.raises(Conflict):
        feedback.set_status(portal.engine, item.id, "declined", actor="m", reason="не")


def test_the_honeypot_accepts_silently_and_keeps_nothing(portal: Portal, publisher_id: int) -> None:
    assert file_request(portal, publisher_id, honeypot="http://spam.example") is None
    with portal.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM feedback")).scalar() == 0


def test_an_address_is_limited_per_hour_and_other_addresses_are_not(portal: Portal, publisher_id: int) -> None:
    for _ in range(feedback.PER_HOUR):
        file_request(portal, publisher_id)
    with pytest.raises(RateLimited):
        file_request(portal, publisher_id)
    assert file_request(portal, publisher_id, address="198.51.100.7") is not None
    assert file_request(portal, publisher_id, now=NOW + timedelta(hours=1)) is not None


def test_an_address_is_limited_per_day(portal: Portal, publisher_id: int) -> None:
    for hour in range(feedback.PER_DAY // feedback.PER_HOUR):
        for _ in range(feedback.PER_HOUR):
            file_request(portal, publisher_id, now=NOW.replace(hour=hour))
    with pytest.raises(RateLimited):
        file_request(portal, publisher_id, now=NOW.replace(hour=23))


def test_addresses_are_never_stored_only_hashes_salted_per_day(portal: Portal, publisher_id: int) -> None:
    file_request(portal, publisher_id, address="203.0.113.99")
    file_request(portal, publisher_id, address="203.0.113.99", now=NOW + timedelta(days=1))
    with portal.engine.connect() as conn:  # every row of every table, on either backend
        dump = "\n".join(repr(tuple(row)) for table in store.catalog.sorted_tables
                         for row in conn.execute(sa.select(table)))
    assert "203.0.113.99" not in dump
    with portal.engine.connect() as conn:
        keys = {r[0] for r in conn.execute(sa.text("SELECT key_hash FROM feedback_rate"))}
        salts = conn.execute(sa.text("SELECT COUNT(*) FROM daily_salts")).scalar()
    assert len(keys) == 2 and salts == 1  # another day, another hash; yesterday's salt is gone


@pytest.mark.parametrize("field,value", [("body", "x" * 4001), ("body", "кратко"), ("title", "x" * 201),
                                         ("title", "")])
def test_size_limits_are_enforced(portal: Portal, publisher_id: int, field: str, value: str) -> None:
    with pytest.raises(InvalidInput):
        file_request(portal, publisher_id, **{field: value})


def test_consent_is_required(portal: Portal, publisher_id: int) -> None:
    with pytest.raises(InvalidInput) as raised:
        file_request(portal, publisher_id, consent=False)
    assert raised.value.message_id == "feedback.no-consent"


def test_a_bad_email_address_is_refused(portal: Portal, publisher_id: int) -> None:
    with pytest.raises(InvalidInput):
        file_request(portal, publisher_id, email="not an address")


def test_control_characters_are_removed_from_what_citizens_write(portal: Portal, publisher_id: int) -> None:
    item = file_request(portal, publisher_id, body="Ред\x00 едно\x1b\r\nред две, достатъчно дълго")
    assert item is not None and item.body == "Ред едно\nред две, достатъчно дълго"


def test_public_items_carry_no_email_address(portal: Portal, publisher_id: int) -> None:
    item = approved(portal, publisher_id)
    assert "citizen@example.org" not in repr(feedback.get_item(portal.engine, item.id))
    assert not hasattr(item, "contact_email")


def test_a_pending_count_per_publisher_feeds_the_workspace(portal: Portal, publisher_id: int,
                                                          ) -> None:
    file_request(portal, publisher_id)
    approved(portal, publisher_id, address="x")
    assert feedback.pending_count(portal.engine, publisher_id) == 1
