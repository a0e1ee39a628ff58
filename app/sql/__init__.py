"""The SQL API: Datasette under /sql/ over every dataset's latest release (see `mount`)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the SQL API's index page, `/sql/` (Datasette itself is mounted by app.web)."""
    from app.sql import page

    page.init_app(app)
