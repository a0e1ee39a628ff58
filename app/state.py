"""The process-wide handles the web app and the CLI share: instance paths and catalog engine."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from datasets.instance import Instance
from publishers.store import connect, migrate


@dataclass(frozen=True)
class Portal:
    """An opened instance."""

    instance: Instance
    engine: Engine
    settings: dict[str, Any]


def open_portal(settings: dict[str, Any], *, create: bool = True) -> Portal:
    """Open (and, by default, create and migrate) the instance the settings name."""
    instance = Instance.at(settings["INSTANCE"], settings.get("DATABASE_URL"),
                           settings.get("STORAGE_URL"), settings.get("STORAGE_CACHE_MB"))
    if create:
        instance.ensure()
    instance.storage  # a bad OTKRITO_STORAGE_URL stops start-up here, not at a first download
    engine = connect(instance.catalog_url)
    if create:
        migrate(engine)
    return Portal(instance, engine, settings)


def portal_of(app: Flask) -> Portal:
    """Return the opened instance of an app."""
    return app.extensions["otkrito"]


def current_portal() -> Portal:
    """Return the opened instance of the app handling this request."""
    return portal_of(current_app)
