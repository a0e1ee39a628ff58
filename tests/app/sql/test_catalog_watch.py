"""A node learns of a new release without asking the catalog on every request.

On PostgreSQL: a NOTIFY sent in the publishing transaction, with a one-second poll as the
fallback for a lost notification, and a reconnect after the server dropped the connection.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

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


@contextmanager
def ready_watch(engine: sa.Engine, **options: float) -> Iterator[CatalogWatch]:
    """A watch on the engine's catalog, once it answers, closed after the block."""
    watch = CatalogWatch(engine, **options)
    try:
        _until(lambda: watch.version() is not None, "the watch is ready")
        yield watch
    finally:
        watch.close()


def _changed_from(watch: CatalogWatch, before: int | None) -> Callable[[], bool]:
    return lambda: (now := watch.version()) is not None and now != before


def test_the_version_moves_when_another_connection_bumps_the_generation(portal: Portal) -> None:
    # No fallback poll within the test: on PostgreSQL only the notification can move it.
    with ready_watch(portal.engine, poll_seconds=3600) as watch:
        before = watch.version()
        with portal.engine.begin() as conn:
            catalog.bump_generation(conn)
        _until(_changed_from(watch, before), "the version moved after a commit")


def test_the_version_holds_while_nothing_is_committed(portal: Portal) -> None:
    # A poll every 50 ms: one that counted a quiet poll as a change would move it in the 1 s.
    with ready_watch(portal.engine, poll_seconds=0.05) as watch:
        before = watch.version()
        time.sleep(1.0)  # no synchronisation: a span in which nothing may change
        assert watch.version() == before


@postgresql_only
def test_a_change_without_a_notification_is_found_by_the_poll(portal: Portal) -> None:
    with ready_watch(portal.engine) as watch:
        before = watch.version()
        with portal.engine.begin() as conn:  # as if the NOTIFY were lost: no bump_generation
            conn.execute(state.update().where(state.c.key == "generation").values(value=state.c.value + 7))
        _until(_changed_from(watch, before), "the poll found the new generation")


@postgresql_only
def test_the_watch_listens_again_after_its_connection_is_killed(portal: Portal) -> None:
    with ready_watch(portal.engine) as watch:

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
