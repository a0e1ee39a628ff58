"""Withdraw a whole dataset: it leaves every listing, and its history stays.

A withdrawn dataset is no longer in the catalog pages, search, the DCAT-AP catalog, the CKAN
API or the SQL API's index; its record, its releases (with their files and checksums) and its
audit trail stay, and its page still answers, so links and citations keep working. Unlike a
withdrawn release (`datasets/withdraw.py`), nothing is deleted: a dataset removed at the source
of a harvest is not a dataset whose data must go. Restoring it deletes the withdrawal.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from datasets.catalog import _utc, bump_generation, get_dataset
from metadata.errors import Conflict
from publishers import audit
from publishers.harvest_store import dataset_withdrawals
from publishers.store import datasets


@dataclass(frozen=True)
class DatasetWithdrawal:
    """When and why a dataset was withdrawn."""

    withdrawn_at: datetime
    reason: str
    actor: str


def withdraw(conn: Connection, dataset_id: int, *, reason: str, actor: str) -> bool:
    """Withdraw a dataset inside the caller's transaction; False when it already was."""
    if conn.execute(sa.select(dataset_withdrawals.c.dataset_id)
                    .where(dataset_withdrawals.c.dataset_id == dataset_id)).first():
        return False
    conn.execute(dataset_withdrawals.insert().values(
        dataset_id=dataset_id, withdrawn_at=datetime.now(timezone.utc), reason=reason.strip(),
        actor=actor))
    slug = conn.execute(sa.select(datasets.c.slug).where(datasets.c.id == dataset_id)).scalar()
    audit.record(conn, actor=actor, action="dataset.withdraw", target=str(slug),
                 detail={"reason": reason.strip()}, public=True)
    bump_generation(conn)  # listings, feeds and the SQL index are kept per generation
    return True


def restore(conn: Connection, dataset_id: int, *, actor: str, reason: str | None = None) -> bool:
    """Undo a dataset's withdrawal inside the caller's transaction; False when it was not withdrawn.

    With `reason`, only a withdrawal for that reason is undone (a harvest brings back what it
    withdrew, never what staff withdrew).
    """
    query = dataset_withdrawals.delete().where(dataset_withdrawals.c.dataset_id == dataset_id)
    if reason is not None:
        query = query.where(dataset_withdrawals.c.reason == reason.strip())
    removed = conn.execute(query)
    if removed.rowcount == 0:
        return False
    slug = conn.execute(sa.select(datasets.c.slug).where(datasets.c.id == dataset_id)).scalar()
    audit.record(conn, actor=actor, action="dataset.restore", target=str(slug), public=True)
    bump_generation(conn)
    return True


def withdraw_dataset(engine: Engine, slug: str, *, reason: str, actor: str) -> DatasetWithdrawal:
    """Withdraw the dataset with this slug, or raise Conflict when it already is."""
    dataset = get_dataset(engine, slug)
    with engine.begin() as conn:
        if not withdraw(conn, dataset.id, reason=reason, actor=actor):
            raise Conflict("dataset.already-withdrawn", slug=slug)
    found = withdrawal_of(engine, dataset.id)
    assert found is not None
    return found


def restore_dataset(engine: Engine, slug: str, *, actor: str) -> None:
    """Bring a withdrawn dataset back into the listings, or raise Conflict when it is not withdrawn."""
    dataset = get_dataset(engine, slug)
    with engine.begin() as conn:
        if not restore(conn, dataset.id, actor=actor):
            raise Conflict("dataset.not-withdrawn", slug=slug)


def withdrawal_of(engine: Engine, dataset_id: int) -> DatasetWithdrawal | None:
    """Return the dataset's withdrawal, or None when it is listed."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(dataset_withdrawals)
                           .where(dataset_withdrawals.c.dataset_id == dataset_id)).first()
    if row is None:
        return None
    return DatasetWithdrawal(_utc(row.withdrawn_at), row.reason, row.actor)  # type: ignore[arg-type]
