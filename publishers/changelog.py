"""Reading the audit log: all of it for site admins, the publishing part for everyone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from publishers.store import audit_events


@dataclass(frozen=True)
class Event:
    """One audit event."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    public: bool


def list_events(engine: Engine, *, public_only: bool, limit: int = 100,
                before: int | None = None) -> list[Event]:
    """Return events newest first (only public ones when asked), older than id `before`."""
    query = sa.select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
    if public_only:
        query = query.where(audit_events.c.public.is_(True))
    if before is not None:
        query = query.where(audit_events.c.id < before)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Event(r.id, r.at if r.at.tzinfo else r.at.replace(tzinfo=timezone.utc), r.actor,
                  r.action, r.target, dict(r.detail or {}), bool(r.public)) for r in rows]
