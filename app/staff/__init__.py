"""The staff workspace under /staff/: sign-in, dataset forms, uploads, administration."""
from __future__ import annotations

from flask import Flask

# The views register themselves on the workspace blueprint when imported.
from app.staff import admin, auth, bulk, bulk_metadata, egov, forms, i18n, sources, uploads, webhooks  # noqa: F401
from app.staff.workspace import bp


def init_app(app: Flask) -> None:
    """Register the workspace: sign-in, datasets, uploads, administration."""
    i18n.init_app(app)
    auth.init_app(app)
    app.register_blueprint(bp)
    admin.init_public(app)
