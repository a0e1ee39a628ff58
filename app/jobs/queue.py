"""procrastinate's App on the catalog's PostgreSQL database: one for workers, one for deferring.

A worker uses procrastinate's asynchronous psycopg connector (LISTEN for new jobs, heartbeats).
A web process only defers jobs: it does so over the catalog engine's own connections, so it
opens no second pool, forks safely, and is done with them when the portal's engine is disposed.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Any, Iterator

import procrastinate
from procrastinate import PsycopgConnector, SyncPsycopgConnector
from sqlalchemy.engine import Engine, make_url

from app.jobs import tasks

NAMESPACE = "otkrito"
CHECK, PUBLISH = f"{NAMESPACE}:check_upload", f"{NAMESPACE}:publish_upload"
FETCH = f"{NAMESPACE}:fetch_source"


def conninfo(url: str) -> str:
    """The libpq URL of a SQLAlchemy catalog URL (postgresql+psycopg://… → postgresql://…)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_tasks(connector: Any) -> procrastinate.App:
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(tasks.blueprint, namespace=NAMESPACE)
    return app


def worker_app(url: str, *, concurrency: int = 1) -> procrastinate.App:
    """The App a worker runs, over its own small pool (listening, heartbeats, the jobs' rows)."""
    return _with_tasks(PsycopgConnector(conninfo=conninfo(url), min_size=1,
                                        max_size=concurrency + 3))


class _EnginePool:
    """What procrastinate's sync connector needs of a pool, lent by the catalog engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        raw = self.engine.raw_connection()
        try:
            yield raw.driver_connection  # a psycopg connection: the connector's own kind
            raw.commit()
        except BaseException:
            raw.rollback()
            raise
        finally:
            raw.close()  # back to the engine's pool


@functools.lru_cache(maxsize=16)
def deferring_app(engine: Engine) -> procrastinate.App:
    """The App a web process defers jobs with, opened over `engine` (the portal's)."""
    connector = SyncPsycopgConnector()
    connector.open(_EnginePool(engine))  # type: ignore[arg-type]
    return _with_tasks(connector)


def defer(engine: Engine, task: str, *, queueing_lock: str, **arguments: Any) -> None:
    """Put a job on the queue, unless one with the same lock is already waiting there."""
    app = deferring_app(engine)
    with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
        app.configure_task(task, queueing_lock=queueing_lock).defer(**arguments)
