"""Citizen feedback: comments and questions on datasets, and requests for data that does not
exist yet. Nothing is public before a moderator approves it; e-mail addresses are never public
and are erased when the item is closed; addresses are only ever kept as salted daily hashes.

A request moves through statuses (new, under review, answered, fulfilled, declined) along
TRANSITIONS; a comment is new until answered.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import metadata.messages_participation  # noqa: F401 (registers the message ids)
from metadata.errors import Conflict, InvalidInput, NotFound, OtkritoError
from publishers import audit
from publishers.participation_store import daily_salts, feedback, feedback_events, feedback_rate
from publishers.store import datasets
from publishers.upsert import add_to_count, insert_once

KINDS = ("comment", "request")
STATUSES = ("new", "under_review", "answered", "fulfilled", "declined")
CLOSED = frozenset({"fulfilled", "declined"})
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"under_review", "answered", "fulfilled", "declined"}),
    "under_review": frozenset({"answered", "fulfilled", "declined"}),
    "answered": frozenset({"under_review", "fulfilled", "declined"}),
    "fulfilled": frozenset(),
    "declined": frozenset({"under_review"}),  # reopened when the reason no longer holds
}
COMMENT_TRANSITIONS: dict[str, frozenset[str]] = {"new": frozenset({"answered"}),
                                                  "answered": frozenset({"answered"})}
LIMITS = {"title": (5, 200), "body": (10, 4000), "answer": (1, 8000), "reason": (5, 2000)}
MAX_EMAIL = 254
PER_HOUR = 5
PER_DAY = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


class RateLimited(OtkritoError):
    """The address sent too many messages recently."""


@dataclass(frozen=True)
class Item:
    """A comment or data request as the public may see it (no e-mail address, ever)."""

    id: int
    kind: str
    publisher_id: int
    dataset_id: int | None
    title: str
    body: str
    moderation: str
    status: str
    answer: str
    reason: str
    fulfilled_dataset_id: int | None
    lang: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Event:
    """One step in an item's public history (who did it stays in the staff audit)."""

    at: datetime
    action: str


PUBLIC_COLUMNS = [c for c in feedback.c if c.name != "contact_email"]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _to_item(row: sa.Row) -> Item:
    values = {c.name: getattr(row, c.name) for c in PUBLIC_COLUMNS}
    values["created_at"], values["updated_at"] = _utc(row.created_at), _utc(row.updated_at)
    return Item(**values)


def clean(text: str) -> str:
    """Return user text without control characters, in NFC, with trimmed ends."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).replace("\r\n", "\n").strip()


def _bounded(name: str, value: str) -> str:
    low, high = LIMITS[name]
    if len(value) > high:
        raise InvalidInput("feedback.too-long", field=name, limit=high)
    if len(value) < low:
        raise InvalidInput("feedback.too-short", field=name, limit=low)
    return value


def _salt(conn: Connection, day: str) -> str:
    found = conn.execute(sa.select(daily_salts.c.salt).where(daily_salts.c.day == day)).scalar()
    if found:
        return found
    conn.execute(daily_salts.delete().where(daily_salts.c.day != day))  # old salts: gone for good
    # Two nodes may make the day's salt at once: the first one written is everybody's.
    insert_once(conn, daily_salts, {"day": day, "salt": secrets.token_hex(32)})
    return str(conn.execute(sa.select(daily_salts.c.salt).where(daily_salts.c.day == day)).scalar_one())


def address_key(conn: Connection, address: str, *, now: datetime) -> str:
    """Return the address hashed with today's salt (the address itself is never stored)."""
    salt = _salt(conn, now.strftime("%Y-%m-%d"))
    return hashlib.sha256(f"{salt}|{address}".encode()).hexdigest()


def _count_and_check(conn: Connection, key: str, *, now: datetime) -> None:
    hour, day = now.strftime("%Y-%m-%dT%H"), now.strftime("%Y-%m-%d")
    conn.execute(feedback_rate.delete().where(feedback_rate.c.window < (now - timedelta(days=2))
                                              .strftime("%Y-%m-%d")))
    for window, limit in ((hour, PER_HOUR), (day, PER_DAY)):
        count = conn.execute(sa.select(feedback_rate.c.count).where(
            feedback_rate.c.key_hash == key, feedback_rate.c.window == window)).scalar() or 0
        if count >= limit:
            wait = 60 - now.minute if window == hour else (24 - now.hour) * 60
            raise RateLimited("feedback.rate-limited", minutes=wait)
    for window in (hour, day):
        add_to_count(conn, feedback_rate, {"key_hash": key, "window": window}, 1)


def throttle(engine: Engine, address: str, *, now: datetime | None = None) -> None:
    """Count one submission from the address; raise RateLimited past the hourly or daily limit."""
    now = now or datetime.now(timezone.utc)
    with engine.begin() as conn:
        _count_and_check(conn, address_key(conn, address, now=now), now=now)


def _event(conn: Connection, item_id: int, action: str, actor: str, now: datetime) -> None:
    conn.execute(feedback_events.insert().values(feedback_id=item_id, at=now, action=action,
                                                 actor=actor))


def submit(engine: Engine, *, kind: str, publisher_id: int, body: str, address: str,
           consent: bool, title: str = "", dataset_id: int | None = None, email: str = "",
           honeypot: str = "", lang: str = "bg", now: datetime | None = None) -> Item | None:
    """File a comment or request for moderation; None when the honeypot caught a robot.

    Size limits and consent are checked first, then the address's rate limit counts it.
    """
    if kind not in KINDS:
        raise InvalidInput("feedback.not-found")
    now = now or datetime.now(timezone.utc)
    body = _bounded("body", clean(body))
    title = _bounded("title", clean(title)) if kind == "request" else clean(title)[:200]
    email = clean(email).lower()
    if email and (len(email) > MAX_EMAIL or not _EMAIL.match(email)):
        raise InvalidInput("feedback.bad-email")
    if not consent:
        raise InvalidInput("feedback.no-consent")
    throttle(engine, address, now=now)
    if honeypot:
        return None  # a robot filled the hidden field: answer as if accepted, keep nothing
    with engine.begin() as conn:
        item_id = conn.execute(feedback.insert().values(
            kind=kind, publisher_id=publisher_id, dataset_id=dataset_id, title=title, body=body,
            contact_email=email or None, moderation="pending", status="new",
            lang=lang if lang in ("bg", "en") else "bg", created_at=now, updated_at=now,
        )).inserted_primary_key[0]
        _event(conn, item_id, "submitted", "citizen", now)
    return get_item(engine, item_id, public=False)


def get_item(engine: Engine, item_id: int, *, public: bool = True) -> Item:
    """Return an item; with public=True only an approved one (else NotFound)."""
    query = sa.select(*PUBLIC_COLUMNS).where(feedback.c.id == item_id)
    if public:
        query = query.where(feedback.c.moderation == "approved")
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound("feedback.not-found")
    return _to_item(row)


def list_items(engine: Engine, *, kind: str | None = None, public: bool = True,
               publisher_id: int | None = None, dataset_id: int | None = None,
               moderation: str | None = None, status: str | None = None,
               limit: int = 50, offset: int = 0) -> list[Item]:
    """Return items, newest first (only approved ones when public)."""
    query = sa.select(*PUBLIC_COLUMNS).order_by(feedback.c.created_at.desc(), feedback.c.id.desc())
    conditions = {feedback.c.kind: kind, feedback.c.publisher_id: publisher_id,
                  feedback.c.dataset_id: dataset_id, feedback.c.status: status,
                  feedback.c.moderation: "approved" if public else moderation}
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    with engine.connect() as conn:
        return [_to_item(r) for r in conn.execute(query.limit(limit).offset(offset)).all()]


def history(engine: Engine, item_id: int) -> list[Event]:
    """Return an item's steps, oldest first."""
    query = (sa.select(feedback_events.c.at, feedback_events.c.action)
             .where(feedback_events.c.feedback_id == item_id).order_by(feedback_events.c.id))
    with engine.connect() as conn:
        return [Event(_utc(r.at), r.action) for r in conn.execute(query).all()]


def contact_of(engine: Engine, item_id: int) -> str | None:
    """Return the e-mail address a citizen left, for staff eyes only."""
    with engine.connect() as conn:
        return conn.execute(sa.select(feedback.c.contact_email)
                            .where(feedback.c.id == item_id)).scalar()


def moderate(engine: Engine, item_id: int, *, approve: bool, actor: str,
             now: datetime | None = None) -> Item:
    """Approve (publish) or reject a pending item; a rejected item is never shown."""
    now = now or datetime.now(timezone.utc)
    item = get_item(engine, item_id, public=False)
    if item.moderation != "pending":
        raise Conflict("feedback.bad-transition", old=item.moderation,
                       new="approved" if approve else "rejected")
    decision = "approved" if approve else "rejected"
    with engine.begin() as conn:
        values = {"moderation": decision, "updated_at": now}
        if not approve:
            values["contact_email"] = None
        conn.execute(feedback.update().where(feedback.c.id == item_id).values(**values))
        _event(conn, item_id, decision, actor, now)
        audit.record(conn, actor=actor, action=f"feedback.{decision}", target=f"feedback/{item_id}")
    return get_item(engine, item_id, public=False)


def _published_dataset(conn: Connection, slug: str) -> int:
    found = conn.execute(sa.select(datasets.c.id).where(datasets.c.slug == slug.strip())).scalar()
    if found is None:
        raise InvalidInput("feedback.needs-dataset")
    return found


def set_status(engine: Engine, item_id: int, status: str, *, actor: str, answer: str = "",
               reason: str = "", dataset_slug: str = "", now: datetime | None = None) -> Item:
    """Move an approved item to a new status, with its answer, reason or fulfilling dataset."""
    now = now or datetime.now(timezone.utc)
    item = get_item(engine, item_id, public=False)
    if item.moderation != "approved":
        raise Conflict("feedback.not-approved")
    allowed = (TRANSITIONS if item.kind == "request" else COMMENT_TRANSITIONS).get(item.status, ())
    if status not in allowed:
        raise Conflict("feedback.bad-transition", old=item.status, new=status)
    values: dict[str, object] = {"status": status, "updated_at": now}
    answer, reason = clean(answer), clean(reason)
    if status == "answered":
        if not answer:
            raise InvalidInput("feedback.needs-answer")
        values["answer"] = _bounded("answer", answer)
    elif answer:
        values["answer"] = _bounded("answer", answer)
    if status == "declined":
        if not reason:
            raise InvalidInput("feedback.needs-reason")
        values["reason"] = _bounded("reason", reason)
    with engine.begin() as conn:
        if status == "fulfilled":
            values["fulfilled_dataset_id"] = _published_dataset(conn, dataset_slug)
        if status in CLOSED:
            values["contact_email"] = None  # kept no longer than needed to answer
        conn.execute(feedback.update().where(feedback.c.id == item_id).values(**values))
        _event(conn, item_id, status, actor, now)
        audit.record(conn, actor=actor, action=f"feedback.{status}", target=f"feedback/{item_id}")
    return get_item(engine, item_id, public=False)


def pending_count(engine: Engine, publisher_id: int) -> int:
    """Return how many items of a publisher wait for moderation."""
    query = sa.select(sa.func.count()).select_from(feedback).where(
        feedback.c.publisher_id == publisher_id, feedback.c.moderation == "pending")
    with engine.connect() as conn:
        return conn.execute(query).scalar() or 0
