"""One ASGI app for the whole portal: Datasette under /sql/, the Flask app everywhere else."""
from __future__ import annotations

import sys
from functools import partial
from typing import Any

from a2wsgi import WSGIMiddleware

from app import create_app
from app.asgi_types import ASGIApp, Receive, Scope, Send
from app.headers import secured
from app.jobs.mode import QUEUE, THREADS, jobs_mode
from app.ops import routes
from app.ops.middleware import observed
from app.participation.usage import count_sql_call
from app.sql.mount import PREFIX, collapse_slashes, lifespan, make_sql_app
from app.state import portal_of
from app.web.buffering import buffered
from app.web.cache import revalidating
from app.web.proxies import behind_proxies
from metadata.errors import NotReady

FACTORY = "app.web.asgi:factory"


def is_sql(path: str) -> bool:
    """Tell whether a path belongs to Datasette's side of the SQL API.

    The index page `/sql/` is a portal page (app/sql/page.py), served by Flask.
    """
    return path == PREFIX or (path.startswith(PREFIX + "/") and path != PREFIX + "/")


def create_asgi(test_config: dict[str, Any] | None = None, *, background: bool = False) -> ASGIApp:
    """Build the portal's ASGI app from the same settings as create_app.

    `background` (the server's factory) also starts subscribers' mail in this process, unless
    the cluster's `otkrito worker` processes send it (OTKRITO_JOBS=queue).
    """
    flask_app = create_app(test_config)
    routes.init_app(flask_app)  # tells the request log and metrics which route answered
    if background and jobs_mode(portal_of(flask_app).settings) == THREADS:
        from app.follow import background as mail

        mail.start(portal_of(flask_app))
    sql_app = make_sql_app(portal_of(flask_app))
    sql_app.on_call = partial(count_sql_call, flask_app.extensions["usage_tally"])
    sql = secured(sql_app)
    # Flask runs in a2wsgi's threads: slow clients are served from the event loop (whole
    # request bodies in, responses spooled out) so they never hold one of those threads.
    web = buffered(WSGIMiddleware(flask_app), max_bytes=flask_app.config["MAX_CONTENT_LENGTH"])
    # Public pages render once per version of the catalog; every copy is revalidated.
    web = revalidating(web)

    async def portal(scope: Scope, receive: Receive, send: Send) -> None:
        # Neither Flask (behind a2wsgi) nor our Datasette needs start-up work: just answer.
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1000})
            return
        scope = collapse_slashes(scope)
        target = sql if is_sql(scope["path"]) else web
        await target(scope, receive, send)

    # /healthz, /readyz, /metrics, and every request counted and logged, /sql/ too.
    observed_portal = observed(portal, portal_of(flask_app), is_sql=is_sql,
                               queue=jobs_mode(portal_of(flask_app).settings) == QUEUE)
    # Outermost: everything below, /metrics' loopback check and the request log included, sees
    # the client's address and scheme as a trusted proxy forwarded them.
    return behind_proxies(observed_portal, portal_of(flask_app).settings["TRUSTED_PROXIES"])


def factory() -> ASGIApp:
    """Build the app from OTKRITO_* settings (uvicorn app.web.asgi:factory --factory).

    A portal that cannot start (no shared secret key, a catalog not migrated or not reachable)
    says why in both languages and exits with status 1, not with a traceback.
    """
    try:
        return create_asgi(background=True)
    except NotReady as error:
        print(f"{error.text.bg}\n{error.text.en}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
