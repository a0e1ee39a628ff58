"""Interoperability: Atom/RSS feeds, DCAT-AP, the CKAN-compatible API and schema.org JSON-LD."""
from __future__ import annotations

from flask import Flask

from app.interop import ckan, dcat, feeds, links


def init_app(app: Flask) -> None:
    """Register feeds, DCAT-AP, the CKAN API, autodiscovery links and the JSON-LD helper."""
    for module in (feeds, dcat, ckan):
        app.register_blueprint(module.bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:  # the CKAN API takes read-only POSTs with JSON bodies, as CKAN does
        csrf.exempt(ckan.bp)
    app.extensions.setdefault("alternates", []).append(links.alternates)
    app.extensions["jsonld"] = lambda slug: dcat.jsonld_for(app, slug)
