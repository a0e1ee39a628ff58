"""The sources' scheduler: every OTKRITO_SOURCES_POLL_SECONDS, check the sources that are due
(and, once a month, publish the impact figures: datasets/impact_schedule.py).

It runs as a thread of `otkrito serve` on the single-machine default (OTKRITO_JOBS=threads)
and as a task of every `otkrito worker` on the queue. Each round claims due sources with a
lease (datasets/source_schedule.py), so however many schedulers share the catalog, each due
check runs once.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from typing import Any, Mapping

from app.ops.metrics import FETCHES
from app.state import Portal, open_portal
from datasets.fetch import allowed_networks
from datasets.source_schedule import claim_due
from datasets.sources import SourceCheck, check_source, slug_of_source

log = logging.getLogger("otkrito.sources")
MB = 1 << 20


def fetch_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a check needs from the settings: the allowed networks and the size cap."""
    return {"allow": allowed_networks(settings.get("FETCH_ALLOW")),
            "max_bytes": int(settings["MAX_UPLOAD_MB"]) * MB}


def owner_name() -> str:
    """A lease owner's name: which process holds a source, for an operator reading the table."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def run_due(portal: Portal, owner: str) -> list[tuple[str, SourceCheck]]:
    """Claim the due sources and check each; one source's failure never stops the round."""
    options = fetch_options(portal.settings)
    done = []
    # One at a time: a slow source then holds up only this scheduler, and the others (the other
    # workers) claim the next due ones meanwhile.
    while claimed := claim_due(portal.engine, owner, limit=1):
        source_id = claimed[0]
        slug = slug_of_source(portal.engine, source_id)
        try:
            if slug is not None:
                check = check_source(portal.instance, portal.engine, slug, owner=owner, **options)
                FETCHES.labels(str(check.outcome)).inc()
                log.info("Source of %s checked: %s", slug, check.outcome)
                done.append((slug, check))
        except Exception:  # noqa: BLE001 - logged; the source is tried again when its lease expires
            FETCHES.labels("error").inc()
            log.exception("Source check of %s failed", slug)
    impact_round(portal)
    return done


def impact_round(portal: Portal) -> None:
    """Publish last month's impact figures once per month (datasets/impact_schedule.py)."""
    from datasets.impact_schedule import publish_monthly

    try:
        done = publish_monthly(portal.instance, portal.engine)
        if done is not None and done.version is not None:
            log.info("Impact figures published: release %s", done.version)
    except Exception:  # noqa: BLE001 - logged; the month was given back, the next round tries again
        log.exception("Monthly impact publish failed")


class SchedulerThread(threading.Thread):
    """The scheduler inside `otkrito serve`: a daemon thread with its own catalog engine."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(name="sources-scheduler", daemon=True)
        self.settings = dict(settings)
        self.stopped = threading.Event()

    def run(self) -> None:
        portal = open_portal(self.settings)
        owner = owner_name()
        every = float(self.settings["SOURCES_POLL_SECONDS"])
        try:
            while not self.stopped.is_set():
                try:
                    run_due(portal, owner)
                except Exception:  # noqa: BLE001 - the catalog away for a moment: next round
                    log.exception("Sources scheduler round failed")
                self.stopped.wait(every)
        finally:
            portal.engine.dispose()


async def schedule_forever(portal: Portal) -> None:
    """The scheduler inside `otkrito worker`: rounds in a thread, until the task is cancelled."""
    owner = owner_name()
    every = float(portal.settings["SOURCES_POLL_SECONDS"])
    log.info("Sources scheduler started (%s)", owner)
    while True:
        try:
            await asyncio.to_thread(run_due, portal, owner)
        except Exception:  # noqa: BLE001 - as in the thread
            log.exception("Sources scheduler round failed")
        await asyncio.sleep(every)
