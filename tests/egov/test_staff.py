"""The workspace's data.egov.bg page: status and errors for staff, the key form for admins only."""
from __future__ import annotations

import re
from typing import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from publishers.egov_keys import open_key
from publishers.egov_store import egov_accounts
from publishers.registry import get_publisher
from tests.app.staff.staff_world import World, csrf_of

KEY = "5d0c2b9e-7a61-4f0e-8c8a-3b7e2f9d1c40"


def _store(client: FlaskClient, key: str = KEY, org: str = "7"):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/staff/publishers/a/egov").text)
    return client.post("/staff/publishers/a/egov/key", data={"csrf_token": token, "api_key": key, "org_id": org})


def test_an_admin_stores_the_key_which_is_sealed_and_never_shown_again(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("admin-a@x.bg")
    saved = _store(client)
    assert saved.status_code == 302
    page = client.get(saved.location)
    assert "API ключът на a е съхранен (шифрован)" in page.text and KEY not in page.text
    assert "admin-a@x.bg" in page.text and "7" in re.sub(r"<[^>]+>", " ", page.text)
    with world.portal.engine.connect() as conn:
        sealed = conn.execute(sa.select(egov_accounts.c.key_sealed)).scalar()
    assert KEY not in sealed
    owner = get_publisher(world.portal.engine, "a")
    assert open_key(world.portal.engine, owner, secret=world.app.config["SECRET_KEY"]) == KEY


def test_a_refused_key_gets_a_bilingual_message_and_the_field_is_not_filled_back(
        signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("admin-a@x.bg")
    refused = _store(client, key="has spaces in it", org="7")
    assert refused.status_code == 422
    assert "API ключът трябва да е един ред без интервали" in refused.text and "has spaces" not in refused.text
    english = client.post("/staff/publishers/a/egov/key?lang=en", data={
        "csrf_token": csrf_of(refused.text), "api_key": KEY, "org_id": "x7"})
    assert english.status_code == 422 and "must be a whole number of 1 to 10 digits, not &#39;x7&#39;" in english.text
    assert KEY not in english.text


def test_the_key_form_needs_its_csrf_token(signed_in: Callable[[str], FlaskClient], world: World) -> None:
    client = signed_in("admin-a@x.bg")
    assert client.post("/staff/publishers/a/egov/key", data={"api_key": KEY}).status_code == 400
    with world.portal.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(egov_accounts)).scalar() == 0


def test_an_editor_sees_the_status_but_may_not_store_a_key(signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-a@x.bg")
    page = client.get("/staff/publishers/a/egov")
    assert page.status_code == 200 and 'id="registrations"' in page.text and 'name="api_key"' not in page.text
    token = csrf_of(client.get("/staff/").text)
    assert client.post("/staff/publishers/a/egov/key", data={"csrf_token": token, "api_key": KEY}).status_code == 403


def test_the_workspace_links_each_publisher_to_its_page(signed_in: Callable[[str], FlaskClient]) -> None:
    assert 'href="/staff/publishers/a/egov"' in signed_in("editor-a@x.bg").get("/staff/").text


def test_the_page_shows_each_datasets_status_and_last_error(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    from datasets.catalog import get_dataset
    from publishers.egov_registry import save

    dataset = get_dataset(world.portal.engine, "a-data")
    save(world.portal.engine, dataset.id, status="failed", error_bg="data.egov.bg отказа addDataset",
         error_en="data.egov.bg refused addDataset",
         call={"publisher_id": dataset.publisher_id, "action": "addDataset", "actor": "cli",
               "http_status": 500, "success": False, "message": "Add dataset failure"})
    page = signed_in("editor-a@x.bg").get("/staff/publishers/a/egov?lang=en").text
    row = re.search(r'<table id="registrations">.*?</table>', page, re.S).group(0)
    assert "a-data" in row and "failed" in row and "data.egov.bg refused addDataset" in row
    calls = re.search(r'<table id="calls">.*?</table>', page, re.S).group(0)
    assert "addDataset" in calls and "500" in calls and "Add dataset failure" in calls
