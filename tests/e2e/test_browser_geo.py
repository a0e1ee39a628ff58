"""Issue 16 in real Chromium: a clerk publishes a file of only EKATTE codes and a number; the map
shows on the dataset page, its embed works in an iframe of another origin (a second loopback
port) while other pages refuse to be framed, and the GeoJSON and Parquet downloads read back
with `json` and pyarrow to the CSV's values."""
from __future__ import annotations

import csv
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pyarrow.parquet as pq
import pytest

from app.state import Portal
from publishers.registry import add_publisher
from publishers.users import add_user, grant
from tests.conftest import start_server, stop_server
from tests.geo.conftest import levski_rows

PASSWORD = "correct horse battery staple"
SLUG = "naselenie"


@pytest.fixture
def portal_url(portal: Portal) -> Iterator[str]:
    """The real server on a free port, with OTKRITO_BASE_URL its own address (embed snippets use it)."""
    server = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                           "--port", "{port}", "--log-level", "warning"], ready="/sql/",
                          env={"OTKRITO_INSTANCE": str(portal.instance.root),
                               "OTKRITO_BASE_URL": "http://127.0.0.1:{port}"})
    try:
        yield server.url
    finally:
        stop_server(server)


class OtherSite:
    """Another origin on 127.0.0.1: serves one page, set by the test, at /."""

    def __init__(self) -> None:
        self.html = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(site.html)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    yield site
    site.close()


def _file(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    values = {r["ekatte"]: int(r["population"]) for r in levski_rows()}
    path = tmp_path / "население.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ekatte", "население"])
        writer.writerows(values.items())
    return path, values


def _publish_through_the_workspace(page, url: str, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/staff/")
    page.fill("#email", "clerk@levski.bg")
    page.fill("#password", PASSWORD)
    page.click("main form.stack button[type=submit]")
    page.goto(f"{url}/staff/publishers/levski/datasets/new")
    page.fill("#slug", SLUG)
    page.fill("#title_bg", "Население по населени места")
    page.fill("#title_en", "Population by settlement")
    page.click("form.dataset-form button[type=submit]")
    page.wait_for_url(f"**/staff/datasets/{SLUG}/upload")
    page.set_input_files("#file", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("a.button")
    assert "разпозната като кодове по ЕКАТТЕ" in page.inner_text("main")  # what was recognised
    page.click("a.button")  # review the schema: the EKATTE column is shown as a place
    page.wait_for_selector("form.schema-form")
    assert page.locator("select[name='f0.place']").input_value() == "ekatte"
    assert page.locator("select[name='f1.place']").input_value() == "none"
    page.fill("input[name='f1.title_en']", "Population")
    page.click("form.schema-form button[type=submit]")
    page.wait_for_selector("p.ok")
    page.click("a.button")
    page.wait_for_selector("table.preview")
    page.click("main form.stack button[type=submit]")
    page.wait_for_url("**/publish")


def test_a_clerks_ekatte_file_gets_a_map_an_embed_elsewhere_and_geojson_and_parquet(
        portal: Portal, portal_url: str, other_site: OtherSite, browser, page,  # type: ignore[no-untyped-def]
        tmp_path: Path) -> None:
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    add_user(portal.engine, "clerk@levski.bg", password=PASSWORD)
    grant(portal.engine, "clerk@levski.bg", "editor", publisher="levski")
    path, values = _file(tmp_path)
    _publish_through_the_workspace(page, portal_url, path)

    page.goto(f"{portal_url}/datasets/{SLUG}")
    figure = page.locator("figure.map img")
    figure.wait_for()
    page.wait_for_function("() => document.querySelector('figure.map img').naturalWidth > 0")
    assert "13 населени места като точки" in figure.get_attribute("alt")
    assert page.locator(".map-table tbody tr").count() == 13
    assert page.locator(".legend li").count() >= 2
    # Keyboard: Tab reaches "Embed", Enter opens it, and the snippet is there to copy.
    summary = page.locator("#map .share summary")
    summary.focus()
    page.keyboard.press("Enter")
    snippet = page.locator("#embed-map-live").input_value()
    assert snippet.startswith(f'<iframe src="{portal_url}/embed/datasets/{SLUG}/map"')

    other_site.html = (f"<!doctype html><title>Another site</title>{snippet}"
                       f'<iframe id="blocked" title="page" src="{portal_url}/datasets/{SLUG}"></iframe>').encode()
    visitor = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        errors: list[str] = []
        elsewhere = visitor.new_page()
        elsewhere.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        elsewhere.goto(other_site.url)
        embed = elsewhere.frame_locator("iframe[src$='/map']")
        embed.locator("figure.map img").wait_for()
        assert "Население по населени места" in embed.locator("h1").inner_text()
        assert "Община Левски" in embed.locator(".source").inner_text()
        loaded = [f for f in elsewhere.frames if f.url.startswith(f"{portal_url}/embed/")]
        assert loaded and loaded[0].evaluate("() => document.querySelector('figure.map img').naturalWidth") > 0
        assert loaded[0].evaluate("() => document.cookie") == "" and visitor.cookies() == []
        framed = [f for f in elsewhere.frames if f.url.startswith(f"{portal_url}/datasets/")]
        # Refused by frame-ancestors 'none': the browser says so and shows none of the page.
        assert not any("Население по населени места" in f.content() for f in framed)
        assert [e for e in errors if "frame-ancestors 'none'" in e] and \
            all("frame-ancestors 'none'" in e for e in errors), errors
    finally:
        visitor.close()

    narrow = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        small = narrow.new_page()
        small.goto(f"{portal_url}/embed/datasets/{SLUG}/map")
        small.wait_for_function("() => document.querySelector('figure.map img').naturalWidth > 0")
        assert small.evaluate("() => document.documentElement.scrollWidth") <= 320
    finally:
        narrow.close()

    page.goto(f"{portal_url}/datasets/{SLUG}")
    saved = {}
    for kind in ("geojson", "parquet"):
        with page.expect_download() as download:
            page.click(f"a[data-kind='{kind}']")
        saved[kind] = tmp_path / f"download.{kind}"
        download.value.save_as(saved[kind])
    collection = json.loads(saved["geojson"].read_text(encoding="utf-8"))
    assert {f["properties"]["ekatte"]: f["properties"]["naselenie"] for f in collection["features"]} == values
    assert all(f["geometry"]["type"] == "Point" for f in collection["features"])
    table = pq.read_table(saved["parquet"])
    assert str(table.schema.field("ekatte").type) == "string" and str(table.schema.field("naselenie").type) == "int64"
    assert dict(zip(table.column("ekatte").to_pylist(), table.column("naselenie").to_pylist())) == values
