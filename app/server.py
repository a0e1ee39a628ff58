"""Run the portal under uvicorn."""
from __future__ import annotations

import uvicorn

from app import config
from app.asgi import FACTORY
from app.state import open_portal


def serve(*, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Remove what killed publishes left behind, then serve until interrupted."""
    from datasets.publish import cleanup

    portal = open_portal(config.load())
    try:
        cleanup(portal.instance, portal.engine)
    finally:
        portal.engine.dispose()
    # The import string (not an app object) lets uvicorn build the app in each worker process.
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers,
                lifespan="on", log_level="info")
