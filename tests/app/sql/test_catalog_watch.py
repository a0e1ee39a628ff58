"""A node learns of a new release without asking the catalog on every request.

On PostgreSQL: a NOTIFY sent in the publishing transaction, with a one-second poll as the
fallback for a lost notification, and a reconnect after the server dropped the connection.
"""
from __future__ import annotations

import time
from typing import Callable

import pytest
import sqlalchemy as sa

from app.sql.catalog_watch import CatalogWatch
from app.state import Portal
from datasets import catalog
from publishers.store import state
from tests.conftest import until
from tests.postgres import Cluster, postgresql_only

pytestmark = pytest.mark.catalogs

WAIT = 30.0  # seconds: a bound for a loaded machine, not a measure of speed


def _until(condition: Callable[[], bool], what: str) -> None:
    until(condition, what, within=WAIT, every=0.02)


def _changed_from(watch: CatalogWatch, before: int | None) -> Callable[[], bool]:
    return lambda: (now := watch.version()) is not None and now != before


def test_the_version_moves_when_another_connection_bumps_the_generation(portal: Portal) -> None:
    # No fallback poll within the test: on PostgreSQL only the notification can move it.
    watch = CatalogWatch(portal.engine, poll_seconds=3600)
    try:
        _until(lambda: watch.version() is not None, "the watch is ready")
        before = watch.version()
        with portal.engine.begin() as conn:
            catalog.bump_generation(conn)
        _until(_changed_from(watch, before), "the version moved after a commit")
    finally:
        watch.close()


def test_a_version_that_did_not_move_means_nothing_was_committed(portal: Portal) -> None:
    watch = CatalogWatch(portal.engine)
    try:
        _until(lambda: watch.version() is not None, "the watch is ready")
        with portal.engine.begin() as conn:
            catalog.bump_generation(conn)
        _until(lambda: watch.version() is not None, "ready")
        # Read version, then generation (as the SQL API does): while the version stays, the
        # generation read after it is still current.
        deadline = time.monotonic() + WAIT
        settled = False
        while time.monotonic() < deadline and not settled:
            version, seen = watch.version(), catalog.generation(portal.engine)
            time.sleep(1.5)  # longer than the poll: a pending notice or poll has landed
            settled = watch.version() == version
        assert settled
        assert catalog.generation(portal.engine) == seen
    finally:
        watch.close()


@postgresql_only
def test_a_change_without_a_notification_is_found_by_the_poll(portal: Portal) -> None:
    watch = CatalogWatch(portal.engine)
    try:
        _until(lambda: watch.version() is not None, "the watch is ready")
        before = watch.version()
        with portal.engine.begin() as conn:  # as if the NOTIFY were lost: no bump_generation
            conn.execute(state.update().where(state.c.key == "generation").values(value=state.c.value + 7))
        _until(_changed_from(watch, before), "the poll found the new generation")
    finally:
        watch.close()


@postgresql_only
def test_the_watch_listens_again_after_its_connection_is_killed(portal: Portal) -> None:
    watch = CatalogWatch(portal.engine)
    try:
        _until(lambda: watch.version() is not None, "the watch is ready")

        def listeners() -> list[int]:
            with portal.engine.connect() as conn:
                return list(conn.execute(sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND query LIKE 'LISTEN %'")).scalars())

        _until(lambda: bool(listeners()), "the listening connection shows")
        with portal.engine.connect() as conn:
            for pid in listeners():
                conn.execute(sa.select(sa.func.pg_terminate_backend(pid)))
        _until(lambda: watch.version() is None or bool(listeners()), "the loss is noticed")
        _until(lambda: watch.version() is not None and bool(listeners()), "listening again")
        before = watch.version()
        with portal.engine.begin() as conn:
            catalog.bump_generation(conn)
        _until(_changed_from(watch, before), "a commit after the reconnect is heard")
    finally:
        watch.close()


def test_the_watch_of_a_dropped_database_stops_instead_of_retrying_for_ever(
        postgres_cluster: Cluster) -> None:
    name = postgres_cluster.create_database()
    engine = sa.create_engine(postgres_cluster.url(name), poolclass=sa.NullPool)
    watch = CatalogWatch(engine)
    listener = watch._listener
    assert listener is not None
    _until(lambda: watch.version() is not None, "the watch is ready")
    postgres_cluster.drop_database(name)  # WITH (FORCE): ends the listening connection too
    _until(lambda: not listener._thread.is_alive(), "the listener thread ended")
    assert watch.version() is None
    engine.dispose()
