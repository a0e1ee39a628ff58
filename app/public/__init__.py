"""The public site: home, catalog, dataset, release and publisher pages, downloads, crawlers."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from app import headers, i18n
from app.public import files, pages, present, reach
from app.public.freshness import build_stamp


def init_app(app: Flask) -> None:
    """Register the public pages with language, security headers and downloads."""
    app.config["PUBLIC_BUILD"] = build_stamp(Path(app.root_path))
    i18n.init_app(app)
    headers.init_app(app)
    app.add_template_global(pages.catalog_url)
    app.add_template_global(pages.facet_label)
    app.register_blueprint(pages.bp)
    files.init_app(app)
    reach.init_app(app)
    present.init_app(app)
