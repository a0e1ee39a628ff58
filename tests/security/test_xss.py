"""XSS payloads in every text field stay inert everywhere they are shown (SECURITY 13, 14, 21, 39, 49).

One site is filled with hostile text: a publisher's names and homepage, a dataset's titles,
descriptions, keywords and contact, column headers and cells, release notes, a withdrawal
reason, a citizen's comment and request, and a moderator's answer. Then every public page,
every workspace page, every feed, DCAT document, CKAN answer, JSON and export is fetched and
checked: the markup arrives as text, never as markup, and no javascript: link survives.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import feedparser
import pytest
import rdflib
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from app.participation.text import to_html
from app.state import Portal, open_portal
from datasets.catalog import create_dataset
from datasets.publish import Upload, publish
from datasets.withdraw import withdraw_release
from publishers import feedback
from publishers.registry import add_publisher
from publishers.store import publishers
from publishers.users import add_user, grant
from tests.app.staff.staff_world import PASSWORD, login, make_app
from tests.security.conftest import csrf_of

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
FORMULA = '=HYPERLINK("http://evil.example/","click")'
LIVE_MARKUP = re.compile(r"<script>alert|<img src=x|<svg onload|\"'><", re.I)
SCRIPT_LINK = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*(javascript|data|vbscript):""", re.I)
SLUG = "xss-data"


@dataclass(frozen=True)
class Site:
    """The hostile site: its app and the ids that fill URL rules."""

    app: Flask
    portal: Portal
    values: dict[str, str]


def _fill(portal: Portal, tmp: Path) -> dict[str, str]:
    engine = portal.engine
    add_publisher(engine, "xss", name_bg="Община " + PAYLOAD, name_en="Town " + PAYLOAD)
    with engine.begin() as conn:  # an old row from before homepages were checked
        conn.execute(publishers.update().where(publishers.c.slug == "xss").values(
            homepage="javascript:alert(3)"))
    add_user(engine, "site@x.bg", password=PASSWORD)
    grant(engine, "site@x.bg", "site-admin", publisher=None)
    create_dataset(engine, SLUG, publisher="xss", title_bg="Набор " + PAYLOAD,
                   title_en="Set " + PAYLOAD, description_bg=PAYLOAD + "\n\n[x](javascript:alert(4))",
                   description_en=PAYLOAD, keywords=["<svg onload=alert(5)>"],
                   contact_name=PAYLOAD, contact_email="x@example.org")
    source = tmp / "hostile.csv"
    header = f'"{PAYLOAD.replace(chr(34), chr(34) * 2)}";"<svg onload=alert(6)>";"n"'
    source.write_text("\r\n".join([header, f'"{FORMULA.replace(chr(34), chr(34) * 2)}";"{PAYLOAD.replace(chr(34), chr(34) * 2)}";"1"',
                                   '"+cmd|x";"@SUM(1)";"2"']) + "\r\n", encoding="utf-8")
    for notes in ("Бележка " + PAYLOAD, "Втора " + PAYLOAD):
        outcome = publish(portal.instance, engine, Upload(source, "hostile.csv"), dataset=SLUG,
                          notes=notes)
        assert outcome.report.valid, outcome.report
    withdraw_release(portal.instance, engine, SLUG, 1, reason="Причина " + PAYLOAD, actor="t")
    ids = {}
    for kind, title in (("comment", ""), ("request", "Искане " + PAYLOAD)):
        item = feedback.submit(engine, kind=kind, publisher_id=1, dataset_id=1, title=title,
                               body=PAYLOAD + "\n\n[x](javascript:alert(7))", address=kind,
                               consent=True, email="citizen@example.org")
        assert item is not None
        feedback.moderate(engine, item.id, approve=True, actor="t")
        feedback.set_status(engine, item.id, "answered", actor="t", answer="Отговор " + PAYLOAD)
        ids[kind] = str(item.id)
    return {**_bulk(portal), "slug": SLUG, "publisher": "xss", "version": "2", "item_id": ids["request"],
            "keyword": "<svg onload=alert(5)>", "code": "GOVE", "fmt": "atom",
            "action": "package_show", "job_id": "none", "token_id": "1", "user_id": "1", "token": "forged",
            "webhook_id": "1", "delivery_id": "1", "year": str(datetime.now(timezone.utc).year),
            "key": "none"}  # the hostile dataset has no built-in profile, so no chart: a 404, never a 500


def _bulk(portal: Portal) -> dict[str, str]:
    """A batch with a hostile file name and a metadata preview of hostile values, of site@x.bg."""
    from io import BytesIO

    from datasets import bulk_metadata, bulk_upload
    from publishers.users import find_user

    admin = find_user(portal.engine, "site@x.bg")
    assert admin is not None
    batch = bulk_upload.stage(portal.instance, portal.engine, [(PAYLOAD + ".csv", BytesIO(b"a;b\n1;2\n"))],
                              user_id=admin.id, may_publish=lambda _p: True, actor="t")
    change = bulk_metadata.Change(SLUG, {"title_en": "Set"}, {"title_en": PAYLOAD, "keywords": [PAYLOAD]})
    edit = bulk_metadata.save_preview(portal.engine, [change], user_id=admin.id, actor="t")
    return {"batch_id": batch.id, "edit_id": edit}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("xss")
    portal = open_portal({"INSTANCE": str(root / "instance"), "DATABASE_URL": None})
    values = _fill(portal, root)
    yield Site(make_app(portal), portal, values)
    portal.engine.dispose()


def _urls(site: Site, *, staff: bool) -> list[str]:
    """Every GET route of the public side (or of the workspace), its parameters filled."""
    urls = []
    for rule in site.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/v1", "/vendor", "/static")):
            continue
        if rule.rule.startswith("/staff") != staff or "<path:" in rule.rule:
            continue
        if rule.rule.endswith(".pdf"):  # printed from the very HTML checked at its page's address
            continue
        values = dict(site.values, slug="xss") if "publishers/<slug>" in rule.rule else site.values
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values.get(m.group(1), "MISSING"),
                     re.sub(r"<any\(([a-z]+)[^>]*>", r"\1", rule.rule))
        assert "MISSING" not in url, f"add a value for {rule.rule}"
        urls.append(url)
    urls.extend(u.replace(".atom", ".rss") for u in list(urls) if u.endswith(".atom"))
    urls.extend(u.replace(".ttl", ext) for u in list(urls) if u.endswith(".ttl")
                for ext in (".rdf", ".jsonld"))
    return sorted(set(urls))


def _html_is_inert(body: str) -> list[str]:
    body = body.replace('<link rel="icon" href="data:,">', "")  # our own empty favicon
    # The yearly report's own charts: SVG drawn by matplotlib from numbers, base64 (no markup of a field).
    body = body.replace('src="data:image/svg+xml;base64,', 'src="chart:')
    return LIVE_MARKUP.findall(body) + [m.group(0) for m in SCRIPT_LINK.finditer(body)]


def _json_ld_blocks(body: str) -> list[str]:
    return re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)


def test_markup_in_every_field_is_text_on_every_public_page_in_both_languages(site: Site) -> None:
    client = site.app.test_client()
    live: dict[str, list[str]] = {}
    shown = set()
    for url in _urls(site, staff=False):
        for lang in ("bg", "en"):
            response = client.get(url, query_string={"lang": lang})
            assert response.status_code < 500, url
            if response.mimetype == "text/html":
                if found := _html_is_inert(response.text):
                    live[f"{url}?lang={lang}"] = found
                if ESCAPED in response.text:
                    shown.add(url)
                for block in _json_ld_blocks(response.text):
                    assert "<" not in block and json.loads(block)
    assert live == {}
    assert {"/", "/datasets", f"/datasets/{SLUG}", f"/datasets/{SLUG}/releases/2",
            "/publishers/xss", f"/requests/{site.values['item_id']}", f"/impact/{site.values['year']}"} <= shown


def test_markup_in_every_field_is_text_on_every_workspace_page(site: Site) -> None:
    client = site.app.test_client()
    assert login(client, "site@x.bg").status_code == 302
    live = {}
    for url in _urls(site, staff=True):
        response = client.get(url)
        if response.mimetype == "text/html" and (found := _html_is_inert(response.text)):
            live[url] = found
    assert live == {}
    moderation = client.get("/staff/publishers/xss/moderation").text
    assert ESCAPED in moderation or "&lt;script&gt;" in client.get(f"/staff/datasets/{SLUG}/edit").text


def test_a_javascript_homepage_is_never_a_link(site: Site) -> None:
    page = site.app.test_client().get("/publishers/xss").text
    assert "javascript:" not in page


def test_a_new_publisher_with_a_javascript_homepage_is_refused(site: Site) -> None:
    from metadata.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        add_publisher(site.portal.engine, "xss-two", name_bg="Б", homepage="javascript:alert(1)")
    assert refused.value.message_id == "catalog.bad-homepage"


def _feed_urls(site: Site) -> list[str]:
    return [u for u in _urls(site, staff=False) if u.endswith((".atom", ".rss"))]


def test_every_feed_parses_and_carries_the_markup_as_text(site: Site) -> None:
    client = site.app.test_client()
    carrying = 0
    for url in _feed_urls(site):
        body = client.get(url).data
        parsed = feedparser.parse(body, sanitize_html=False)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        for entry in parsed.entries:
            details = [entry.get("title_detail"), entry.get("summary_detail"), *entry.get("content", [])]
            for detail in details:
                if detail is None:
                    continue
                if detail.type == "text/html":  # readers render it: the markup must be escaped
                    assert _html_is_inert(detail.value) == [], (url, detail.value)
                carrying += "<script>alert(1)" in detail.value and detail.type == "text/plain"
                carrying += ESCAPED in detail.value and detail.type == "text/html"
            for link in entry.get("links", []):
                assert link["href"].startswith(("http://", "https://")), (url, link)
    assert carrying > 0


@pytest.mark.parametrize("path", ["/catalog.ttl", "/catalog.rdf", "/catalog.jsonld",
                                  f"/datasets/{SLUG}.ttl", f"/datasets/{SLUG}.rdf",
                                  f"/datasets/{SLUG}.jsonld"])
def test_dcat_documents_parse_and_keep_the_markup_as_a_plain_literal(site: Site, path: str) -> None:
    response = site.app.test_client().get(path)
    graph = rdflib.Graph().parse(data=response.data, format={
        "ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}[path.rsplit(".", 1)[1]])
    literals = {str(o) for o in graph.objects() if isinstance(o, rdflib.Literal)}
    assert "Set " + PAYLOAD in literals or "Набор " + PAYLOAD in literals
    assert all(not isinstance(o, rdflib.Literal) or o.datatype != rdflib.RDF.HTML for o in graph.objects())
    iris = {str(n) for t in graph for n in t if isinstance(n, rdflib.URIRef)}
    assert [i for i in iris if not i.startswith(("http://", "https://", "mailto:", "urn:"))] == []


@pytest.mark.parametrize("action", ["package_show?id=" + SLUG, "package_search?q=Set",
                                    "organization_show?id=xss", "organization_list?all_fields=true"])
def test_ckan_answers_are_json_with_the_markup_as_data_and_no_script_links(site: Site,
                                                                        action: str) -> None:
    response = site.app.test_client().get("/api/3/action/" + action)
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert PAYLOAD.replace('"', '\\"') in text
    assert "javascript:" not in text.replace("[x](javascript:alert(4))", "")


def _release_file(site: Site, suffix: str) -> bytes:
    page = site.app.test_client().get(f"/datasets/{SLUG}/releases/2").text
    href = next(h for h in re.findall(r'href="([^"]+)"', page) if h.endswith(suffix))
    response = site.app.test_client().get(href)
    assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype != "text/html"
    return response.data


def test_the_csv_download_keeps_markup_and_formula_cells_as_data_byte_for_byte(site: Site) -> None:
    data = _release_file(site, ".csv").decode("utf-8")
    assert FORMULA.replace('"', '""') in data and "+cmd|x" in data and "@SUM(1)" in data
    assert PAYLOAD.replace('"', '""') in data


def test_the_xlsx_export_turns_formula_cells_into_text(site: Site) -> None:
    sheet = load_workbook(io.BytesIO(_release_file(site, ".xlsx")), read_only=False).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert [c.data_type for c in cells if c.data_type == "f"] == []
    assert {c.value for c in cells} >= {"'" + FORMULA, "'+cmd|x", "'@SUM(1)", PAYLOAD}


def test_the_column_headers_are_stored_as_safe_names_and_shown_as_text(site: Site) -> None:
    package = site.app.test_client().get(f"/datasets/{SLUG}/datapackage.json").get_json()
    fields = package["resources"][0]["schema"]["fields"]
    assert all(re.fullmatch(r"[a-z_][a-z0-9_]*", f["name"]) for f in fields)
    assert [f["title"] for f in fields][:2] == [PAYLOAD, "<svg onload=alert(6)>"]


@pytest.mark.parametrize("text,expected", [
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("# Heading", "Heading\n"),
    ("[site](https://example.org)",
     '<p><a href="https://example.org" rel="nofollow ugc noopener">site</a></p>\n'),
])
def test_markdown_people_write_is_sanitized_to_a_few_tags_and_safe_links(text: str,
                                                                        expected: str) -> None:
    assert str(to_html(text)) == expected


def test_raw_html_in_markdown_never_reaches_the_page_even_when_markdown_would_pass_it() -> None:
    rendered = str(to_html('<a href="javascript:alert(1)" onclick="x()">a</a><iframe src="x">'))
    assert "<a " not in rendered and "<iframe" not in rendered


def test_feedback_emails_never_show_on_any_public_page(site: Site) -> None:
    client = site.app.test_client()
    with site.portal.engine.connect() as conn:
        emails = conn.execute(sa.text("select count(*) from feedback where contact_email is not null")).scalar()
    assert emails == 2
    for url in _urls(site, staff=False):
        assert b"citizen@example.org" not in client.get(url).data, url


def test_a_staff_form_shows_back_what_was_typed_escaped(site: Site) -> None:
    client = site.app.test_client()
    login(client, "site@x.bg")
    token = csrf_of(client.get("/staff/publishers/new").text)
    page = client.post("/staff/publishers/new", data={
        "csrf_token": token, "slug": "BAD SLUG", "name_bg": PAYLOAD, "homepage": "javascript:x"})
    assert page.status_code < 500
    assert _html_is_inert(page.text) == []


def test_the_readme_documents_how_formula_cells_are_exported() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "starts like a spreadsheet formula" in readme and "apostrophe" in readme
