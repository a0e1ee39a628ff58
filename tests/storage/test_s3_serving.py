"""Serving from S3-compatible storage: a node with an empty cache serves every surface, and a
store that stops is a clear bilingual error, never a 500 and never a half-published release."""
from __future__ import annotations

import asyncio
import hashlib
import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from app.sql.mount import SqlApp, make_sql_app
from app.state import Portal, portal_of
from datasets import catalog
from datasets.leftovers import cleanup
from metadata.errors import StorageUnavailable
from metadata.messages import text
from metadata.records import Release
from publishers.registry import get_publisher
from publishers.tokens import create_token
from publishers.users import add_user, grant
from tests.conftest import start_server, stop_server
from tests.storage.conftest import H1, Q1, S3World, publish_file, seed

DOWN = text("storage.unreachable")


def latest(portal: Portal) -> Release:
    release = catalog.latest_release(portal.engine, catalog.get_dataset(portal.engine, "budget").id)
    assert release is not None
    return release


def sql_get(app: SqlApp, url: str) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as c:
            return await c.get(url)
    return asyncio.run(run())


def test_a_node_with_an_empty_cache_serves_every_surface_of_the_release(s3: S3World) -> None:
    seed(a := s3.open("node-a"))
    publish_file(a)
    release = latest(a)
    app = s3.app("node-b")
    assert not (s3.tmp_path / "node-b" / "releases" / "budget").exists()
    client = app.test_client()
    page = client.get("/datasets/budget")
    assert page.status_code == 200 and "Бюджет на община Левски" in page.text
    assert client.get("/datasets/budget/releases/1").status_code == 200
    # (datapackage.json is served with its paths made absolute: its own route, below)
    for record in (f for f in release.files if f.role != "datapackage"):
        download = client.get(f"/datasets/budget/releases/1/{record.name}")
        assert download.status_code == 200, record.name
        assert hashlib.sha256(download.data).hexdigest() == record.sha256
    package = client.get("/datasets/budget/datapackage.json").json
    assert package["resources"][0]["path"] == \
        "http://portal.test/datasets/budget/releases/1/budget.csv"
    rows = client.get("/datasets/budget/releases/1/budget.json").json
    assert len(rows) == release.row_count
    xlsx = client.get("/datasets/budget/releases/1/budget.xlsx").data
    sheet = load_workbook(io.BytesIO(xlsx), read_only=True).active
    assert len(list(sheet.iter_rows())) == release.row_count + 1  # the header, every row
    assert "budget/releases/1" in client.get("/feeds/releases.atom").text
    assert "budget" in client.get("/catalog.ttl").text
    table = sql_get(make_sql_app(portal_of(app)), "/sql/budget/budget.json?_shape=array")
    assert table.status_code == 200 and len(table.json()) == release.row_count


def test_the_real_server_on_an_empty_cache_serves_page_download_package_and_sql(
        s3: S3World) -> None:
    seed(a := s3.open("node-a"))
    publish_file(a)
    record = latest(a).file("data")
    assert record is not None
    server = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host",
                           "127.0.0.1", "--port", "{port}", "--log-level", "warning"],
                          env={"OTKRITO_INSTANCE": str(s3.tmp_path / "node-c"),
                               "OTKRITO_SECRET_KEY": "test"}, ready="/sql/")
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert http.get("/datasets/budget").status_code == 200
            download = http.get(f"/datasets/budget/releases/1/{record.name}")
            assert hashlib.sha256(download.content).hexdigest() == record.sha256
            assert http.get("/datasets/budget/datapackage.json").json()["name"] == "budget"
            rows = http.get("/sql/budget/budget.json?_shape=array").json()
            assert len(rows) == latest(a).row_count
    finally:
        stop_server(server)


def test_a_corrupted_cached_download_is_fetched_again_before_it_is_served(s3: S3World) -> None:
    seed(a := s3.open("node-a"))
    publish_file(a)
    record = latest(a).file("data")
    assert record is not None
    client = s3.app("node-b").test_client()
    assert client.get(f"/datasets/budget/releases/1/{record.name}").status_code == 200
    cached = s3.tmp_path / "node-b" / "releases" / "budget" / "1" / record.name
    cached.write_bytes(cached.read_bytes().replace(b"2026", b"2027"))
    served = client.get(f"/datasets/budget/releases/1/{record.name}").data
    assert hashlib.sha256(served).hexdigest() == record.sha256


def test_a_stopped_store_is_a_503_in_both_languages_for_downloads_pages_and_sql(
        own_s3: S3World) -> None:
    seed(a := own_s3.open("node-a"))
    publish_file(a)
    app = own_s3.app("node-b")  # nothing cached yet
    sql = make_sql_app(portal_of(app))
    own_s3.server.stop()
    client = app.test_client()
    download = client.get("/datasets/budget/releases/1/budget.csv")
    assert download.status_code == 503
    assert DOWN.bg in download.text and DOWN.en not in download.text  # the page's language
    problem = client.get("/datasets/budget/releases/1/budget.csv",
                         headers={"Accept": "application/json"})
    assert (problem.status_code, problem.json["title"], problem.json["title_bg"]) == \
        (503, DOWN.en, DOWN.bg)
    release_page = client.get("/datasets/budget/releases/1")  # it lists the export sizes
    assert (release_page.status_code, DOWN.bg in release_page.text) == (503, True)
    table = sql_get(sql, "/sql/budget/budget.json")
    assert (table.status_code, table.text) == (503, f"{DOWN.bg} / {DOWN.en}")


def _stop_after_first_object(world: S3World) -> Any:
    def on_progress(stage: str, done: int = 0) -> None:
        if stage == "store" and done == 1:
            world.server.stop()  # one object of the release reached the store, the rest never
    return on_progress


def test_the_store_stopping_during_a_publish_leaves_nothing_partial_served(own_s3: S3World) -> None:
    seed(a := own_s3.open("node-a"))
    publish_file(a)
    first = own_s3.keys()
    with pytest.raises(StorageUnavailable) as failed:
        publish_file(a, H1, on_progress=_stop_after_first_object(own_s3))
    assert (failed.value.text.bg, failed.value.text.en) == (DOWN.bg, DOWN.en)
    assert [r.version for r in catalog.list_releases(a.engine, latest(a).dataset_id)] == [1]
    assert not (a.instance.root / "releases" / "budget" / "2").exists()
    assert list(a.instance.tmp.iterdir()) == []
    own_s3.server.start(keep_ports=True)
    orphans = sorted(set(own_s3.keys()) - set(first))
    assert [k.rsplit("/", 1)[0] for k in orphans] == ["releases/budget/2"]  # the one object
    client = own_s3.app("node-b").test_client()
    assert client.get("/datasets/budget/releases/2").status_code == 404
    assert client.get(f"/datasets/budget/releases/2/{orphans[0].rsplit('/', 1)[1]}").status_code == 404
    rows = sql_get(make_sql_app(own_s3.open("node-b")), "/sql/budget/budget.json?_shape=array")
    assert len(rows.json()) == latest(a).row_count  # release 1, whole
    cleanup(own_s3.open("restarted").instance, a.engine)
    assert own_s3.keys() == first
    assert publish_file(a, H1).version == 2  # and publishing works again


def test_an_api_upload_while_the_store_is_down_is_a_503_problem_in_both_languages(
        own_s3: S3World) -> None:
    seed(a := own_s3.open("node-a"))
    editor = add_user(a.engine, "editor@levski.bg", password="correct horse battery staple")
    grant(a.engine, editor.email, "editor", publisher="levski")
    _token, secret = create_token(a.engine, publisher_id=get_publisher(a.engine, "levski").id,
                                  user_id=editor.id, name="ci", actor="test")
    client = own_s3.app("node-a").test_client()
    own_s3.server.stop()
    with H1.open("rb") as sent:
        response = client.post("/api/v1/datasets/budget/releases",
                               headers={"Authorization": f"Bearer {secret}"},
                               data={"file": (sent, "h1.csv")})
    assert (response.status_code, response.json["title"], response.json["title_bg"]) == \
        (503, DOWN.en, DOWN.bg)
    assert list((a.instance.root / "uploads").iterdir()) == []  # no half-kept upload
    assert catalog.list_releases(a.engine, catalog.get_dataset(a.engine, "budget").id) == []


def test_an_upload_stored_by_one_node_is_published_by_another(s3: S3World) -> None:
    from datasets import uploads

    seed(a := s3.open("node-a"))
    with Q1.open("rb") as stream:
        job = uploads.store_upload(a.instance, a.engine, stream, dataset="budget", user_id=None,
                                   original_name="q1.csv", options={})
    assert s3.keys() == [f"uploads/{job.stored_name}"]
    b = s3.open("node-b")  # another worker, with nothing on its disk
    assert uploads.check_job(b.instance, b.engine, job.id, actor="test").valid
    done = uploads.publish_job(b.instance, b.engine, job.id, notes="", actor="test")
    assert (done.state, done.version) == ("published", 1)
    assert not any(k.startswith("uploads/") for k in s3.keys())  # published: the upload goes
    assert hashlib.sha256(Q1.read_bytes()).hexdigest() == latest(b).file("source").sha256  # type: ignore[union-attr]

