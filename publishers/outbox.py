"""The mail outbox: finished messages waiting in the catalog until an SMTP server takes them.

A message is written once, whole, with its Message-ID, in the transaction that decides it must
be sent; senders only move it along: pending → sending (a lease) → sent, or back to pending
with a later attempt (backoff), or failed. A sender killed while it holds a lease leaves the
message `sending`; once the lease runs out any sender takes it again and sends the same bytes.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from publishers.follow_store import follow_addresses, mail_outbox

MAX_ATTEMPTS = 12              # about two days of retries with the backoff below
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class Leased:
    """A message a sender holds: send `raw` to `to`, then say how it went with the owner."""

    id: int
    address_id: int | None  # None: a staff reminder (no subscriber, no bounce counting)
    message_id: str
    raw: str
    to: str
    attempts: int
    owner: str


def enqueue(conn: Connection, *, address_id: int | None, message_id: str, kind: str, raw: str,
            now: datetime, recipient: str | None = None) -> None:
    """Add a finished message, in the caller's transaction (a subscriber's, or a recipient's)."""
    conn.execute(mail_outbox.insert().values(address_id=address_id, recipient=recipient, message_id=message_id,
                                             kind=kind, raw=raw, state="pending", attempts=0,
                                             next_attempt_at=now, created_at=now))


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(sa.and_(mail_outbox.c.state == "pending", mail_outbox.c.next_attempt_at <= now),
                  sa.and_(mail_outbox.c.state == "sending", mail_outbox.c.lease_until < now))


def due_count(engine: Engine, *, now: datetime | None = None) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(mail_outbox)
                                .where(_due(now or datetime.now(timezone.utc)))).scalar_one())


def lease(engine: Engine, *, seconds: float, now: datetime | None = None) -> Leased | None:
    """Take the oldest due message for `seconds`; None when nothing is due.

    One conditional UPDATE per message: of two senders that pick the same row, one gets it.
    """
    now = now or datetime.now(timezone.utc)
    owner = uuid.uuid4().hex
    for _ in range(20):
        with engine.begin() as conn:
            row = conn.execute(sa.select(mail_outbox.c.id).where(_due(now))
                               .order_by(mail_outbox.c.id).limit(1)).first()
            if row is None:
                return None
            taken = conn.execute(mail_outbox.update().where(mail_outbox.c.id == row.id, _due(now)).values(
                state="sending", lease_owner=owner, lease_until=now + timedelta(seconds=seconds),
                attempts=mail_outbox.c.attempts + 1)).rowcount
            if taken != 1:
                continue
            found = conn.execute(
                sa.select(mail_outbox, follow_addresses.c.email)
                .outerjoin(follow_addresses, follow_addresses.c.id == mail_outbox.c.address_id)
                .where(mail_outbox.c.id == row.id)).one()
            return Leased(found.id, found.address_id, found.message_id, found.raw,
                          found.email or found.recipient, found.attempts, owner)
    return None


def _mine(held: Leased) -> tuple[sa.ColumnElement[bool], ...]:
    return (mail_outbox.c.id == held.id, mail_outbox.c.state == "sending",
            mail_outbox.c.lease_owner == held.owner)


def sent(conn: Connection, held: Leased, *, now: datetime) -> bool:
    """Mark a message sent; its body (with the address) is not kept. False: the lease was lost."""
    return conn.execute(mail_outbox.update().where(*_mine(held)).values(
        state="sent", sent_at=now, raw="", lease_owner=None, lease_until=None,
        last_error="")).rowcount == 1


def retry_later(conn: Connection, held: Leased, error: str, *, now: datetime) -> str:
    """Put a message back after a temporary failure, or fail it after MAX_ATTEMPTS; return the state."""
    if held.attempts >= MAX_ATTEMPTS:
        return fail(conn, held, error, now=now)
    wait = min(FIRST_RETRY * (2 ** (held.attempts - 1)), LONGEST_RETRY)
    conn.execute(mail_outbox.update().where(*_mine(held)).values(
        state="pending", next_attempt_at=now + wait, lease_owner=None, lease_until=None,
        last_error=error[:500]))
    return "pending"


def fail(conn: Connection, held: Leased, error: str, *, now: datetime) -> str:
    """Give a message up (a permanent refusal, or too many attempts)."""
    conn.execute(mail_outbox.update().where(*_mine(held)).values(
        state="failed", lease_owner=None, lease_until=None, last_error=error[:500], raw=""))
    return "failed"


def drop_for_disabled(conn: Connection, address_id: int) -> None:
    """Give up the waiting messages of an address just disabled."""
    conn.execute(mail_outbox.update().where(mail_outbox.c.address_id == address_id,
                                            mail_outbox.c.state == "pending")
                 .values(state="failed", raw="", last_error="address disabled"))


def forget_old(conn: Connection, *, now: datetime, keep: timedelta) -> None:
    """Delete records of sent and failed messages older than `keep`."""
    conn.execute(mail_outbox.delete().where(mail_outbox.c.state.in_(("sent", "failed")),
                                            mail_outbox.c.created_at < now - keep))
