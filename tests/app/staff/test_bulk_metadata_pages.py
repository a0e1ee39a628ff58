"""Metadata of many datasets through the workspace: download, upload edited, preview, apply."""
from __future__ import annotations

import csv
import html
import io
from typing import Callable

import pytest
from flask.testing import FlaskClient

from datasets.catalog import get_dataset
from datasets.edit import update_dataset
from tests.app.staff.staff_world import World, csrf_of

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)


def _download(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    answer = client.get("/staff/bulk/metadata.csv" + query)
    assert answer.status_code == 200 and answer.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig")), delimiter=";"))


def _upload(client: FlaskClient, rows: list[dict[str, str]], *, encoding: str = "cp1251"):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    token = csrf_of(client.get("/staff/bulk/metadata").text)
    return client.post("/staff/bulk/metadata?lang=en", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(out.getvalue().encode(encoding)), "metadata.csv")})


def test_an_editor_downloads_only_the_datasets_of_the_publishers_they_work_for(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    a, site = signed_in("editor-a@x.bg"), signed_in("site@x.bg")
    assert [r["slug"] for r in _download(a)] == ["a-data"]
    assert [r["slug"] for r in _download(site)] == ["a-data", "b-data"]
    assert a.get("/staff/bulk/metadata.csv?publisher=b").status_code == 403


def test_the_preview_shows_old_and_new_and_apply_changes_the_datasets(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-a@x.bg")
    rows = _download(client)
    rows[0].update(title_en="Settlements of Municipality A", themes="REGI; SOCI")
    preview = _upload(client, rows)
    assert preview.status_code == 302
    page = html.unescape(client.get(preview.location + "?lang=en").text)
    assert "<td class=\"old\">Settlements a</td><td class=\"new\">Settlements of Municipality A</td>" in page
    assert "REGI; SOCI" in page and get_dataset(world.portal.engine, "a-data").title.en == "Settlements a"
    applied = client.post(preview.location + "/apply", data={"csrf_token": csrf_of(page)})
    assert applied.status_code == 302 and "The changes were applied (datasets: 1)." in client.get(applied.location + "?lang=en").text
    dataset = get_dataset(world.portal.engine, "a-data")
    assert (dataset.title.en, dataset.themes) == ("Settlements of Municipality A", ("REGI", "SOCI"))


def test_a_row_of_another_publishers_dataset_refuses_the_file_and_says_why(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-a@x.bg")
    answer = _upload(client, [{"slug": "a-data", "title_en": "A", "licence": "CC-BY-4.0"},
                              {"slug": "b-data", "title_en": "B", "licence": "CC-BY-4.0"},
                              {"slug": "a-data", "title_en": "A", "licence": "MIT"}])
    page = html.unescape(answer.text)
    assert answer.status_code == 422 and "Nothing was changed: the file has 2 errors." in page
    assert "Row 3: the dataset 'b-data' belongs to another publisher; you may not edit it." in page
    assert "Row 4: the dataset 'a-data' is already on row 2." in page
    assert get_dataset(world.portal.engine, "b-data").title.en == "Settlements b"


def test_an_edit_made_after_the_preview_is_detected_and_nothing_is_overwritten(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-a@x.bg")
    rows = _download(client)
    rows[0]["spatial"] = "Община А"
    preview = _upload(client, rows).location
    update_dataset(world.portal.engine, "a-data", actor="admin-a@x.bg", spatial="Област А")
    refused = client.post(preview + "/apply?lang=en", data={"csrf_token": csrf_of(client.get(preview).text)})
    assert refused.status_code == 409
    assert "Nothing was changed: after the preview someone else edited a-data." in html.unescape(refused.text)
    assert get_dataset(world.portal.engine, "a-data").spatial == "Област А"


def test_unknown_columns_get_a_bilingual_page_not_an_error_500(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    answer = _upload(signed_in("editor-a@x.bg"), [{"slug": "a-data", "Заглавие": "x"}], encoding="utf-8")
    assert answer.status_code == 400 and "Unknown columns: Заглавие." in html.unescape(answer.text)


@pytest.mark.parametrize("email", ["editor-b@x.bg", "site@x.bg"])
def test_a_preview_is_only_ever_its_authors(world: World, signed_in: Callable[[str], FlaskClient],
                                           email: str) -> None:
    client = signed_in("editor-a@x.bg")
    rows = _download(client)
    rows[0]["spatial"] = "Община А"
    preview = _upload(client, rows).location
    other = signed_in(email)
    token = csrf_of(other.get("/staff/").text)
    assert [other.get(preview).status_code,
            other.post(preview + "/apply", data={"csrf_token": token}).status_code] == [403, 403]
    assert get_dataset(world.portal.engine, "a-data").spatial is None
