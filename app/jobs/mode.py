"""Where upload jobs run: `threads` of the web process, or the durable `queue` (OTKRITO_JOBS)."""
from __future__ import annotations

from typing import Any, Mapping

from metadata.errors import NotReady
from publishers.store import is_sqlite

THREADS, QUEUE = "threads", "queue"


def jobs_mode(settings: Mapping[str, Any]) -> str:
    """Return the mode the settings choose; unset means the queue exactly when it can exist.

    With SQLite (the embedded default) there is no queue: one process serves and publishes,
    as it always did. A PostgreSQL catalog is shared by nodes, so a job another node or a
    restart must be able to finish goes on the queue, unless OTKRITO_JOBS=threads says not to.
    """
    chosen = str(settings.get("JOBS") or "").strip().lower()
    sqlite = is_sqlite(settings.get("DATABASE_URL"))
    if not chosen:
        return THREADS if sqlite else QUEUE
    if chosen not in (THREADS, QUEUE):
        raise NotReady("jobs.unknown-mode", mode=chosen[:40])
    if chosen == QUEUE and sqlite:
        raise NotReady("jobs.queue-needs-postgresql")
    return chosen
