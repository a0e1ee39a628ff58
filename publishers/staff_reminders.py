"""Which reminders a publisher's staff were sent: once per dataset, due date and kind."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from publishers.follow_store import staff_reminders

KINDS = ("before", "overdue")


@dataclass(frozen=True)
class Sent:
    dataset_id: int
    due: str  # ISO date
    kind: str
    recipients: int
    sent_at: datetime


def claim(conn: Connection, *, dataset_id: int, due: str, kind: str, recipients: int, now: datetime) -> bool:
    """Record a reminder in the caller's transaction; False when it was sent already."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(staff_reminders).values(dataset_id=dataset_id, due=due, kind=kind,
                                                       recipients=recipients, sent_at=now)
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING.
    inserted = conn.execute(statement.on_conflict_do_nothing().returning(staff_reminders.c.dataset_id))
    return inserted.first() is not None


def sent_for(engine: Engine, dataset_ids: Iterable[int]) -> dict[int, list[Sent]]:
    """Return the reminders sent for each dataset, newest first."""
    ids = list(dataset_ids)
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(staff_reminders).where(staff_reminders.c.dataset_id.in_(ids))
                            .order_by(staff_reminders.c.sent_at.desc()))
        found: dict[int, list[Sent]] = {}
        for r in rows:
            at = r.sent_at if r.sent_at.tzinfo else r.sent_at.replace(tzinfo=timezone.utc)
            found.setdefault(r.dataset_id, []).append(Sent(r.dataset_id, r.due, r.kind, r.recipients, at))
    return found
