"""Web protections: CSRF on every write, sessions, redirects, headers and error pages
(SECURITY 17, 22-24, 26, 28-30, 50).

Sign-in details (cookie flags, throttling, one message for unknown user and wrong password)
are in tests/app/staff/test_auth.py and the role matrix over the URL map in tests/app/staff/test_access.py;
this file adds what holds for every route at once, and what only a real server shows.
"""
from __future__ import annotations

import io
import re
import socket
from typing import Any, Callable

import httpx
import pytest
import sqlalchemy as sa
from argon2 import extract_parameters
from flask import Flask
from flask.testing import FlaskClient

from app.errors import HTTP_TEXT
from app.state import Portal
from publishers import feedback
from publishers.users import HASHER, dummy_hash
from tests.app.staff.staff_world import login, make_app
from tests.conftest import HTTP_TIMEOUT
from tests.security.conftest import World, csrf_of, published_state

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# State-changing routes outside the workspace and the token API: the public forms, and CKAN's
# read-only actions (CKAN clients POST JSON queries). A new one must be added here knowingly.
# The subscription pages are public forms too; the one-click unsubscribe (RFC 8058) is
# authorised by the signed token in its URL instead of a CSRF token (docs/followers.md).
PUBLIC_WRITES = {"participation_feedback.request_new", "participation_feedback.comments",
                 "interop_ckan.action_view", "follow.form", "follow.confirm", "follow.unsubscribe",
                 "follow.manage"}
COOKIE_FORMS = {"participation_feedback.request_new", "participation_feedback.comments"}


def _write_routes(app: Flask) -> list[tuple[str, str, str]]:
    return sorted((rule.endpoint, rule.rule, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods & WRITES)


def _fill(world: World, rule: str, item_id: int) -> str:
    values = {"slug": "a-data", "publisher": "a", "job_id": world.job_a, "version": "1",
              "token_id": str(world.token_a_id), "user_id": str(world.member_a_id),
              "item_id": str(item_id), "action": "package_list", "batch_id": "none", "edit_id": "none",
              "token": "forged", "webhook_id": "1", "delivery_id": "1"}
    url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values.get(m.group(1), "MISSING"), rule)
    assert "MISSING" not in url, f"add a value for {rule}"
    return url


def _everything(world: World) -> dict[str, Any]:
    """What a forged request could change: the published state and every catalog table."""
    with world.portal.engine.connect() as conn:
        names = [n for (n,) in conn.execute(sa.text(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"))]
        rows = {n: conn.execute(sa.text(f"select count(*) from [{n}]")).scalar() for n in names}
    return {"published": published_state(world.portal), "rows": rows}


def test_every_route_that_writes_is_a_workspace_or_api_route_or_a_known_public_form(
        world: World) -> None:
    unknown = [(endpoint, rule) for endpoint, rule, _ in _write_routes(world.app)
               if not rule.startswith(("/staff/", "/api/v1/")) and endpoint not in PUBLIC_WRITES]
    assert unknown == []


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_every_form_refuses_a_missing_or_wrong_csrf_token_and_changes_nothing(
        world: World, signed_in: Callable[[str], FlaskClient], token: str | None) -> None:
    item = feedback.submit(world.portal.engine, kind="request", publisher_id=1, title="Искане",
                           body="Текст на искането", address="10.0.0.1", consent=True)
    assert item is not None
    client = signed_in("site@x.bg")
    before = _everything(world)
    answers = {}
    for endpoint, rule, method in _write_routes(world.app):
        if rule.startswith("/api/") or endpoint == "auth.login":
            continue
        data = {"title_bg": "Подправено", "slug": "forged", "name_bg": "Подправен",
                "email": "x@x.bg", "role": "editor", "body": "Подправен текст на искане",
                "title": "Подправено искане", "consent": "on", "reason": "подправена причина"}
        if token is not None:
            data["csrf_token"] = token
        answers[endpoint] = client.open(_fill(world, rule, item.id), method=method,
                                        data=data).status_code
    assert set(answers) >= COOKIE_FORMS | {"auth.logout", "staff.dataset_edit"}
    assert {k: v for k, v in answers.items() if v != 400} == {}
    assert _everything(world) == before
    assert client.get("/staff/").status_code == 200  # still signed in: logout was refused too


def test_the_right_csrf_token_is_accepted_so_the_refusals_above_are_about_the_token(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("site@x.bg")
    token = csrf_of(client.get("/staff/").text)
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/").status_code == 302


def test_a_session_cookie_alone_never_authenticates_the_api(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("site@x.bg")
    before = _everything(world)
    created = client.post("/api/v1/datasets", json={"slug": "by-cookie", "title_bg": "Бисквитка"})
    changed = client.patch("/api/v1/datasets/a-data", json={"title_bg": "Бисквитка"})
    assert (created.status_code, changed.status_code) == (401, 401)
    assert _everything(world) == before


def test_a_cookie_from_before_signing_in_is_not_signed_in_afterwards(world: World) -> None:
    client = world.app.test_client()
    client.get("/staff/login")
    planted = client.get_cookie("session").value
    assert login(client, "editor-a@x.bg").status_code == 302
    assert client.get_cookie("session").value != planted
    replay = world.app.test_client()
    replay.set_cookie("session", planted)
    assert replay.get("/staff/").status_code == 302


def test_an_unknown_account_costs_a_full_argon2id_check_like_a_real_one() -> None:
    assert extract_parameters(dummy_hash()) == extract_parameters(HASHER.hash("a real password 123"))


def test_staff_passwords_are_hashed_with_argon2id_at_rfc_9106s_second_recommended_cost() -> None:
    """The cost every `otkrito` process uses (tests/conftest.py lowers it only in the test process)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run([sys.executable, "-c", "from publishers.users import hash_password; "
                           "print(hash_password('a real password 123'))"],
                          cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    made = extract_parameters(done.stdout.strip())
    # RFC 9106, section 4, second recommended option: t=3, 64 MiB, 4 lanes (argon2-cffi's default).
    assert (made.type.name, made.time_cost, made.memory_cost, made.parallelism) == ("ID", 3, 65536, 4)


OFF_SITE = [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example/",
    "/\t/evil.example/", "/\r\n/evil.example/", " //evil.example/", "http:evil.example",
    "///evil.example/", "javascript:alert(1)", "data:text/html,x", "HTTPS://evil.example",
]


def test_signing_in_never_redirects_off_site(world: World) -> None:
    client = world.app.test_client()
    login(client, "editor-a@x.bg")
    for target in OFF_SITE:
        fresh = login(world.app.test_client(), "editor-a@x.bg", next_=target)
        again = client.get("/staff/login", query_string={"next": target})
        for response in (fresh, again):
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), target
            assert "evil" not in location.split("?")[0].lstrip("/").split("/")[0], target


CSP_NEEDS = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
             "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'",
             "frame-ancestors": "'none'"}
PAGES = ["/", "/datasets/a-data", "/no-such-page", "/feeds/releases.atom", "/catalog.ttl",
         "/api/3/action/package_list", "/api/v1/datasets", "/staff/login",
         "/datasets/a-data/datapackage.json", "/robots.txt", "/requests/new"]


def _csp(value: str) -> dict[str, str]:
    return {d.split()[0]: " ".join(d.split()[1:]) for d in value.split(";") if d.strip()}


def test_every_kind_of_response_carries_the_strict_headers_and_no_hsts_over_plain_http(
        world: World) -> None:
    for path in PAGES:
        headers = world.app.test_client().get(path).headers
        policy = _csp(headers["Content-Security-Policy"])
        assert {k: policy.get(k) for k in CSP_NEEDS} == CSP_NEEDS, path
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert "unsafe-eval" not in headers["Content-Security-Policy"]
        assert (headers["X-Content-Type-Options"], headers["X-Frame-Options"],
                headers["Referrer-Policy"]) == ("nosniff", "DENY", "strict-origin-when-cross-origin")
        assert "Strict-Transport-Security" not in headers


def test_hsts_is_sent_when_the_request_came_over_tls(world: World) -> None:
    response = world.app.test_client().get("/", base_url="https://data.example.bg")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_real_server_sends_the_headers_on_pages_and_under_sql_and_hsts_behind_tls(
        world: World, live_server: str) -> None:
    for path in ("/", "/sql/", "/sql/a-data.json", "/sql/a-data/a_data", "/no-such-page"):
        plain = httpx.get(live_server + path, timeout=HTTP_TIMEOUT)
        tls = httpx.get(live_server + path, headers={"X-Forwarded-Proto": "https"}, timeout=HTTP_TIMEOUT)
        for response in (plain, tls):
            policy = _csp(response.headers["content-security-policy"])
            assert (policy["frame-ancestors"], policy["object-src"]) == ("'none'", "'none'"), path
            assert "unsafe-inline" not in response.headers["content-security-policy"]
            assert (response.headers["x-content-type-options"],
                    response.headers["x-frame-options"]) == ("nosniff", "DENY")
            # Datasette's own stricter no-referrer is kept where it sets one.
            assert response.headers["referrer-policy"] in ("strict-origin-when-cross-origin",
                                                           "no-referrer")
        assert "strict-transport-security" not in plain.headers, path
        assert tls.headers["strict-transport-security"].startswith("max-age="), path


def _error_app(portal: Portal) -> Flask:
    app = make_app(portal, MAX_UPLOAD_MB=1)

    @app.get("/_crash")
    def crash():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail: SELECT password_hash FROM users; /etc/passwd")

    return app


def _provoke(client: FlaskClient, status: int, lang: str, *, api: str = ""):  # type: ignore[no-untyped-def]
    """Cause an error status; api is a token for the API's paths, or "" for pages."""
    query = {"lang": lang}
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api}"
    if status == 404:
        return client.get("/api/v1/nothing" if api else "/no-such-page", query_string=query)
    if status == 405:
        return client.delete("/api/v1/openapi.json" if api else "/datasets", query_string=query)
    if status == 413:
        big = {"file": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.csv")}
        return client.post("/api/v1/datasets/a-data/releases" if api else "/requests/new",
                           query_string=query, data=big, content_type="multipart/form-data")
    return client.get("/_crash", query_string=query)


def test_error_pages_speak_the_visitors_language_and_show_no_internals(world: World) -> None:
    client = _error_app(world.portal).test_client()
    for status in (404, 405, 413, 500):
        for lang in ("bg", "en"):
            response = _provoke(client, status, lang)
            assert (response.status_code, response.mimetype) == (status, "text/html")
            assert HTTP_TEXT[status].get(lang) in response.text, (status, lang)
            for secret in ("Traceback", "secret detail", "password_hash", "/etc/passwd", 'File "'):
                assert secret not in response.text


def test_api_errors_are_problem_json_in_both_languages(world: World) -> None:
    client = _error_app(world.portal).test_client()
    for status in (404, 405, 413):
        response = _provoke(client, status, "en", api=world.token_a)
        assert (response.status_code, response.mimetype) == (status, "application/problem+json")
        body = response.get_json()
        assert (body["title"], body["title_bg"]) == (HTTP_TEXT[status].en, HTTP_TEXT[status].bg)


def test_an_oversized_upload_is_refused_before_its_body_is_sent(world: World,
                                                                live_server: str) -> None:
    """The server answers 413 to the headers alone: the 10 GB body never has to arrive."""
    host, port = live_server.removeprefix("http://").split(":")
    request = (f"POST /requests/new?lang=en HTTP/1.1\r\nHost: {host}\r\n"
               "Content-Type: multipart/form-data; boundary=x\r\n"
               f"Content-Length: {10 * 1024 ** 3}\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=HTTP_TIMEOUT) as sock:
        sock.sendall(request + b"--x\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_new_token_is_shown_once_works_only_for_its_publisher_and_dies_when_revoked(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("admin-a@x.bg")
    token = csrf_of(client.get("/staff/publishers/a/tokens").text)
    page = client.post("/staff/publishers/a/tokens", data={"csrf_token": token, "name": "ci"}).text
    secret = re.search(r"(otk_[A-Za-z0-9_\-]+)", page)
    assert secret, "the new token is shown on the page that created it"
    assert secret.group(1) not in client.get("/staff/publishers/a/tokens").text
    api = world.app.test_client()
    auth = {"Authorization": f"Bearer {secret.group(1)}"}
    assert (api.get("/api/v1/datasets/a-data", headers=auth).status_code,
            api.get("/api/v1/datasets/b-data", headers=auth).status_code) == (200, 403)
    with world.portal.engine.connect() as conn:
        stored = [v for (v,) in conn.execute(sa.text("select token_hash from api_tokens"))]
        newest = conn.execute(sa.text("select max(id) from api_tokens")).scalar()
    assert secret.group(1) not in " ".join(stored)
    token = csrf_of(client.get("/staff/publishers/a/tokens").text)
    client.post(f"/staff/publishers/a/tokens/{newest}/revoke", data={"csrf_token": token})
    assert api.get("/api/v1/datasets/a-data", headers=auth).status_code == 401
