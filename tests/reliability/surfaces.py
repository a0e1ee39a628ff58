"""What the public sees of a dataset on every surface, checked in-process against the catalog.

Pages, downloads, `/sql/` (the real Datasette), feeds, the CKAN API, DCAT and the Data Package
must all show exactly the published releases, serve the latest one whole, and show nothing
of a release that is not committed.
"""
from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from flask import Flask

from app import create_app

from app.state import portal_of
from app.sql.mount import SqlApp, make_sql_app
from app.state import Portal
from datasets import catalog


@dataclass(frozen=True)
class Apps:
    """A portal's two front doors, as a server worker builds them."""

    web: Flask
    sql: SqlApp


def build_apps(instance: Path) -> Apps:
    """Build the Flask app and the SQL API over an instance, as a restarted server would."""
    web = create_app({"INSTANCE": str(instance), "DATABASE_URL": None, "SECRET_KEY": "test"})
    return Apps(web, make_sql_app(portal_of(web)))


def close_apps(apps: Apps) -> None:
    """Release what an app pair holds: catalog connections and Datasette's SQL threads."""
    portal_of(apps.web).engine.dispose()
    apps.sql.ds.executor.shutdown(wait=True)


def sql_get(app: SqlApp, url: str) -> httpx.Response:
    """GET a /sql/ URL from the in-process Datasette."""
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
            return await client.get(url)
    return asyncio.run(run())


def release_rows(database: Path, table: str) -> list[dict[str, Any]]:
    """Return a release database's rows, read straight from the file."""
    conn = sqlite3.connect(f"file:{quote(str(database))}?mode=ro&immutable=1", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(f"SELECT * FROM [{table}]")]
    finally:
        conn.close()


def _versions(pattern: str, body: str) -> set[int]:
    return {int(v) for v in re.findall(pattern, body)}


def versions_shown(apps: Apps, slug: str) -> dict[str, set[int]]:
    """Return the release versions each surface mentions for a dataset."""
    client = apps.web.test_client()
    pages = {
        "dataset page": (f"/datasets/{slug}", rf"/datasets/{slug}/releases/(\d+)"),
        "release feed": ("/feeds/releases.atom", rf"otkrito/release/{slug}/(\d+)<"),
        "dataset feed": (f"/feeds/datasets/{slug}.rss", rf"/datasets/{slug}/releases/(\d+)"),
        "ckan package_show": (f"/api/3/action/package_show?id={slug}", r"/releases/(\d+)/"),
        "dcat dataset": (f"/datasets/{slug}.ttl", r"/releases/(\d+)/"),
        "dcat catalog": ("/catalog.jsonld", rf"/datasets/{slug}/releases/(\d+)/"),
        "datapackage": (f"/datasets/{slug}/datapackage.json", r"/releases/(\d+)/"),
    }
    shown = {}
    for surface, (url, pattern) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (surface, response.status_code)
        shown[surface] = _versions(pattern, response.text)
    return shown


def assert_serves_exactly(apps: Apps, portal: Portal, slug: str) -> list[int]:
    """Assert every surface shows the catalog's releases and serves the latest published whole.

    Returns the published versions, newest first.
    """
    dataset = catalog.get_dataset(portal.engine, slug)
    releases = catalog.list_releases(portal.engine, dataset.id)
    published = [r for r in releases if r.status == "published"]
    versions = [r.version for r in published]
    latest = published[0]
    shown = versions_shown(apps, slug)
    listed = {r.version for r in releases}  # withdrawn ones show as withdrawn, not vanished
    assert shown == {**{k: {latest.version} for k in shown}, "dataset page": listed,
                     "release feed": listed, "dataset feed": listed}, shown
    client = apps.web.test_client()
    for record in latest.files:
        response = client.get(f"/datasets/{slug}/releases/{latest.version}/{record.name}")
        assert response.status_code == 200, (record.name, response.status_code)
        if record.role != "datapackage":  # served with its paths made absolute URLs
            assert hashlib.sha256(response.data).hexdigest() == record.sha256, record.name
    unknown = max(listed) + 1  # what a publish in progress would become
    assert client.get(f"/datasets/{slug}/releases/{unknown}").status_code == 404
    assert client.get(f"/datasets/{slug}/releases/{unknown}/{slug}.csv").status_code == 404
    served = sql_get(apps.sql, f"/sql/{slug}/{dataset.table_name}.json?_shape=array&_size=max")
    assert served.status_code == 200, served.text[:500]
    database = portal.instance.release_dir(slug, latest.version) / latest.file("sqlite").name
    expected = release_rows(database, dataset.table_name)
    rows = [{k: v for k, v in row.items() if k != "rowid"} for row in served.json()]
    assert sorted(rows, key=repr) == sorted(expected, key=repr)
    return versions
