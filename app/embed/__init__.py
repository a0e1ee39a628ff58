"""Embeds: `/embed/` pages that any site may frame, and the pictures (SVG, PNG) of maps and charts."""
from __future__ import annotations

from flask import Flask

from app.embed import pictures, views


def init_app(app: Flask) -> None:
    """Register the embed pages and the picture downloads."""
    app.add_template_global(views.licence_of)
    app.extensions["place_map"] = views.page_map
    app.register_blueprint(views.bp)
    app.register_blueprint(pictures.bp)
