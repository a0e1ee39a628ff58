"""Two nodes counting the same thing at the same moment lose nothing and fail nothing.

The first transaction creates the row and stays open; the second tries to create it too and
must wait, then count on top of it (the old "UPDATE, then INSERT if nothing was updated"
failed here on PostgreSQL with a duplicate key once the first committed).
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from app.state import Portal
from publishers.participation_store import daily_salts, feedback_rate
from publishers.upsert import add_to_count, insert_once

pytestmark = pytest.mark.catalogs

WAIT = 120.0  # seconds: a bound for a stuck transaction, not a measure of speed


def _race(portal: Portal, work: Callable[[Connection], None]) -> None:
    """Run `work` in two transactions, the second starting while the first holds its row."""
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with portal.engine.begin() as conn:
                work(conn)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    with portal.engine.begin() as first:
        work(first)
        thread = threading.Thread(target=second)
        thread.start()
        _until_blocked(portal, thread)
    thread.join(WAIT)
    assert not thread.is_alive()
    assert errors == []


def _until_blocked(portal: Portal, thread: threading.Thread) -> None:
    if portal.engine.dialect.name != "postgresql":
        # SQLite's second writer waits for the file lock whenever it gets there: let it get there.
        thread.join(0.2)
        return
    deadline = time.monotonic() + WAIT
    with portal.engine.connect() as conn:
        while time.monotonic() < deadline and thread.is_alive():
            if conn.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")).scalar():
                return
            # pg_stat_activity is read once per transaction and then cached: a new one each time,
            # or a first look taken before the second transaction got to its lock is all we see.
            conn.rollback()
            time.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first")


def test_two_transactions_creating_one_counter_at_once_both_count(portal: Portal) -> None:
    keys = {"key_hash": "a" * 64, "window": "2026-12-01"}
    _race(portal, lambda conn: add_to_count(conn, feedback_rate, keys, 3))
    with portal.engine.connect() as conn:
        assert conn.execute(sa.select(feedback_rate.c.count)).scalars().all() == [6]


def test_two_transactions_making_one_row_at_once_keep_the_first(portal: Portal) -> None:
    salts = iter(["1" * 64, "2" * 64])
    _race(portal, lambda conn: insert_once(conn, daily_salts, {"day": "2026-12-01", "salt": next(salts)}))
    with portal.engine.connect() as conn:
        assert conn.execute(sa.select(daily_salts.c.salt)).scalars().all() == ["1" * 64]
