"""Run the portal under uvicorn."""
from __future__ import annotations

import logging
import os
from datetime import timedelta

import uvicorn

from app import config
from app.state import open_portal
from app.web.asgi import FACTORY
from app.web.proxies import trusted_networks


def serve(*, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Remove what killed publishes and withdrawals left behind and uploads abandoned long ago,
    then serve until interrupted."""
    from datasets.leftovers import cleanup
    from datasets.uploads import remove_abandoned
    from datasets.withdraw import finish_withdrawals

    settings = config.load()
    config.require_secret_key(settings)  # refuse here, not in every worker
    trusted_networks(settings["TRUSTED_PROXIES"])  # a mistyped proxy address, likewise
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
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from app.ops.multiprocess import prepare

        prepare(portal.instance.root)  # /metrics of any worker then reports them all
    # The import string (not an app object) lets uvicorn build the app in each worker process.
    # proxy_headers=False: the app reads forwarded headers itself, from OTKRITO_TRUSTED_PROXIES
    # only (app/web/proxies.py); uvicorn's default would trust any client on 127.0.0.1.
    # uvicorn's access log is off: it would log raw paths, tokens of signed links included;
    # app/ops/request_log.py writes one line per request instead.
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers,
                lifespan="on", log_level="info", proxy_headers=False, access_log=False)


def start_scheduler(settings: dict) -> None:
    """Check scheduled sources from this process, unless `otkrito worker` processes do (queue).

    Which one is said before the server listens, so the operator (and a test) can read it."""
    from app.jobs.mode import QUEUE, jobs_mode
    from app.jobs.scheduler import SchedulerThread

    log = _operator_log()
    if jobs_mode(settings) == QUEUE:
        log.info("Sources are checked by otkrito worker (OTKRITO_JOBS=queue), not by this process")
        return
    log.info("Sources scheduler runs in this process, every %s s", settings["SOURCES_POLL_SECONDS"])
    SchedulerThread(settings).start()


def _operator_log() -> logging.Logger:
    """The portal's own log lines on stderr: uvicorn configures only its own loggers, and the
    scheduler's checks (and failures) would otherwise be lost."""
    log = logging.getLogger("otkrito")
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False  # the root logger, if someone configured it, would print it twice
    return log.getChild("sources")


def served_url(host: str, port: int) -> str:
    """The URL a browser on this machine reaches `serve(host=host, port=port)` at."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
