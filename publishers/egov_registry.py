"""What the portal remembers of its data.egov.bg registrations: remote URIs, what was last
sent, the last error, the log of calls, and the claim that keeps two syncs of one publisher apart.
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from metadata.errors import Conflict
from metadata.messages import Text
from publishers.egov_store import egov_accounts, egov_calls, egov_registrations
from publishers.store import datasets

# A sync touches its claim before each dataset (at most four calls of 60 s each): a claim left
# untouched this long belongs to a sync that was killed, and the next one may take it over.
STALE_CLAIM = timedelta(minutes=10)


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


@dataclass(frozen=True)
class Registration:
    """One dataset's registration on data.egov.bg, as far as the last sync got."""

    dataset_id: int
    dataset_uri: str | None = None
    resource_uri: str | None = None
    dataset_digest: str | None = None
    resource_digest: str | None = None
    status: str = "never"  # never | waiting | partial | registered | failed
    error: Text | None = None
    attempted_at: datetime | None = None
    synced_at: datetime | None = None


@dataclass(frozen=True)
class CallRecord:
    """One logged call (never with the key)."""

    id: int
    at: datetime
    dataset: str | None
    action: str
    http_status: int | None
    success: bool
    remote_uri: str | None
    message: str
    actor: str


def _to_registration(row: sa.Row) -> Registration:
    error = Text(row.error_bg, row.error_en or row.error_bg) if row.error_bg else None
    return Registration(row.dataset_id, row.dataset_uri, row.resource_uri, row.dataset_digest,
                        row.resource_digest, row.status, error, _utc(row.attempted_at),
                        _utc(row.synced_at))


def registrations(engine: Engine, publisher_id: int) -> dict[int, Registration]:
    """Return the registrations of a publisher's datasets, by dataset id."""
    query = (sa.select(egov_registrations).join(datasets, datasets.c.id == egov_registrations.c.dataset_id)
             .where(datasets.c.publisher_id == publisher_id))
    with engine.connect() as conn:
        return {row.dataset_id: _to_registration(row) for row in conn.execute(query).all()}


def save(engine: Engine, dataset_id: int, *, call: dict[str, Any] | None = None, **values: Any) -> None:
    """Update (or start) a dataset's registration and log the call that led to it, in one
    transaction: a URI the remote gave is never known without its call, nor lost after it."""
    values["attempted_at"] = datetime.now(timezone.utc)
    with engine.begin() as conn:
        if call is not None:
            conn.execute(egov_calls.insert().values(at=values["attempted_at"], dataset_id=dataset_id, **call))
        updated = conn.execute(egov_registrations.update()
                               .where(egov_registrations.c.dataset_id == dataset_id).values(**values))
        if updated.rowcount == 0:
            conn.execute(egov_registrations.insert().values(dataset_id=dataset_id,
                                                            **{"status": "partial", **values}))


def list_calls(engine: Engine, publisher_id: int, *, limit: int = 50) -> list[CallRecord]:
    """Return the publisher's latest logged calls, newest first."""
    query = (sa.select(egov_calls, datasets.c.slug)
             .join(datasets, datasets.c.id == egov_calls.c.dataset_id, isouter=True)
             .where(egov_calls.c.publisher_id == publisher_id)
             .order_by(egov_calls.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [CallRecord(r.id, _utc(r.at), r.slug, r.action, r.http_status, r.success,
                       r.remote_uri, r.message, r.actor) for r in rows]


@contextmanager
def sync_claim(engine: Engine, publisher_id: int, slug: str) -> Iterator[Any]:
    """Hold the publisher's sync claim for the block, or raise Conflict if another sync has it.

    One conditional UPDATE takes it, on SQLite and PostgreSQL alike, so two processes (or two
    nodes) never both run a sync that could add the same dataset twice. The yielded function
    touches the claim; a claim not touched for STALE_CLAIM is taken over.
    """
    token = secrets.token_hex(16)
    now = datetime.now(timezone.utc)
    mine = sa.and_(egov_accounts.c.publisher_id == publisher_id, egov_accounts.c.sync_token == token)
    with engine.begin() as conn:
        taken = conn.execute(egov_accounts.update().where(
            egov_accounts.c.publisher_id == publisher_id,
            sa.or_(egov_accounts.c.sync_token.is_(None), egov_accounts.c.sync_started_at < now - STALE_CLAIM),
        ).values(sync_token=token, sync_started_at=now)).rowcount
    if not taken:
        raise Conflict("egov.busy", publisher=slug)

    def touch() -> None:
        with engine.begin() as conn:
            conn.execute(egov_accounts.update().where(mine).values(sync_started_at=datetime.now(timezone.utc)))

    try:
        yield touch
    finally:
        with engine.begin() as conn:
            conn.execute(egov_accounts.update().where(mine).values(sync_token=None, sync_started_at=None))
