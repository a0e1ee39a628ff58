"""`otkrito worker`: run upload checks and publishes from the queue until SIGTERM or SIGINT.

Each worker writes a heartbeat every quarter of OTKRITO_JOBS_STALLED_SECONDS and, as often as
half of it, puts back on the queue the running jobs of workers whose heartbeat is older than
that (killed, or their machine gone): another worker then runs them again, which is safe
(datasets/uploads.py). A stop signal lets the running job finish first. Each worker also runs
the scheduler of sources (app/jobs/scheduler.py).
"""
from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any, Mapping

import procrastinate

from app.follow import background
from app.jobs.queue import worker_app
from app.jobs.scheduler import schedule_forever
from app.state import Portal, open_portal
from metadata.errors import NotReady
from publishers.store import is_sqlite

log = logging.getLogger("otkrito.jobs")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run_worker(settings: Mapping[str, Any], *, concurrency: int = 1) -> None:
    """Serve the queue of the catalog the settings name (PostgreSQL only) until stopped."""
    if is_sqlite(settings.get("DATABASE_URL")):
        raise NotReady("jobs.worker-needs-postgresql")
    portal = open_portal(dict(settings))  # refuses a catalog (or queue) not migrated
    if settings.get("WORKER_METRICS_PORT"):
        from app.ops.metrics import serve_worker_metrics

        serve_worker_metrics(int(settings["WORKER_METRICS_PORT"]))
    mail = None
    # Until the queue is served, a stop has nothing to wait for; then _serve takes over.
    before = {stop: signal.signal(stop, _exit_now) for stop in STOP_SIGNALS}
    try:
        mail = background.start(portal)  # in cluster mode subscribers' mail is sent from here
        app = worker_app(portal.instance.catalog_url, concurrency=concurrency)
        asyncio.run(_serve(app, portal, concurrency=concurrency,
                           stalled=float(settings["JOBS_STALLED_SECONDS"])))
    finally:
        for stop, handler in before.items():
            signal.signal(stop, handler)
        if mail is not None:
            mail.set()
        portal.engine.dispose()


def _exit_now(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


async def _serve(app: procrastinate.App, portal: Portal, *, concurrency: int, stalled: float) -> None:
    async with app.open_async():
        worker = asyncio.create_task(app.run_worker_async(
            concurrency=concurrency, wait=True, install_signal_handlers=False,
            additional_context={"portal": portal}, delete_jobs="successful",
            update_heartbeat_interval=stalled / 4, stalled_worker_timeout=stalled,
            # LISTEN brings new jobs at once; polling is the fallback, and what notices a
            # job a stalled worker left, put back by another worker's retrier.
            fetch_job_polling_interval=max(stalled / 2, 0.5)))
        # A stop signal cancels the worker, which then stops taking jobs and lets the running
        # one finish (procrastinate's graceful stop). Ours, not procrastinate's handlers: those
        # exist only while its loop runs, and a signal outside it would kill the process.
        loop = asyncio.get_running_loop()
        for stop in STOP_SIGNALS:
            loop.add_signal_handler(stop, worker.cancel)
        retrier = asyncio.create_task(_retry_stalled(app, stalled))
        scheduler = asyncio.create_task(schedule_forever(portal))  # scheduled sources
        try:
            await worker
        except asyncio.CancelledError:
            log.info("Worker stopped")
        finally:
            for stop in STOP_SIGNALS:
                loop.remove_signal_handler(stop)
                signal.signal(stop, signal.SIG_IGN)  # stopping already; the pool closes next
            retrier.cancel()
            scheduler.cancel()  # a check already running finishes in its thread first


async def _retry_stalled(app: procrastinate.App, stalled: float) -> None:
    while True:
        await asyncio.sleep(max(stalled / 2, 0.2))
        try:
            found = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled)
        except procrastinate.exceptions.ConnectorException as error:
            log.warning("Could not look for stalled jobs: %s", error)
            continue
        for job in found:
            try:  # another worker may have put it back first: it is no longer "doing" then
                await app.job_manager.retry_job(job)
                log.warning("Job %s of a stalled worker is retried", job.id)
            except procrastinate.exceptions.ConnectorException:
                continue
