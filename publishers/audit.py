"""The audit log: who did what, when."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy.engine import Connection

from publishers.store import audit_events


def record(conn: Connection, *, actor: str, action: str, target: str,
           detail: dict[str, Any] | None = None, public: bool = False) -> None:
    """Append an audit event inside the caller's transaction."""
    conn.execute(audit_events.insert().values(
        at=datetime.now(timezone.utc), actor=actor, action=action, target=target,
        detail=detail or {}, public=public,
    ))
