"""Participation pages through the Flask app: both languages, forms with CSRF, moderation by
role, escaping, feeds, statistics and the rules history."""
from __future__ import annotations

import re
from typing import Callable

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.state import Portal
from datasets.catalog import create_dataset
from publishers.registry import add_publisher
from publishers.users import add_user, grant

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)

PASSWORD = "correct horse battery staple"
XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>'
EMAIL = "secret-citizen@example.org"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def app(portal: Portal) -> Flask:
    engine = portal.engine
    add_publisher(engine, "a", name_bg="Община А", name_en="Municipality A")
    add_publisher(engine, "b", name_bg="Община Б", name_en="Municipality B")
    create_dataset(engine, "a-data", publisher="a", title_bg="Данни А", frequency="MONTHLY")
    for email, role, publisher in (("site@x.bg", "site-admin", None), ("editor-a@x.bg", "editor", "a"),
                                   ("editor-b@x.bg", "editor", "b")):
        add_user(engine, email, password=PASSWORD)
        grant(engine, email, role, publisher=publisher)
    built = create_app({"INSTANCE": str(portal.instance.root), "SECRET_KEY": "test",
                        "USAGE_FLUSH_SECONDS": 0})
    built.testing = False
    return built


@pytest.fixture
def staff(app: Flask) -> Callable[[str], FlaskClient]:
    def signed_in(email: str) -> FlaskClient:
        client = app.test_client()
        token = csrf_of(client.get("/staff/login").text)
        response = client.post("/staff/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        return client
    return signed_in


def file_request(client: FlaskClient, **changes: str) -> object:
    form = {"publisher": "1", "title": "Договори " + XSS, "body": "Искам договорите. " + XSS,
            "email": EMAIL, "consent": "yes", "website": ""}
    form.update(changes)
    form["csrf_token"] = csrf_of(client.get("/requests/new").text)
    return client.post("/requests/new", data=form)


@pytest.mark.parametrize("path", ["/timeliness", "/quality", "/quality/a-data", "/requests", "/requests/new",
                                  "/statistics", "/rules", "/datasets/a-data/feedback",
                                  "/datasets/a-data/compare"])
@pytest.mark.parametrize("lang,marker", [("bg", 'lang="bg"'), ("en", 'lang="en"')])
def test_every_participation_page_answers_in_both_languages(app: Flask, path: str, lang: str, marker: str) -> None:
    response = app.test_client().get(f"{path}?lang={lang}")
    assert response.status_code == 200 and marker in response.text
    assert "<script>alert" not in response.text


def test_the_navigation_links_every_participation_page(app: Flask) -> None:
    home = app.test_client().get("/?lang=en").text
    for path in ("/requests", "/timeliness", "/quality", "/statistics", "/rules"):
        assert f'href="{path}"' in home


def test_bulgarian_pages_use_the_participation_catalog(app: Flask) -> None:
    assert "Навременност" in app.test_client().get("/timeliness").text
    assert "Искания за данни" in app.test_client().get("/requests").text


def test_a_form_without_its_csrf_token_is_refused(app: Flask) -> None:
    response = app.test_client().post("/requests/new", data={"publisher": "1", "title": "Договори",
                                                             "body": "Искам договорите.", "consent": "yes"})
    assert response.status_code == 400


def test_a_request_goes_from_citizen_to_moderator_to_public_answer_with_everything_escaped(
        app: Flask, staff: Callable[[str], FlaskClient]) -> None:
    citizen = app.test_client()
    sent = file_request(citizen)
    assert sent.status_code == 302 and "sent=1" in sent.location  # type: ignore[attr-defined]
    assert "Договори" not in citizen.get("/requests").text  # not before moderation
    moderator = staff("editor-a@x.bg")
    queue = moderator.get("/staff/publishers/a/moderation")
    assert queue.status_code == 200 and EMAIL in queue.text and "<script>alert" not in queue.text
    token = csrf_of(queue.text)
    assert moderator.post("/staff/publishers/a/moderation",
                          data={"csrf_token": token, "item": "1", "decision": "approve"}).status_code == 302
    answer = "Ще ги публикуваме до края на месеца. [план](javascript:alert(3)) <b onclick=x>"
    assert moderator.post("/staff/publishers/a/moderation", data={
        "csrf_token": token, "item": "1", "decision": "answered", "answer": answer}).status_code == 302
    page = citizen.get("/requests/1").text
    assert "Ще ги публикуваме до края на месеца." in page
    assert "<script>alert" not in page and "onerror" not in page.replace("onerror=alert(2)&gt;", "")
    assert 'href="javascript:' not in page and "<b onclick" not in page and EMAIL not in page
    assert "&lt;script&gt;" in page


def test_a_moderator_of_another_publisher_gets_403(app: Flask, staff: Callable[[str], FlaskClient]) -> None:
    file_request(app.test_client())
    other = staff("editor-b@x.bg")
    assert other.get("/staff/publishers/a/moderation").status_code == 403
    token = csrf_of(other.get("/staff/publishers/b/moderation").text)
    assert other.post("/staff/publishers/a/moderation",
                      data={"csrf_token": token, "item": "1", "decision": "approve"}).status_code == 403
    assert other.get("/staff/publishers/a/quality").status_code == 403


def test_an_item_of_another_publisher_cannot_be_moderated_through_ones_own_queue(
        app: Flask, staff: Callable[[str], FlaskClient]) -> None:
    file_request(app.test_client())  # to publisher a
    other = staff("editor-b@x.bg")
    token = csrf_of(other.get("/staff/publishers/b/moderation").text)
    assert other.post("/staff/publishers/b/moderation",
                      data={"csrf_token": token, "item": "1", "decision": "approve"}).status_code == 404


def test_a_stranger_is_sent_to_sign_in_from_the_staff_pages(app: Flask) -> None:
    for path in ("/staff/publishers/a/moderation", "/staff/publishers/a/quality", "/staff/rules"):
        response = app.test_client().get(path)
        assert response.status_code == 302 and "/staff/login" in response.location


def test_the_honeypot_and_the_rate_limit_work_through_the_form(app: Flask) -> None:
    client = app.test_client()
    assert file_request(client, website="spam").status_code == 302  # type: ignore[attr-defined]
    for _ in range(4):
        assert file_request(client).status_code == 302  # type: ignore[attr-defined]
    limited = file_request(client)
    assert limited.status_code == 429 and "Изпратихте твърде много" in limited.text  # type: ignore[attr-defined]


def test_a_missing_consent_is_explained_and_the_text_kept(app: Flask) -> None:
    client = app.test_client()
    response = file_request(client, consent="")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "потвърдете" in response.text and "Искам договорите." in response.text  # type: ignore[attr-defined]


def test_comments_are_published_after_moderation_and_answered(app: Flask, staff: Callable[[str], FlaskClient]) -> None:
    client = app.test_client()
    token = csrf_of(client.get("/datasets/a-data/feedback").text)
    sent = client.post("/datasets/a-data/feedback", data={
        "body": "Колоната „сума“ е празна за март.", "consent": "yes", "csrf_token": token})
    assert sent.status_code == 302
    assert "Колоната" not in client.get("/datasets/a-data/feedback").text
    moderator = staff("site@x.bg")
    token = csrf_of(moderator.get("/staff/publishers/a/moderation").text)
    moderator.post("/staff/publishers/a/moderation", data={"csrf_token": token, "item": "1", "decision": "approve"})
    moderator.post("/staff/publishers/a/moderation", data={"csrf_token": token, "item": "1",
                                                           "decision": "answered", "answer": "Поправено."})
    page = client.get("/datasets/a-data/feedback").text
    assert "Колоната „сума“ е празна за март." in page and "Поправено." in page


def test_the_requests_feed_parses_and_shows_no_email_and_no_markup(
        app: Flask, staff: Callable[[str], FlaskClient]) -> None:
    file_request(app.test_client(), title="Договори\x00 \x1b" + XSS)
    moderator = staff("site@x.bg")
    token = csrf_of(moderator.get("/staff/publishers/a/moderation").text)
    moderator.post("/staff/publishers/a/moderation", data={"csrf_token": token, "item": "1", "decision": "approve"})
    for fmt in ("atom", "rss"):
        body = app.test_client().get(f"/requests/feed.{fmt}").data
        parsed = feedparser.parse(body)
        assert not parsed.bozo and len(parsed.entries) == 1
        assert EMAIL.encode() not in body and b"<script>" not in body


def test_the_overdue_feed_lists_overdue_datasets(app: Flask, portal: Portal) -> None:
    import sqlalchemy as sa

    with portal.engine.begin() as conn:
        conn.execute(sa.text("UPDATE datasets SET created_at = '2020-01-01 00:00:00'"))
    parsed = feedparser.parse(app.test_client().get("/timeliness/overdue.atom?lang=en").data)
    assert [e.title for e in parsed.entries] == ["Overdue: Данни А"]
    assert parsed.entries[0].id.endswith("/overdue/a-data/2020-02-01")


def test_the_rules_are_edited_by_a_site_admin_and_keep_their_history(
        app: Flask, staff: Callable[[str], FlaskClient]) -> None:
    assert staff("editor-a@x.bg").get("/staff/rules").status_code == 403
    admin = staff("site@x.bg")
    token = csrf_of(admin.get("/staff/rules").text)
    saved = admin.post("/staff/rules", data={"csrf_token": token, "body_bg": "## Нови правила\n" + XSS,
                                             "body_en": "## New rules", "note": "по-кратки"})
    assert saved.status_code == 302
    public = app.test_client()
    page = public.get("/rules").text
    assert "Нови правила" in page and "<script>alert" not in page and "по-кратки" in page
    assert "New rules" in public.get("/rules?lang=en").text
    assert "Правила за публикуване" in public.get("/rules/0?lang=bg").text  # the initial text stays in the history
    assert admin.post("/staff/rules", data={"csrf_token": token, "body_bg": "", "body_en": "x"}).status_code == 422


def test_views_and_downloads_are_counted_per_day_without_cookies(app: Flask, publish: Callable[..., int]) -> None:
    publish("a-data", [{"id": 1, "amount": 2}], publisher="a")
    browser = app.test_client()
    headers = {"User-Agent": "Mozilla/5.0 Firefox/128.0"}
    for _ in range(3):
        browser.get("/datasets/a-data", headers=headers)
    browser.get("/datasets/a-data", headers={"User-Agent": "Googlebot/2.1"})
    browser.get("/datasets/a-data/releases/1/data.db", headers=headers)
    csv = browser.get("/statistics.csv").text.splitlines()
    assert csv[0] == "day,dataset,views,downloads,api_calls"
    assert csv[1].split(",")[1:] == ["a-data", "3", "1", "0"]
    page = browser.get("/statistics")
    assert "Set-Cookie" not in page.headers
    assert 'data-chart=' in page.text


def test_the_comparison_page_and_json_show_the_changes(app: Flask, publish: Callable[..., int]) -> None:
    publish("a-data", [{"id": 1, "amount": 2}], publisher="a")
    publish("a-data", [{"id": 1, "amount": 2}, {"id": 2, "amount": 3}], publisher="a")
    client = app.test_client()
    body = client.get("/datasets/a-data/compare.json?from=1&to=2").json
    assert body["summary"] == {"bg": "+1 ред", "en": "+1 row"} and body["added"] == 1
    assert "+1 row" in client.get("/datasets/a-data/compare?lang=en").text
    assert client.get("/datasets/a-data/compare?from=9").status_code == 404


def test_the_quality_badge_is_an_svg_image(app: Flask) -> None:
    response = app.test_client().get("/datasets/a-data/quality.svg?lang=en")
    assert response.mimetype == "image/svg+xml" and b"metadata" in response.data


def test_feedback_emails_never_reach_the_public_sql_database(app: Flask, portal: Portal) -> None:
    file_request(app.test_client())
    public_db = portal.instance.root / "public.db"
    assert not public_db.exists() or EMAIL.encode() not in public_db.read_bytes()
