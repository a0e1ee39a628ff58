"""The process-wide handles the web app and the CLI share: instance paths and catalog engine."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from datasets.instance import Instance
from publishers.store import connect, is_sqlite, migrate, require_current_schema


@dataclass(frozen=True)
class Portal:
    """An opened instance."""

    instance: Instance
    engine: Engine
    settings: dict[str, Any]


def open_portal(settings: dict[str, Any], *, create: bool = True) -> Portal:
    """Open the instance the settings name; by default create it.

    An SQLite catalog (the default, in the instance) is migrated whenever it is created or
    opened. A catalog on a database server is shared by every node: no node migrates it at
    start (`otkrito migrate` does, once per deploy), and each refuses to start unless its
    schema is at the newest migration.
    """
    instance = Instance.at(settings["INSTANCE"], settings.get("DATABASE_URL"),
                           settings.get("STORAGE_URL"), settings.get("STORAGE_CACHE_MB"))
    if create:
        instance.ensure()
    instance.storage  # a bad OTKRITO_STORAGE_URL stops start-up here, not at a first download
    engine = connect(instance.catalog_url)
    try:
        if not is_sqlite(instance.catalog_url):
            require_current_schema(engine)
        elif create:
            migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Portal(instance, engine, settings)


def portal_of(app: Flask) -> Portal:
    """Return the opened instance of an app."""
    return app.extensions["otkrito"]


def current_portal() -> Portal:
    """Return the opened instance of the app handling this request."""
    return portal_of(current_app)
