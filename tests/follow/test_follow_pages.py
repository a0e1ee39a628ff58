"""The subscription pages: bad input gets a specific message in the page's language and keeps
nothing; links forged, expired or used for another purpose are refused; the answer never tells
whether an address is subscribed; the honeypot and the rate limits of citizen feedback apply."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from app.state import Portal
from datasets import follow
from publishers import follow_tokens
from publishers.follow_store import follow_addresses, follow_subscriptions, mail_outbox
from tests.follow.conftest import FROM, ROWS, SECRET, SLUG, publish_budget

pytestmark = pytest.mark.catalogs
EMAIL = "reader@example.org"


@pytest.fixture
def app(portal: Portal, tmp_path: Path) -> Flask:
    publish_budget(portal, tmp_path, ROWS)
    return create_app({"SMTP_URL": "smtp://127.0.0.1:9", "MAIL_FROM": FROM, "SECRET_KEY": SECRET})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def form_post(client: FlaskClient, lang: str = "en", **changes: str) -> tuple[int, str, str]:
    page = client.get(f"/follow?kind=dataset&target={SLUG}&lang={lang}")
    assert page.status_code == 200
    data = {"email": EMAIL, "frequency": "immediate", "mail_lang": lang, "consent": "yes",
            "csrf_token": csrf_of(page.text), **changes}
    response = client.post(f"/follow?kind=dataset&target={SLUG}&lang={lang}", data=data)
    return response.status_code, response.headers.get("Location", ""), response.text


def kept(portal: Portal) -> tuple[int, int, int]:
    with portal.engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
                     for t in (follow_addresses, follow_subscriptions, mail_outbox))


@pytest.mark.parametrize("lang,message", [
    ("en", "Enter a valid e-mail address"), ("bg", "Въведете валиден адрес на електронна поща")])
@pytest.mark.parametrize("email", ["not-an-address", "a@b", "two@example.org, three@example.org",
                                   "x@example.org\r\nBcc: y@example.org", "ä@example.org", "a" * 300 + "@x.org"])
def test_an_invalid_address_gets_a_specific_message_and_keeps_nothing(
        app: Flask, portal: Portal, email: str, lang: str, message: str) -> None:
    status, _, text = form_post(app.test_client(), lang=lang, email=email)
    assert status == 422 and message in text
    assert kept(portal) == (0, 0, 0)


@pytest.mark.parametrize("field,value,message", [
    ("frequency", "hourly", "Choose when to get messages"),
    ("mail_lang", "de", "Choose the language of the messages"),
    ("consent", "", "Tick the box to agree"),
])
def test_other_bad_choices_get_their_own_message(app: Flask, portal: Portal, field: str, value: str,
                                                 message: str) -> None:
    status, _, text = form_post(app.test_client(), **{field: value})
    assert status == 422 and message in text and kept(portal) == (0, 0, 0)


def test_an_unknown_target_is_a_404_with_a_message(app: Flask) -> None:
    response = app.test_client().get("/follow?kind=dataset&target=no-such&lang=en")
    assert response.status_code == 404 and "There is nothing to follow" in response.text


def test_a_form_without_its_csrf_token_is_refused(app: Flask, portal: Portal) -> None:
    response = app.test_client().post(f"/follow?kind=dataset&target={SLUG}",
                                      data={"email": EMAIL, "frequency": "daily", "mail_lang": "en", "consent": "yes"})
    assert response.status_code == 400 and kept(portal) == (0, 0, 0)


def test_the_honeypot_is_answered_as_success_and_keeps_nothing(app: Flask, portal: Portal) -> None:
    status, location, _ = form_post(app.test_client(), website="http://spam.example")
    assert (status, location) == (302, "/follow/sent?lang=en")
    assert kept(portal) == (0, 0, 0)


def test_the_answer_is_the_same_whether_or_not_the_address_is_subscribed(app: Flask, portal: Portal) -> None:
    first = form_post(app.test_client())
    with portal.engine.begin() as conn:  # confirmed now: a second request must not show it
        conn.execute(follow_subscriptions.update().values(status="confirmed"))
        conn.execute(follow_addresses.update().values(status="confirmed"))
    second = form_post(app.test_client())
    assert first[:2] == second[:2] == (302, "/follow/sent?lang=en")
    assert kept(portal) == (1, 1, 1)  # ... and it sends nothing more to a confirmed address


def test_requests_from_one_client_are_limited_with_a_message(app: Flask, portal: Portal) -> None:
    client = app.test_client()
    answers = [form_post(client, email=f"reader{i}@example.org")[0] for i in range(6)]
    assert answers == [302] * 5 + [429]
    assert "Too many subscription requests" in form_post(client, email="last@example.org")[2]
    assert kept(portal)[0] == 5


def test_requests_for_one_address_are_limited_whatever_the_client(app: Flask, portal: Portal) -> None:
    answers = []
    for i in range(6):
        client = app.test_client()
        page = client.get(f"/follow?kind=dataset&target={SLUG}&lang=en")
        answers.append(client.post(f"/follow?kind=dataset&target={SLUG}&lang=en", environ_base={
            "REMOTE_ADDR": f"10.0.0.{i}"}, data={"email": EMAIL, "frequency": "immediate", "mail_lang": "en",
                                                 "consent": "yes", "csrf_token": csrf_of(page.text)}).status_code)
    assert answers == [302] * 5 + [429]
    assert kept(portal)[2] == 5  # five confirmations at most reach one address in an hour


def confirm_token(portal: Portal) -> str:
    with portal.engine.connect() as conn:
        sub = conn.execute(sa.select(follow_subscriptions)).one()
    return follow_tokens.make(SECRET, "confirm", {"u": sub.id, "s": sub.secret})


def test_a_confirmation_link_shows_a_button_and_only_the_post_confirms(app: Flask, portal: Portal) -> None:
    form_post(app.test_client())
    token, client = confirm_token(portal), app.test_client()
    page = client.get(f"/follow/confirm/{token}?lang=en")
    assert page.status_code == 200 and "Confirm the subscription" in page.text
    with portal.engine.connect() as conn:
        assert conn.execute(sa.select(follow_subscriptions.c.status)).scalar() == "pending"
    done = client.post(f"/follow/confirm/{token}?lang=en", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and "Subscription confirmed" in done.text
    with portal.engine.connect() as conn:
        assert conn.execute(sa.select(follow_subscriptions.c.status)).scalar() == "confirmed"


@pytest.mark.parametrize("lang,message", [("en", "The link is not valid"), ("bg", "Връзката не е валидна")])
def test_a_forged_or_cut_link_is_refused_with_a_message(app: Flask, portal: Portal, lang: str, message: str) -> None:
    form_post(app.test_client())
    token = confirm_token(portal)
    forged = URLSafeTimedSerializer("another key", salt="otkrito.follow.confirm").dumps({"u": 1, "s": "x"})
    for bad in (forged, token[:-3], "nonsense"):
        response = app.test_client().get(f"/follow/confirm/{bad}?lang={lang}")
        assert response.status_code == 400 and message in response.text


def test_a_link_made_for_another_purpose_is_refused(app: Flask, portal: Portal) -> None:
    form_post(app.test_client())
    with portal.engine.connect() as conn:
        address = conn.execute(sa.select(follow_addresses)).one()
    manage = follow_tokens.make(SECRET, "manage", {"a": address.id, "s": address.secret})
    for path in (f"/follow/confirm/{manage}", f"/follow/unsubscribe/{manage}"):
        assert app.test_client().get(path + "?lang=en").status_code == 400
    assert app.test_client().post(f"/follow/unsubscribe/{manage}", data={"List-Unsubscribe": "One-Click"}).status_code == 400


def test_an_expired_confirmation_link_says_so(app: Flask, portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    form_post(app.test_client())
    token = confirm_token(portal)
    week = follow_tokens.PURPOSES["confirm"]
    real = __import__("time").time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() + week + 60)
    response = app.test_client().get(f"/follow/confirm/{token}?lang=en")
    assert response.status_code == 400 and "The link has expired" in response.text


def test_the_manage_page_lists_subscriptions_without_the_address_and_ends_them(
        app: Flask, portal: Portal, mailer: follow.Mailer) -> None:
    form_post(app.test_client())
    follow.ask(portal.engine, mailer, email=EMAIL, kind="overdue", target="", frequency="weekly", lang="en",
               client="127.0.0.8", consent=True)
    with portal.engine.connect() as conn:
        address = conn.execute(sa.select(follow_addresses)).one()
    token = follow_tokens.make(SECRET, "manage", {"a": address.id, "s": address.secret})
    client = app.test_client()
    page = client.get(f"/follow/manage/{token}?lang=en")
    assert page.status_code == 200 and EMAIL not in page.text
    assert "the dataset “Budget of Levski”" in page.text and "datasets whose update becomes overdue" in page.text
    done = client.post(f"/follow/manage/{token}?lang=en", data={"all": "1", "csrf_token": csrf_of(page.text)})
    assert "This address has no subscriptions left" in done.text
    with portal.engine.connect() as conn:
        assert set(conn.execute(sa.select(follow_subscriptions.c.status)).scalars()) == {"ended"}


def test_without_smtp_there_is_no_form_and_no_link(portal: Portal, tmp_path: Path) -> None:
    publish_budget(portal, tmp_path, ROWS)
    client = create_app({"SMTP_URL": None}).test_client()
    assert client.get(f"/follow?kind=dataset&target={SLUG}").status_code == 404
    assert "/follow?" not in client.get(f"/datasets/{SLUG}").text
