"""Public pages on the demo content: what each shows, downloads, caching, crawlers, errors, safety."""
from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app import create_app
from app.cli.demo import seed
from app.state import open_portal, portal_of
from datasets import catalog

BUDGET = "byudzhet-na-obshtina-levski"
DECISIONS = "resheniya-na-obshtinski-savet-levski"
INDICATORS = "indikatori-na-plana-za-razvitie"
SETTLEMENTS = "naseleni-mesta-v-obshtina-levski"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("pages") / "instance"
    portal = open_portal({"INSTANCE": str(instance), "DATABASE_URL": None})
    list(seed(portal))
    portal.engine.dispose()
    built = create_app({"INSTANCE": str(instance), "TESTING": True})

    @built.get("/_test/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail /etc/passwd")

    return built


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def release_file(app: Flask, slug: str, version: int, role: str) -> Path:
    portal = portal_of(app)
    release = catalog.get_release(portal.engine, catalog.get_dataset(portal.engine, slug), version)
    record = release.file(role)
    assert record is not None
    return portal.instance.release_dir(slug, version) / record.name


def test_home_shows_counts_key_datasets_latest_releases_and_a_search_box(client: FlaskClient) -> None:
    page = client.get("/?lang=en").text
    # The demo's four datasets and the impact figures made from them (docs/impact.md).
    assert re.search(r"<strong>5</strong> datasets", page)
    assert re.search(r"<strong>6</strong> releases", page)
    assert 'action="/datasets"' in page and 'type="search"' in page
    for slug in (BUDGET, DECISIONS, INDICATORS):
        assert f'href="/datasets/{slug}"' in page
    assert f'href="/datasets/{BUDGET}/releases/2"' in page
    assert "sample data" in page


def test_catalog_search_lists_matches_with_facet_counts(client: FlaskClient) -> None:
    page = client.get("/datasets?q=byudzhet&lang=en").text
    assert "1 dataset found" in page
    assert f'href="/datasets/{BUDGET}"' in page and f'href="/datasets/{DECISIONS}"' not in page
    assert re.search(r"Economy and finance <span class=\"count\">\(1\)</span>", page)


def test_a_facet_link_narrows_the_catalog_and_can_be_removed(client: FlaskClient) -> None:
    everything = client.get("/datasets?lang=en").text
    link = re.search(r'href="(/datasets\?publisher=obshtinski-savet-levski)"', everything)
    assert link is not None
    narrowed = client.get(link.group(1).replace("&amp;", "&")).text
    assert "1 dataset found" in narrowed and f'href="/datasets/{DECISIONS}"' in narrowed
    assert 'aria-current="true"' in narrowed and 'href="/datasets"' in narrowed


def test_catalog_sorts_by_title_and_ignores_nonsense_parameters(client: FlaskClient) -> None:
    page = client.get("/datasets?sort=title&page=abc&lang=en").text
    titles = re.findall(r'<h3><a href="/datasets/([a-z-]+)">', page)
    assert titles == [BUDGET, DECISIONS, "vazdeystvie-na-portala", INDICATORS, SETTLEMENTS]  # "Impact of the portal"
    assert client.get("/datasets?sort=evil&page=-3").status_code == 200


def test_dataset_page_has_metadata_dictionary_preview_downloads_history_and_citation(client: FlaskClient) -> None:
    page = client.get(f"/datasets/{BUDGET}?lang=en").text
    assert "Sample data." in page and "Creative Commons Attribution 4.0" in page
    assert '<th scope="row"><code>ebk_paragraph</code></th>' in page  # data dictionary
    assert "one of: year, Q1" in page and "required" in page
    assert '<caption id="preview-caption">The first 10 rows of 16</caption>' in page
    assert '<th scope="col">EBK paragraph</th>' in page
    for name in (f"{BUDGET}.csv", f"{BUDGET}.json", f"{BUDGET}.xlsx", f"{BUDGET}-v2.zip"):
        assert f'href="/datasets/{BUDGET}/releases/2/{name}"' in page
    assert re.search(r'<td class="num">[\d.,]+ (KB|B)</td>', page)
    assert f'href="/sql/{BUDGET}/byudzhet_na_obshtina_levski"' in page
    assert "Изпълнение към 31.03.2026 г." in page  # notes of version 1 in the history
    assert "How to cite" in page and f"/datasets/{BUDGET}/releases/2." in page


def test_csv_download_is_the_release_file_byte_for_byte(app: Flask, client: FlaskClient) -> None:
    response = client.get(f"/datasets/{BUDGET}/releases/1/{BUDGET}.csv")
    assert response.status_code == 200
    assert response.data == release_file(app, BUDGET, 1, "data").read_bytes()
    assert "immutable" in response.headers["Cache-Control"]


def test_json_export_has_every_row_of_the_release_database(app: Flask, client: FlaskClient) -> None:
    response = client.get(f"/datasets/{DECISIONS}/releases/1/{DECISIONS}.json")
    rows = json.loads(response.data)
    with sqlite3.connect(release_file(app, DECISIONS, 1, "sqlite")) as db:
        db.row_factory = sqlite3.Row
        expected = [dict(r) for r in db.execute("select * from resheniya_na_obshtinski_savet_levski")]
    assert rows == expected
    assert response.headers["Content-Disposition"] == f'attachment; filename="{DECISIONS}-v1.json"'


def test_xlsx_export_opens_as_a_workbook_with_header_and_rows(client: FlaskClient) -> None:
    response = client.get(f"/datasets/{SETTLEMENTS}/releases/1/{SETTLEMENTS}.xlsx")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("ekatte", "municipality", "name_bg", "name_en", "area", "population")
    assert len(rows) == 14 and "Асеновци" in rows[1]


def test_only_files_the_catalog_lists_can_be_downloaded(client: FlaskClient) -> None:
    assert client.get(f"/datasets/{BUDGET}/releases/1/../../../catalog.db").status_code == 404
    assert client.get(f"/datasets/{BUDGET}/releases/1/secret_key").status_code == 404
    assert client.get(f"/datasets/{BUDGET}/releases/9/{BUDGET}.json").status_code == 404


@pytest.mark.parametrize("slug, keys", [
    (BUDGET, ["budget-function", "budget-period"]),
    (DECISIONS, ["decisions-session"]),
    (INDICATORS, [f"indicator-{n}" for n in range(1, 6)]),
    (SETTLEMENTS, []),
])
def test_profile_datasets_get_charts_with_a_table_of_the_same_figures(client: FlaskClient, slug: str,
                                                                      keys: list[str]) -> None:
    page = client.get(f"/datasets/{slug}").text
    assert re.findall(r'<figure class="chart" id="([\w-]+)">', page) == keys
    assert page.count('<details class="chart-table">') == len(keys)
    assert ('src="/vendor/chart.umd.min.js"' in page) == bool(keys)
    for blob in re.findall(r"data-chart='([^']*)'", page):
        data = json.loads(blob.replace("&#34;", '"').replace("&amp;", "&"))
        assert data["series"] and all(len(s["values"]) == len(data["labels"]) for s in data["series"])


def test_budget_chart_compares_plan_and_execution_per_period_across_releases(client: FlaskClient) -> None:
    page = client.get(f"/datasets/{BUDGET}?lang=en").text
    table = page[page.index('id="budget-period"'):]
    assert table.index("2026 Q1") < table.index("2026 H1")
    assert "Executed" in table and "Plan" in table


def test_release_page_lists_notes_counts_checksums_and_downloads(app: Flask, client: FlaskClient) -> None:
    page = client.get(f"/datasets/{BUDGET}/releases/1?lang=en").text
    csv = release_file(app, BUDGET, 1, "data")
    assert "Изпълнение към 31.03.2026 г." in page
    assert "<dd>16</dd>" in page
    from datasets.files import sha256_of
    assert sha256_of(csv) in page


def test_publisher_page_lists_its_datasets_and_latest_releases(client: FlaskClient) -> None:
    page = client.get("/publishers/obshtina-levski?lang=en").text
    assert "Municipality of Levski" in page
    assert f'href="/datasets/{BUDGET}"' in page and f'href="/datasets/{DECISIONS}"' not in page
    assert f'href="/datasets/{BUDGET}/releases/2"' in page


@pytest.mark.parametrize("path", ["/", "/datasets?q=бюджет", f"/datasets/{BUDGET}",
                                  f"/datasets/{BUDGET}/releases/1", "/publishers/obshtina-levski",
                                  "/sitemap.xml"])
def test_unchanged_pages_answer_conditional_requests_with_304(client: FlaskClient, path: str) -> None:
    first = client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path + ("&" if "?" in path else "?") + "lang=en",
                      headers={"If-None-Match": etag}).status_code == 200


def test_a_metadata_edit_changes_the_etag(app: Flask, client: FlaskClient) -> None:
    from datetime import datetime, timedelta, timezone

    from publishers.store import datasets

    etag = client.get("/").headers["ETag"]
    with portal_of(app).engine.begin() as conn:
        conn.execute(datasets.update().where(datasets.c.slug == SETTLEMENTS).values(
            updated_at=datetime.now(timezone.utc) + timedelta(minutes=1)))
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 200


def test_sitemap_and_robots_point_crawlers_at_every_page(client: FlaskClient) -> None:
    sitemap = client.get("/sitemap.xml").text
    for path in ("/datasets", f"/datasets/{BUDGET}", f"/datasets/{BUDGET}/releases/1",
                 "/publishers/obshtina-levski"):
        assert f"<loc>http://127.0.0.1:8000{path}</loc>" in sitemap
    assert 'hreflang="en"' in sitemap
    robots = client.get("/robots.txt").text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots and "Disallow: /staff/" in robots


def test_pages_carry_a_canonical_link_and_language_alternates(client: FlaskClient) -> None:
    page = client.get(f"/datasets/{BUDGET}?lang=en").text
    assert f'<link rel="canonical" href="http://127.0.0.1:8000/datasets/{BUDGET}?lang=en">' in page
    assert f'<link rel="alternate" hreflang="bg" href="http://127.0.0.1:8000/datasets/{BUDGET}">' in page


@pytest.mark.parametrize("lang, text", [("bg", "Грешка 404"), ("en", "Error 404")])
def test_missing_pages_get_a_friendly_404_in_the_visitors_language(client: FlaskClient, lang: str,
                                                                   text: str) -> None:
    for path in ("/no-such-page", "/datasets/no-such-dataset", "/publishers/nobody"):
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 404 and text in response.text
        assert 'role="search"' in response.text
    assert ("Страницата не е намерена." if lang == "bg" else "The page was not found.") in response.text \
        or "nobody" in response.text


def test_a_crash_gives_a_bilingual_500_page_without_a_traceback(client: FlaskClient) -> None:
    for lang, text in (("en", "The portal hit an error"), ("bg", "Възникна грешка в портала")):
        page = client.get(f"/_test/boom?lang={lang}")
        assert page.status_code == 500 and text in page.text
        assert "Traceback" not in page.text and "secret detail" not in page.text


def test_markup_in_metadata_is_shown_as_text(app: Flask, client: FlaskClient) -> None:
    from publishers.store import datasets

    with portal_of(app).engine.begin() as conn:
        conn.execute(datasets.update().where(datasets.c.slug == SETTLEMENTS).values(
            title_en='<script>alert(1)</script><img src=x onerror=alert(2)>',
            keywords=['"><svg onload=alert(3)>']))
    for path in (f"/datasets/{SETTLEMENTS}?lang=en", "/datasets?lang=en", "/?lang=en",
                 "/publishers/obshtina-levski?lang=en"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<svg onload" not in page


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    for path in ("/", "/datasets", f"/datasets/{BUDGET}", f"/datasets/{BUDGET}/releases/1",
                 "/publishers/obshtina-levski", "/missing"):
        page = client.get(path).text
        scripts = re.findall(r"<script([^>]*)>", page)
        assert all("src=" in attrs or 'type="application/ld+json"' in attrs for attrs in scripts)
        assert " style=" not in page and "<style" not in page and " on" + "click=" not in page


def test_schema_org_json_ld_is_embedded_when_the_interoperability_layer_offers_it(app: Flask) -> None:
    original = app.extensions.get("jsonld")
    app.extensions["jsonld"] = lambda slug: json.dumps({"@type": "Dataset", "name": f"x</script>{slug}"})
    try:
        page = app.test_client().get(f"/datasets/{BUDGET}").text
    finally:
        if original is None:
            app.extensions.pop("jsonld")
        else:
            app.extensions["jsonld"] = original
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block is not None
    assert json.loads(block.group(1)) == {"@type": "Dataset", "name": f"x</script>{BUDGET}"}


def test_the_chart_library_is_served_from_our_own_origin(client: FlaskClient) -> None:
    response = client.get("/vendor/chart.umd.min.js")
    assert response.status_code == 200 and b"Chart" in response.data[:2000]
    assert client.get("/vendor/..%2Fpackage.json").status_code == 404


def test_a_big_release_page_lists_its_exports_without_building_them(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.public.pages import files

    monkeypatch.setattr(files, "EAGER_EXPORT_ROWS", 5)  # every demo release is "big" now
    portal = portal_of(app)
    exports = portal.instance.export_dir(SETTLEMENTS, 1)
    for built in exports.glob("*") if exports.exists() else ():
        built.unlink()
    page = client.get(f"/datasets/{SETTLEMENTS}?lang=en")
    assert page.status_code == 200
    assert f"{SETTLEMENTS}.xlsx" in page.text and f"{SETTLEMENTS}.json" in page.text
    assert not exports.exists() or list(exports.iterdir()) == []  # nothing built for the page
    assert client.get(f"/datasets/{SETTLEMENTS}/releases/1/{SETTLEMENTS}.xlsx").status_code == 200


def test_data_package_links_come_from_the_base_url_never_from_the_host_header(app: Flask) -> None:
    settings = app.config["OTKRITO"]
    app.config["OTKRITO"] = {**settings, "BASE_URL": "https://data.levski.example"}
    try:
        response = app.test_client().get(f"/datasets/{BUDGET}/datapackage.json",
                                         headers={"Host": "attacker.example"})
    finally:
        app.config["OTKRITO"] = settings
    paths = [r["path"] for r in response.get_json()["resources"]]
    assert paths and all(p.startswith(f"https://data.levski.example/datasets/{BUDGET}/releases/")
                         for p in paths), paths
