"""When a source is due, and claiming due sources so each check runs once across schedulers.

A scheduler (a thread of `otkrito serve`, a task of each `otkrito worker`) claims a due source
with one conditional UPDATE that sets a lease: `WHERE next_due <= now AND lease expired`. Of two
schedulers that both saw the source due, the database lets exactly one UPDATE match (PostgreSQL
re-checks the WHERE of a row another transaction changed; SQLite has one writer at a time), so
the other gets no row and moves on. The lease outlives any check (fetch deadline plus publish);
one whose scheduler died expires and the source is claimed again. This was chosen over
procrastinate's periodic tasks because it works the same on SQLite, with no queue, in the
single-machine default, and because a source's next due time moves with its outcome (backoff).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from datasets.timeliness import period
from metadata.errors import Conflict
from publishers.sources_store import sources

EVERY = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7),
         "monthly": timedelta(days=30)}
LEASE = timedelta(minutes=30)  # far beyond a check's fetch deadline (10 min) and its publish
FIRST_RETRY = timedelta(minutes=5)
# "The dataset's own frequency" checks once a period, but at least weekly: a monthly or yearly
# promise is then checked well before it is missed. Without a period (irregular), daily.
LONGEST = timedelta(days=7)
DEFAULT = timedelta(days=1)


def interval(every: str | None, frequency: str) -> timedelta:
    """How long after a good check the next one is due."""
    if every is not None:
        return EVERY[every]
    length = period(frequency)
    return min(length, LONGEST) if length is not None else DEFAULT


def backoff(failures: int, regular: timedelta) -> timedelta:
    """How long after the `failures`-th failure in a row the next try is due: doubling from five
    minutes, never later than the regular schedule."""
    return min(FIRST_RETRY * (2 ** min(max(failures - 1, 0), 20)), regular)


def next_due_after(at: datetime, every: str | None, frequency: str, failures: int) -> datetime:
    regular = interval(every, frequency)
    return at + (backoff(failures, regular) if failures else regular)


def _free(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(sources.c.lease_until.is_(None), sources.c.lease_until < now)


def claim_due(engine: Engine, owner: str, *, now: datetime | None = None,
              limit: int = 100) -> list[int]:
    """Claim up to `limit` due sources for `owner`; return their ids (each claimed by one owner)."""
    now = now or datetime.now(timezone.utc)
    with engine.connect() as conn:
        candidates = list(conn.execute(sa.select(sources.c.id).where(sources.c.next_due <= now, _free(now))
                                       .order_by(sources.c.next_due).limit(limit)).scalars())
    claimed = []
    for source_id in candidates:
        with engine.begin() as conn:
            won = conn.execute(sources.update().where(
                sources.c.id == source_id, sources.c.next_due <= now, _free(now))
                .values(lease_owner=owner, lease_until=now + LEASE)).rowcount
        if won == 1:
            claimed.append(source_id)
    return claimed


def claim(engine: Engine, source_id: int, owner: str) -> None:
    """Claim one source now, due or not (fetch now); refused while another check holds it."""
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        won = conn.execute(sources.update().where(sources.c.id == source_id, _free(now))
                           .values(lease_owner=owner, lease_until=now + LEASE)).rowcount
    if won != 1:
        raise Conflict("source.busy")


def release_lease(engine: Engine, source_id: int, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(sources.update().where(sources.c.id == source_id, sources.c.lease_owner == owner)
                     .values(lease_owner=None, lease_until=None))
