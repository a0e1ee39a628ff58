"""The map on the dataset page, picture downloads, and embeds: framing, no cookies, no scripts."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.cli.demo import seed
from app.state import open_portal
from tests.conftest import publish_rows

SETTLEMENTS = "/datasets/naseleni-mesta-v-obshtina-levski"
EMBED = "/embed/datasets/naseleni-mesta-v-obshtina-levski/map"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("embed") / "instance"
    portal = open_portal({"INSTANCE": str(instance), "DATABASE_URL": None})
    list(seed(portal))
    publish_rows(portal, "old-style", [{"ekatte": "00761", "population": 1317}])  # no datapackage, no copies
    portal.engine.dispose()
    return create_app({"INSTANCE": str(instance), "TESTING": True})


def test_the_settlements_page_shows_the_map_its_legend_table_and_embed_snippets(app: Flask) -> None:
    page = app.test_client().get(SETTLEMENTS).text
    assert 'id="map-title"' in page and "/pictures/naseleni-mesta-v-obshtina-levski/1/map-bare.svg" in page
    assert "13 населени места като точки" in page and "Левски (9\u00a0601)" in page  # the text alternative
    assert page.count('<th scope="row">Асеновци</th>') == 1  # the table beside the map
    assert '<iframe src="http://127.0.0.1:8000/embed/datasets/naseleni-mesta-v-obshtina-levski/map"' in page
    assert "/embed/datasets/naseleni-mesta-v-obshtina-levski/releases/1/map" in page
    assert 'data-kind="geojson"' in page and 'data-kind="parquet"' in page


def test_the_reader_chooses_the_number_column_and_bad_choices_get_a_bilingual_400(app: Flask) -> None:
    client = app.test_client()
    chosen = client.get(SETTLEMENTS + "?measure=area&lang=en").text
    assert "coloured by area" in chosen and "map-bare.svg?measure=area" in chosen
    bad_bg = client.get(SETTLEMENTS + "?measure=name_bg&lang=bg")
    assert bad_bg.status_code == 400 and "не е числова колона" in bad_bg.text
    bad_en = client.get(SETTLEMENTS + "?measure=%3Cscript%3E&lang=en")
    assert bad_en.status_code == 400 and "is not a number column" in bad_en.text and "<script>" not in bad_en.text
    assert client.get("/pictures/naseleni-mesta-v-obshtina-levski/1/map.png?measure=nope").status_code == 400


def test_only_embed_routes_may_be_framed_by_any_origin(app: Flask) -> None:
    client = app.test_client()
    for url in (EMBED, "/embed/datasets/byudzhet-na-obshtina-levski/releases/1/charts/budget-function"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert "frame-ancestors *" in answer.headers["Content-Security-Policy"]
        assert "script-src 'none'" in answer.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in answer.headers
    for url in ("/", SETTLEMENTS, "/datasets", "/pictures/naseleni-mesta-v-obshtina-levski/1/map.svg"):
        answer = client.get(url)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], url
        assert answer.headers["X-Frame-Options"] == "DENY"


def test_an_embed_has_title_source_licence_and_link_back_and_no_cookie_or_script(app: Flask) -> None:
    for url in (EMBED + "?lang=en", EMBED.replace("/map", "/releases/1/map")):
        answer = app.test_client().get(url)
        assert "Set-Cookie" not in answer.headers
        body = answer.text
        assert "<script" not in body and "Settlements of the Municipality of Levski" in body or \
            "Населени места в Община Левски" in body
        assert 'rel="license noopener"' in body and 'href="http://127.0.0.1:8000/datasets/naseleni-mesta' in body
        assert "/pictures/naseleni-mesta-v-obshtina-levski/1/map-bare.svg" in body
        assert not any(f'src="{scheme}' in body for scheme in ("http:", "https:", "//"))  # nothing from elsewhere


def test_pictures_download_as_png_and_svg_in_the_readers_language(app: Flask) -> None:
    client = app.test_client()
    png = client.get("/pictures/naseleni-mesta-v-obshtina-levski/1/map.png?lang=en")
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n" and "attachment" in png.headers["Content-Disposition"]
    svg = client.get("/pictures/naseleni-mesta-v-obshtina-levski/1/map.svg?lang=en")
    root = ET.fromstring(svg.data)
    assert root.tag.endswith("svg") and "Map: Settlements of the Municipality of Levski" in svg.text
    chart = client.get("/pictures/byudzhet-na-obshtina-levski/2/chart-budget-function.svg?lang=bg")
    assert ET.fromstring(chart.data).tag.endswith("svg") and "План и изпълнение по функции" in chart.text
    assert client.get("/pictures/byudzhet-na-obshtina-levski/2/map.svg").status_code == 404  # no places


def test_a_release_from_before_places_still_has_its_page_and_no_map(app: Flask) -> None:
    page = app.test_client().get("/datasets/old-style")
    assert page.status_code == 200 and 'id="map-title"' not in page.text
    assert app.test_client().get("/embed/datasets/old-style/map").status_code == 404


def test_the_reference_data_ships_inside_the_package() -> None:
    import metadata.geography as geography

    folder = Path(geography.__file__).with_name("reference")
    assert {"bg-settlement-points.csv", "bg-municipalities.geojson", "README.md"} <= {p.name for p in folder.iterdir()}
    setup = (Path(__file__).resolve().parents[2] / "setup.cfg").read_text(encoding="utf-8")
    assert "reference/*.csv, reference/*.geojson" in setup and "pyarrow" in setup


def test_no_tile_server_by_default_and_an_optional_one_adds_a_base_map(app: Flask) -> None:
    plain = app.test_client().get(SETTLEMENTS)
    assert "tiles.example.org" not in plain.text and "img-src 'self' data:;" in plain.headers["Content-Security-Policy"]
    tiled = create_app({"INSTANCE": app.config["OTKRITO"]["INSTANCE"], "TESTING": True,
                        "MAP_TILES": "https://tiles.example.org/{z}/{x}/{y}.png",
                        "MAP_TILES_ATTRIBUTION": "© OpenStreetMap contributors"})
    for url in (SETTLEMENTS, EMBED):
        answer = tiled.test_client().get(url)
        assert "img-src 'self' data: https://tiles.example.org;" in answer.headers["Content-Security-Policy"], url
        assert '<svg class="map-tiles"' in answer.text and "Основна карта: © OpenStreetMap contributors" in answer.text
    # The tile under the town of Levski (43.36 N, 25.14 E) at the chosen zoom is among those loaded.
    page = tiled.test_client().get(SETTLEMENTS).text
    zoom = int(page.split("https://tiles.example.org/")[1].split("/")[0])
    import math
    x = int((25.14 + 180) / 360 * 2 ** zoom)
    y = int((1 - math.asinh(math.tan(math.radians(43.36))) / math.pi) / 2 * 2 ** zoom)
    assert f"https://tiles.example.org/{zoom}/{x}/{y}.png" in page


def test_the_municipality_uri_of_dct_spatial_answers_with_its_boundary(app: Flask) -> None:
    answer = app.test_client().get("/places/municipalities/PVN16")
    feature = answer.get_json(force=True)
    assert answer.mimetype == "application/geo+json" and feature["properties"]["name"] == "Община Левски"
    assert feature["geometry"]["type"] == "MultiPolygon"
    missing = app.test_client().get("/places/municipalities/XXX99?lang=en")
    assert missing.status_code == 404 and "no municipality with the code" in missing.text
