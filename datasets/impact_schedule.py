"""The monthly publish of the impact figures: once per month across every scheduler.

Each scheduler round (app/jobs/scheduler.py: a thread of `otkrito serve`, a task of each
`otkrito worker`) asks whether last month's figures are out. The first to move the catalog's
`impact.month` marker to last month (one conditional UPDATE: only one node can) publishes; a
failed publish gives the month back, so the next round tries again.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from datasets.impact import month_start
from datasets.impact_dataset import Published, publish_figures
from datasets.instance import Instance
from metadata.errors import NotFound
from publishers.store import state
from publishers.upsert import insert_once

KEY = "impact.month"


def due_month(now: datetime) -> int:
    """Return the latest complete month as YYYYMM."""
    last = month_start(now.date()) - timedelta(days=1)
    return last.year * 100 + last.month


def claim(engine: Engine, month: int) -> int | None:
    """Move the marker to `month` if it is behind; return where it was (None: not ours to do)."""
    with engine.begin() as conn:
        insert_once(conn, state, {"key": KEY, "value": 0})
        before = conn.execute(state.select().where(state.c.key == KEY)).one().value
        moved = conn.execute(state.update().where(state.c.key == KEY, state.c.value < month).values(value=month))
    return before if moved.rowcount == 1 else None


def give_back(engine: Engine, month: int, before: int) -> None:
    with engine.begin() as conn:
        conn.execute(state.update().where(state.c.key == KEY, state.c.value == month).values(value=before))


def publish_monthly(instance: Instance, engine: Engine, *, now: datetime | None = None) -> Published | None:
    """Publish last month's figures if no scheduler has yet; None when there was nothing to do."""
    now = now or datetime.now(timezone.utc)
    month = due_month(now)
    before = claim(engine, month)
    if before is None:
        return None
    try:
        return publish_figures(instance, engine, actor="scheduler", now=now)
    except NotFound:
        return None  # no publisher or no complete month yet: nothing to publish this month
    except BaseException:
        give_back(engine, month, before)
        raise
