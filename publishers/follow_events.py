"""What subscribers hear about: releases, withdrawals and datasets gone overdue.

An event is one row, written in the transaction of the change itself (so it commits with the
release or withdrawal, or not at all) or, for an overdue dataset, once per missed due date: its
`key` makes writing the same event twice a no-op. A dispatcher later turns each event into
messages in the outbox and marks it dispatched, in one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from publishers.follow_store import follow_events, follow_pending
from publishers.upsert import insert_once


@dataclass(frozen=True)
class Event:
    id: int
    kind: str  # release, withdrawal, overdue
    dataset_id: int
    version: int | None
    created_at: datetime


def record(conn: Connection, kind: str, dataset_id: int, version: int | None = None, *,
           key: str | None = None, now: datetime | None = None) -> None:
    """Write an event in the caller's transaction (once per key)."""
    insert_once(conn, follow_events, {
        "key": key or f"{kind}:{dataset_id}:{version}", "kind": kind, "dataset_id": dataset_id,
        "version": version, "created_at": now or datetime.now(timezone.utc)})


def _event(row: sa.Row) -> Event:
    at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    return Event(row.id, row.kind, row.dataset_id, row.version, at)


def waiting(conn: Connection, *, limit: int = 50) -> list[Event]:
    """Return events not dispatched yet, oldest first."""
    rows = conn.execute(sa.select(follow_events).where(follow_events.c.dispatched_at.is_(None))
                        .order_by(follow_events.c.id).limit(limit))
    return [_event(r) for r in rows]


def claim(conn: Connection, event_id: int, *, now: datetime) -> bool:
    """Mark an event dispatched in the caller's transaction; False if another dispatcher did."""
    return conn.execute(follow_events.update().where(
        follow_events.c.id == event_id, follow_events.c.dispatched_at.is_(None))
        .values(dispatched_at=now)).rowcount == 1


def get(conn: Connection, event_ids: list[int]) -> list[Event]:
    rows = conn.execute(sa.select(follow_events).where(follow_events.c.id.in_(event_ids))
                        .order_by(follow_events.c.id))
    return [_event(r) for r in rows]


def forget_old(conn: Connection, *, now: datetime, keep: timedelta) -> None:
    """Delete events dispatched longer than `keep` ago that no digest still waits for."""
    conn.execute(follow_events.delete().where(
        follow_events.c.dispatched_at < now - keep,
        follow_events.c.id.not_in(sa.select(follow_pending.c.event_id))))
