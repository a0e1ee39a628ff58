"""Run the portal under uvicorn."""
from __future__ import annotations

import os
from datetime import timedelta

import uvicorn

from app import config
from app.state import open_portal
from app.web.asgi import FACTORY


def serve(*, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Remove what killed publishes and withdrawals left behind and uploads abandoned long ago,
    then serve until interrupted."""
    from datasets.leftovers import cleanup
    from datasets.uploads import remove_abandoned
    from datasets.withdraw import finish_withdrawals

    settings = config.load()
    config.require_secret_key(settings)  # refuse here, not in every worker
    portal = open_portal(settings)
    try:
        cleanup(portal.instance, portal.engine)
        finish_withdrawals(portal.instance, portal.engine)
        remove_abandoned(portal.instance, portal.engine,
                         older_than=timedelta(days=portal.settings["UPLOAD_KEEP_DAYS"]))
    finally:
        portal.engine.dispose()
    # Links in feeds, DCAT and Data Packages point where this portal answers unless told
    # otherwise (the workers uvicorn starts read the same environment).
    if not os.environ.get("OTKRITO_BASE_URL"):
        os.environ["OTKRITO_BASE_URL"] = served_url(host, port)
    start_scheduler(settings)
    # The import string (not an app object) lets uvicorn build the app in each worker process.
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers,
                lifespan="on", log_level="info")


def start_scheduler(settings: dict) -> None:
    """Check scheduled sources from this process, unless `otkrito worker` processes do (queue)."""
    from app.jobs.mode import QUEUE, jobs_mode
    from app.jobs.scheduler import SchedulerThread

    if jobs_mode(settings) != QUEUE:
        SchedulerThread(settings).start()


def served_url(host: str, port: int) -> str:
    """The URL a browser on this machine reaches `serve(host=host, port=port)` at."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
