"""The Flask front door: the application factory is only wiring."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app import config
from app.state import Portal, open_portal


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: defaults, then OTKRITO_* variables, then test_config."""
    settings = config.load()
    settings.update(test_config or {})
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
    from app import api, errors, interop, participation, public, staff

    # Each subsystem wires itself; order matters only in that errors come first.
    for subsystem in (errors, public, interop, staff, api, participation):
        subsystem.init_app(app)
    return app


def portal_of(app: Flask) -> Portal:
    """Return the opened instance of an app."""
    return app.extensions["otkrito"]
