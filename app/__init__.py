"""The Flask front door: the application factory is only wiring, one `init_app` per part."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app import config, errors
from app.jobs.mode import jobs_mode
from app.state import open_portal


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: defaults, then OTKRITO_* variables, then test_config."""
    # Imported here, not at the top: the CLI imports app.config and app.state without
    # loading every view.
    from app import api, embed, follow, impact, interop, participation, public, sql, staff

    settings = config.load()
    settings.update(test_config or {})
    config.require_secret_key(settings)  # before anything starts: a node of a shared catalog
    jobs_mode(settings)  # an impossible OTKRITO_JOBS stops start-up, not a first upload
    portal = open_portal(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key(Path(settings["INSTANCE"]), settings["SECRET_KEY"]),
        MAX_CONTENT_LENGTH=settings["MAX_UPLOAD_MB"] * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        OTKRITO=settings,
    )
    app.extensions["otkrito"] = portal
    # Each part wires itself; order matters only in that errors come first.
    for part in (errors, public, embed, interop, staff, api, participation, follow, impact, sql):
        part.init_app(app)
    return app
