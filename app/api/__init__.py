"""The publishing API under /api/v1/ (token-authenticated) and its OpenAPI document."""
from __future__ import annotations

from flask import Flask

from app.api import webhooks  # noqa: F401 (its views join the API's blueprint)
from app.api.views import bp
from app.staff.auth import csrf


def init_app(app: Flask) -> None:
    """Register the publishing API (token-authenticated: no cookies, so no CSRF tokens)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
