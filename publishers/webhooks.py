"""Webhooks: registrations (a publisher's, or one dataset's, events to an HTTPS URL) and the
log of their deliveries, which is also their queue.

A delivery is written once per webhook and event, in the transaction that dispatches the event,
with its JSON body and its `msg_id` (the `webhook-id` header). Senders lease one at a time, as
the mail outbox does; a retry and a "send again" send the same body under the same id.
"""
from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import metadata.messages_follow  # noqa: F401 (registers the message ids)
from metadata.errors import InvalidInput, NotFound
from publishers import audit
from publishers.follow_store import webhook_deliveries, webhooks

EVENTS = ("release.published", "release.withdrawn", "dataset.overdue")
OF_KIND = {"release": "release.published", "withdrawal": "release.withdrawn", "overdue": "dataset.overdue"}
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


@dataclass(frozen=True)
class Webhook:
    id: int
    publisher_id: int
    dataset_id: int | None
    url: str
    events: tuple[str, ...]
    active: bool
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    id: int
    webhook_id: int
    msg_id: str
    event_type: str
    body: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Leased:
    """A delivery a sender holds."""

    id: int
    msg_id: str
    body: str
    url: str
    secret: str
    attempts: int
    owner: str


def _webhook(row: sa.Row) -> Webhook:
    return Webhook(row.id, row.publisher_id, row.dataset_id, row.url, tuple(row.events.split(",")),
                   bool(row.active), row.created_by, _utc(row.created_at))  # type: ignore[arg-type]


def _delivery(row: sa.Row) -> Delivery:
    return Delivery(row.id, row.webhook_id, row.msg_id, row.event_type, row.body, row.state, row.attempts,
                    _utc(row.next_attempt_at), row.last_status, row.last_error,  # type: ignore[arg-type]
                    _utc(row.created_at), _utc(row.delivered_at))  # type: ignore[arg-type]


def check_events(events: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Return the event types in a stable order; refuse none or an unknown one."""
    chosen = tuple(e for e in EVENTS if e in set(events))
    if not chosen or len(set(events)) != len(chosen):
        raise InvalidInput("webhook.bad-events", events=", ".join(EVENTS))
    return chosen


def register(conn: Connection, *, publisher_id: int, dataset_id: int | None, url: str,
             events: tuple[str, ...], actor: str, now: datetime) -> tuple[Webhook, str]:
    """Add a webhook (its URL already checked); return it and its signing secret."""
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    new_id = conn.execute(webhooks.insert().values(
        publisher_id=publisher_id, dataset_id=dataset_id, url=url, events=",".join(check_events(events)),
        secret=secret, active=True, created_by=actor, created_at=now).returning(webhooks.c.id)).scalar_one()
    audit.record(conn, actor=actor, action="webhook.add", target=str(new_id), detail={"url": url})
    return get(conn, new_id), secret


def get(conn: Connection, webhook_id: int) -> Webhook:
    row = conn.execute(sa.select(webhooks).where(webhooks.c.id == webhook_id)).first()
    if row is None:
        raise NotFound("webhook.not-found")
    return _webhook(row)


def of_publisher(conn: Connection, publisher_id: int) -> list[Webhook]:
    """Return a publisher's active webhooks, newest first."""
    rows = conn.execute(sa.select(webhooks).where(webhooks.c.publisher_id == publisher_id,
                                                  webhooks.c.active.is_(True)).order_by(webhooks.c.id.desc()))
    return [_webhook(r) for r in rows]


def remove(conn: Connection, webhook_id: int, *, actor: str) -> None:
    """Stop a webhook (its log stays for staff to read) and give up its waiting deliveries."""
    conn.execute(webhooks.update().where(webhooks.c.id == webhook_id).values(active=False))
    conn.execute(webhook_deliveries.update().where(webhook_deliveries.c.webhook_id == webhook_id,
                                                   webhook_deliveries.c.state == "pending")
                 .values(state="failed", last_error="webhook removed"))
    audit.record(conn, actor=actor, action="webhook.remove", target=str(webhook_id), detail={})


def any_active(engine: Engine) -> bool:
    """Tell whether any webhook is registered (one cheap read)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(webhooks.c.id).where(webhooks.c.active.is_(True)).limit(1)).first() is not None


def matching(conn: Connection, *, publisher_id: int, dataset_id: int, event_type: str,
             since: datetime) -> list[Webhook]:
    """Return the active webhooks told about this event of this dataset (registered by `since`,
    the event's time: a new webhook hears of what happens after it, not of older news)."""
    rows = conn.execute(sa.select(webhooks).where(
        webhooks.c.active.is_(True), webhooks.c.publisher_id == publisher_id, webhooks.c.created_at <= since,
        sa.or_(webhooks.c.dataset_id.is_(None), webhooks.c.dataset_id == dataset_id)))
    return [h for h in map(_webhook, rows) if event_type in h.events]


def enqueue(conn: Connection, *, webhook_id: int, event_type: str, body: str, now: datetime) -> str:
    """Add a delivery in the caller's transaction; return its msg_id."""
    msg_id = f"msg_{uuid.uuid4().hex}"
    conn.execute(webhook_deliveries.insert().values(
        webhook_id=webhook_id, msg_id=msg_id, event_type=event_type, body=body, state="pending",
        attempts=0, next_attempt_at=now, created_at=now))
    return msg_id


def _due(now: datetime) -> sa.ColumnElement[bool]:
    d = webhook_deliveries.c
    return sa.or_(sa.and_(d.state == "pending", d.next_attempt_at <= now),
                  sa.and_(d.state == "sending", d.lease_until < now))


def lease(engine: Engine, *, seconds: float, now: datetime) -> Leased | None:
    """Take the oldest due delivery for `seconds` (one conditional UPDATE); None when none is due."""
    owner = uuid.uuid4().hex
    for _ in range(20):
        with engine.begin() as conn:
            row = conn.execute(sa.select(webhook_deliveries.c.id).where(_due(now))
                               .order_by(webhook_deliveries.c.id).limit(1)).first()
            if row is None:
                return None
            taken = conn.execute(webhook_deliveries.update().where(
                webhook_deliveries.c.id == row.id, _due(now)).values(
                state="sending", lease_owner=owner, lease_until=now + timedelta(seconds=seconds),
                attempts=webhook_deliveries.c.attempts + 1)).rowcount
            if taken != 1:
                continue
            found = conn.execute(sa.select(webhook_deliveries, webhooks.c.url, webhooks.c.secret)
                                 .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
                                 .where(webhook_deliveries.c.id == row.id)).one()
            return Leased(found.id, found.msg_id, found.body, found.url, found.secret, found.attempts, owner)
    return None


def _mine(held: Leased) -> tuple[sa.ColumnElement[bool], ...]:
    d = webhook_deliveries.c
    return d.id == held.id, d.state == "sending", d.lease_owner == held.owner


def delivered(conn: Connection, held: Leased, status: int, *, now: datetime) -> None:
    conn.execute(webhook_deliveries.update().where(*_mine(held)).values(
        state="delivered", delivered_at=now, last_status=status, last_error="", lease_owner=None,
        lease_until=None))


def retry_later(conn: Connection, held: Leased, status: int | None, error: str, *, now: datetime) -> str:
    """Back off after a failure (doubling from FIRST_RETRY), or fail after MAX_ATTEMPTS."""
    failed = held.attempts >= MAX_ATTEMPTS
    wait = min(FIRST_RETRY * (2 ** (held.attempts - 1)), LONGEST_RETRY)
    conn.execute(webhook_deliveries.update().where(*_mine(held)).values(
        state="failed" if failed else "pending", next_attempt_at=now + wait, last_status=status,
        last_error=error[:500], lease_owner=None, lease_until=None))
    return "failed" if failed else "pending"


def log(conn: Connection, webhook_id: int, *, limit: int = 100) -> list[Delivery]:
    """Return a webhook's deliveries, newest first."""
    rows = conn.execute(sa.select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
                        .order_by(webhook_deliveries.c.id.desc()).limit(limit))
    return [_delivery(r) for r in rows]


def resend(conn: Connection, webhook_id: int, delivery_id: int, *, actor: str, now: datetime) -> None:
    """Send a delivery again now ("send again"), with its body and msg_id; not one being sent."""
    changed = conn.execute(webhook_deliveries.update().where(
        webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.webhook_id == webhook_id,
        webhook_deliveries.c.state != "sending").values(
        state="pending", next_attempt_at=now, attempts=0)).rowcount
    if changed != 1:
        raise NotFound("webhook.not-found")
    audit.record(conn, actor=actor, action="webhook.resend", target=f"{webhook_id}/{delivery_id}", detail={})


def forget_old(conn: Connection, *, now: datetime, keep: timedelta) -> None:
    """Delete log entries of deliveries that ended (delivered or failed) longer than `keep` ago."""
    conn.execute(webhook_deliveries.delete().where(webhook_deliveries.c.state.in_(("delivered", "failed")),
                                                   webhook_deliveries.c.created_at < now - keep))
