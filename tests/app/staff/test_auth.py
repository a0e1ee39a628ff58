"""Signing in and out: sessions, cookies, CSRF, throttling, redirects, upload size."""
from __future__ import annotations

import re
from typing import Callable

import pytest
from flask.testing import FlaskClient
from tests.app.staff.staff_world import PASSWORD, World, csrf_of, login, make_app


def _cookie(response) -> str:  # type: ignore[no-untyped-def]
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_signing_in_sets_an_http_only_same_site_cookie_without_secure_on_plain_http(
        world: World) -> None:
    response = login(world.app.test_client(), "editor-a@x.bg")
    cookie = _cookie(response)
    assert response.status_code == 302 and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie and "Expires" not in cookie


def test_the_cookie_is_secure_when_the_portal_is_served_over_tls(world: World) -> None:
    app = make_app(world.portal, BASE_URL="https://data.example.bg")
    assert "Secure" in _cookie(login(app.test_client(), "editor-a@x.bg"))


def test_signing_in_starts_a_new_session_id(world: World) -> None:
    client = world.app.test_client()
    login(client, "editor-a@x.bg")
    first = client.get_cookie("session").value
    client.post("/staff/logout", data={"csrf_token": csrf_of(client.get("/staff/").text)})
    login(client, "editor-a@x.bg")
    assert client.get_cookie("session").value != first


def test_logging_out_ends_the_session_even_for_a_copied_cookie(world: World) -> None:
    client = world.app.test_client()
    login(client, "editor-a@x.bg")
    stolen = client.get_cookie("session").value
    client.post("/staff/logout", data={"csrf_token": csrf_of(client.get("/staff/").text)})
    replay = world.app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/staff/").status_code == 302


@pytest.mark.parametrize("token", [None, "forged"])
def test_a_form_without_the_right_csrf_token_is_refused(
        world: World, signed_in: Callable[[str], FlaskClient], token: str | None) -> None:
    client = signed_in("editor-a@x.bg")
    data = {"title_bg": "Нещо друго", "licence": "CC-BY-4.0", "frequency": "UNKNOWN"}
    if token:
        data["csrf_token"] = token
    response = client.post("/staff/datasets/a-data/edit", data=data)
    assert response.status_code == 400
    assert client.get("/datasets/a-data").text.count("Нещо друго") == 0


def test_the_login_form_itself_needs_a_csrf_token(world: World) -> None:
    response = world.app.test_client().post("/staff/login", data={"email": "editor-a@x.bg",
                                                                  "password": PASSWORD})
    assert response.status_code == 400


def test_an_unknown_account_and_a_wrong_password_get_the_same_answer(world: World) -> None:
    unknown = login(world.app.test_client(), "nobody@x.bg", "wrong password 123")
    wrong = login(world.app.test_client(), "editor-a@x.bg", "wrong password 123")
    assert (unknown.status_code, wrong.status_code) == (401, 401)
    def page(response, email: str) -> str:  # type: ignore[no-untyped-def]
        return re.sub(r'name="csrf_token" value="[^"]+"', "", response.text.replace(email, "X"))

    assert page(unknown, "nobody@x.bg") == page(wrong, "editor-a@x.bg")


def test_five_failures_lock_the_account_even_for_the_right_password(world: World) -> None:
    for _ in range(5):
        login(world.app.test_client(), "editor-a@x.bg", "wrong password 123")
    response = login(world.app.test_client(), "editor-a@x.bg")
    assert response.status_code == 429 and "15" in response.text


def test_an_unknown_account_is_locked_the_same_way_so_locking_reveals_nothing(world: World) -> None:
    for _ in range(5):
        login(world.app.test_client(), "nobody@x.bg", "wrong password 123")
    assert login(world.app.test_client(), "nobody@x.bg", "wrong password 123").status_code == 429


def test_many_failures_from_one_address_lock_that_address_for_every_account(world: World) -> None:
    for n in range(20):
        login(world.app.test_client(), f"guess{n}@x.bg", "wrong password 123")
    assert login(world.app.test_client(), "editor-a@x.bg").status_code == 429


@pytest.mark.parametrize("target,expected", [
    ("/staff/datasets/a-data/upload", "/staff/datasets/a-data/upload"),
    ("https://evil.example/", "/staff/"),
    ("//evil.example/", "/staff/"),
    ("/\\evil.example/", "/staff/"),
    ("javascript:alert(1)", "/staff/"),
])
def test_after_signing_in_only_local_paths_are_followed(world: World, target: str,
                                                        expected: str) -> None:
    response = login(world.app.test_client(), "editor-a@x.bg", next_=target)
    assert response.location == expected


def test_an_upload_over_the_limit_gets_413_in_both_languages(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    app = make_app(world.portal, MAX_UPLOAD_MB=1)
    client = app.test_client()
    login(client, "editor-a@x.bg")
    token = csrf_of(client.get("/staff/datasets/a-data/upload").text)
    import io

    big = io.BytesIO(b"a;b\n" + b"1;2\n" * 400_000)
    response = client.post("/staff/datasets/a-data/upload", data={
        "csrf_token": token, "file": (big, "big.csv")}, content_type="multipart/form-data")
    english = client.post("/staff/datasets/a-data/upload?lang=en", data={
        "csrf_token": token, "file": (io.BytesIO(b"a;b\n" + b"1;2\n" * 400_000), "big.csv")},
        content_type="multipart/form-data")
    assert (response.status_code, english.status_code) == (413, 413)
    assert "твърде голям" in response.text and "too large" in english.text


def test_sessions_are_short(world: World) -> None:
    assert world.app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() <= 8 * 3600
