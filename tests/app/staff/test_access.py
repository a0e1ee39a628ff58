"""Every workspace and API route checks who asks: the URL map is enumerated, so a new route
without a check fails here."""
from __future__ import annotations

from typing import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from tests.app.staff.staff_world import World, csrf_of

PROTECTED = ("/staff", "/api/v1")
OPEN = {"auth.login", "api.openapi"}  # the only ones a stranger may reach
SIGNED_IN_ONLY = {"auth.logout", "staff.home",  # show or touch only the user's own things
                  "staff.bulk_upload_form", "staff.bulk_metadata_form", "staff.bulk_metadata_csv"}


def _routes(world: World) -> list[tuple[str, str, str]]:
    found = []
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith(PROTECTED):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, rule.rule, method))
    return found


def _url(world: World, rule: str) -> str:
    """Fill a rule's parameters with publisher a's objects."""
    values = {"slug": "a-data", "publisher": "a", "job_id": world.job_a, "version": "1",
              "token_id": str(world.token_a_id), "user_id": str(world.member_a_id), "fmt": "json",
              "webhook_id": "1", "delivery_id": "1",
              **(_bulk_of_a(world) if "<batch_id>" in rule or "<edit_id>" in rule else {})}
    url = rule
    for name, value in values.items():
        for converter in ("", "int:"):
            url = url.replace(f"<{converter}{name}>", value)
    assert "<" not in url, f"add a value for {rule}"
    return url


def _bulk_of_a(world: World) -> dict[str, str]:
    """A batch of files and a metadata preview of admin-a (made once per world)."""
    if world.job_a not in _BULK:
        from io import BytesIO

        from datasets import bulk_metadata, bulk_upload

        with world.portal.engine.connect() as conn:
            admin = conn.execute(sa.text("SELECT id FROM users WHERE email = 'admin-a@x.bg'")).scalar()
        batch = bulk_upload.stage(world.portal.instance, world.portal.engine,
                                  [("a-data.csv", BytesIO(b"x;y\n1;2\n"))], user_id=admin,
                                  may_publish=lambda _p: True, actor="test")
        edit = bulk_metadata.save_preview(world.portal.engine, [], user_id=admin, actor="test")
        _BULK[world.job_a] = {"batch_id": batch.id, "edit_id": edit}
    return _BULK[world.job_a]


_BULK: dict[str, dict[str, str]] = {}  # by the world's own upload job, unique per world


def test_every_workspace_and_api_view_is_marked_as_checking_access(world: World) -> None:
    unmarked = [endpoint for endpoint, _rule, _method in _routes(world)
                if endpoint not in OPEN | SIGNED_IN_ONLY
                and not hasattr(world.app.view_functions[endpoint], "access_action")]
    assert unmarked == []


def test_a_stranger_is_sent_to_sign_in_or_refused_on_every_route(world: World) -> None:
    client = world.app.test_client()
    answers = {}
    for endpoint, rule, method in _routes(world):
        if endpoint in OPEN:
            continue
        response = client.open(_url(world, rule), method=method)
        if rule.startswith("/api/v1"):
            answers[endpoint, method] = response.status_code == 401
        elif method == "GET":
            answers[endpoint, method] = (response.status_code == 302
                                         and "/staff/login" in response.location)
        else:  # no CSRF token either: refused before anything else
            answers[endpoint, method] = response.status_code in (302, 400)
    assert [k for k, ok in answers.items() if not ok] == []


@pytest.mark.parametrize("email", ["editor-b@x.bg", "admin-b@x.bg"])
def test_staff_of_publisher_b_get_403_on_everything_of_publisher_a_through_forms(
        world: World, signed_in: Callable[[str], FlaskClient], email: str) -> None:
    client = signed_in(email)
    token = csrf_of(client.get("/staff/").text)
    statuses = {}
    for endpoint, rule, method in _routes(world):
        if endpoint in OPEN | SIGNED_IN_ONLY or rule.startswith("/api/"):
            continue
        data = {"csrf_token": token} if method == "POST" else None
        statuses[endpoint, method] = client.open(_url(world, rule), method=method,
                                                 data=data).status_code
    assert {k: v for k, v in statuses.items() if v != 403} == {}


def test_the_workspace_home_of_an_editor_of_b_shows_nothing_of_a(
        signed_in: Callable[[str], FlaskClient]) -> None:
    page = signed_in("editor-b@x.bg").get("/staff/").text
    assert "Община Б" in page and "Община А" not in page and "a-data" not in page


def test_a_token_of_publisher_b_gets_403_on_everything_of_publisher_a_through_the_api(
        world: World) -> None:
    client = world.app.test_client()
    headers = {"Authorization": f"Bearer {world.token_b}"}
    statuses = {}
    for endpoint, rule, method in _routes(world):
        if not rule.startswith("/api/v1") or endpoint in OPEN or "<" not in rule:
            continue
        statuses[endpoint, method] = client.open(_url(world, rule), method=method, headers=headers,
                                                 json={"reason": "a long enough reason"}).status_code
    assert statuses and {k: v for k, v in statuses.items() if v != 403} == {}


def test_an_editor_may_publish_but_not_manage_tokens_or_staff(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-a@x.bg")
    assert {path: client.get(path).status_code for path in (
        "/staff/datasets/a-data/upload", "/staff/datasets/a-data/edit",
        "/staff/publishers/a/tokens", "/staff/publishers/a/members", "/staff/audit",
        "/staff/publishers/new")} == {
        "/staff/datasets/a-data/upload": 200, "/staff/datasets/a-data/edit": 200,
        "/staff/publishers/a/tokens": 403, "/staff/publishers/a/members": 403,
        "/staff/audit": 403, "/staff/publishers/new": 403}


def test_a_site_admin_may_open_every_publishers_pages(
        signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("site@x.bg")
    assert [client.get(path).status_code for path in (
        "/staff/publishers/a/tokens", "/staff/publishers/b/members", "/staff/audit",
        "/staff/datasets/b-data/edit")] == [200, 200, 200, 200]
