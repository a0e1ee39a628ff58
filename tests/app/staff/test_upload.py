"""Upload → report → schema review → preview → publish, and withdrawing, through the workspace."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Callable

import pytest
from flask.testing import FlaskClient
from tests.app.staff.staff_world import BROKEN_ROWS, GOOD_ROWS, World, cp1251_csv, csrf_of

from datasets import catalog

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)


def _upload(client: FlaskClient, slug: str, path: Path, **options: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(f"/staff/datasets/{slug}/upload").text)
    with path.open("rb") as handle:
        return client.post(f"/staff/datasets/{slug}/upload", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (handle, "../../etc/passwd;x.csv"),
                                 **options})


def _new_dataset(client: FlaskClient) -> None:
    token = csrf_of(client.get("/staff/publishers/a/datasets/new").text)
    response = client.post("/staff/publishers/a/datasets/new", data={
        "csrf_token": token, "slug": "novo", "title_bg": "Селища", "title_en": "Settlements",
        "licence": "CC-BY-4.0", "frequency": "ANNUAL"})
    assert response.status_code == 302


def test_a_broken_windows_1251_file_gets_a_plain_words_report_in_both_languages(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    _new_dataset(client)
    job = _upload(client, "novo", cp1251_csv(tmp_path / "broken.csv", BROKEN_ROWS)).location
    bg, en = client.get(job).text, client.get(job + "?lang=en").text
    assert "Редове с повече клетки от заглавния ред: 1" in bg
    assert "Rows with fewer cells than the header: 1" in en
    assert "излишно" in bg and "Publish" not in en


def test_the_report_downloads_as_csv_and_json_with_both_languages(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    job = _upload(client, "a-data", cp1251_csv(tmp_path / "broken.csv", BROKEN_ROWS)).location
    as_json = json.loads(client.get(job + "/report.json").data)
    rows = list(csv.DictReader(io.StringIO(client.get(job + "/report.csv").data.decode("utf-8-sig"))))
    errors = [p for p in as_json["problems"] if p["severity"] == "error"]
    # Besides the errors, a notice says the EKATTE column was recognised as places (no row).
    assert as_json["valid"] is False and as_json["error_count"] == len(errors) >= 3
    assert [(r["row"], r["value"]) for r in rows] == [(str(p["row"] or ""), p["value"] or "")
                                                      for p in as_json["problems"]]
    assert [r for r in rows if r["severity"] == "error"][0]["message_en"].startswith("The row has more cells")


def test_the_error_table_is_paged(world: World, signed_in: Callable[[str], FlaskClient],
                                  tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    rows = [f"{n:05d};Село;{n};x" for n in range(1, 121)]  # 120 non-numbers under a number column
    job = _upload(client, "a-data", cp1251_csv(tmp_path / "many.csv", rows)).location
    first, third = client.get(job).text, client.get(job + "?page=3").text
    assert first.count("<tr><td>") == 50 and third.count("<tr><td>") == 20
    assert 'rel="next"' in first and 'rel="next"' not in third


def test_a_new_dataset_is_reviewed_previewed_and_published_only_when_valid(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    _new_dataset(client)
    broken = _upload(client, "novo", cp1251_csv(tmp_path / "b.csv", BROKEN_ROWS)).location
    assert client.get(broken + "/publish").status_code == 400
    job = _upload(client, "novo", cp1251_csv(tmp_path / "g.csv", GOOD_ROWS)).location
    assert client.get(job + "/publish").status_code == 400  # the schema is not reviewed yet
    review = client.get(job + "/schema").text
    form = {"csrf_token": csrf_of(review), "primaryKey": "ekatte"}
    for i, (name, title_en) in enumerate([("ekatte", "EKATTE"), ("selishte", "Settlement"),
                                          ("plosht", "Area"), ("naselenie", "Population")]):
        kind = re.search(rf'name="f{i}\.type".*?<option value="(\w+)" selected', review, re.S)
        form.update({f"f{i}.type": kind.group(1) if kind else "string",
                     f"f{i}.title": name, f"f{i}.title_en": title_en, f"f{i}.required": "on"})
    assert client.post(job + "/schema", data=form).status_code == 302
    preview = client.get(job + "/publish").text
    assert "Асеновци" in preview
    done = client.post(job + "/publish", data={"csrf_token": csrf_of(preview),
                                               "notes": "Първа версия"})
    assert done.status_code == 302
    dataset = catalog.get_dataset(world.portal.engine, "novo")
    release = catalog.latest_release(world.portal.engine, dataset.id)
    assert release and release.notes == "Първа версия" and release.row_count == 4
    assert [f["title_en"] for f in dataset.table_schema["fields"]] == [
        "EKATTE", "Settlement", "Area", "Population"]
    assert "Първа версия" in client.get("/datasets/novo").text or release.version == 1


def test_uploads_are_stored_under_generated_names_only(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    _upload(client, "a-data", cp1251_csv(tmp_path / "g.csv", GOOD_ROWS))
    stored = [p.name for p in (world.portal.instance.root / "uploads").iterdir()]
    assert stored and all(re.fullmatch(r"[0-9a-f]{32}\.upload", name) for name in stored)


def test_encoding_and_delimiter_overrides_are_used(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    path = cp1251_csv(tmp_path / "g.csv", GOOD_ROWS)
    wrong = _upload(client, "a-data", path, encoding="utf-8").location
    right = _upload(client, "a-data", path, encoding="cp1251", delimiter=";").location
    assert "Асеновци" not in client.get(wrong).text or "valid" not in client.get(wrong).text
    assert client.get(right + "/report.json").json["valid"] is True


def test_metadata_errors_show_inline_in_the_chosen_language(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-a@x.bg")
    token = csrf_of(client.get("/staff/datasets/a-data/edit").text)
    bad = {"csrf_token": token, "title_bg": "", "licence": "CC-BY-4.0", "frequency": "UNKNOWN",
           "contact_email": "not-an-address", "temporal_start": "2026-05-01",
           "temporal_end": "2025-01-01"}
    bg = client.post("/staff/datasets/a-data/edit", data=bad)
    en = client.post("/staff/datasets/a-data/edit?lang=en", data=bad)
    assert bg.status_code == 422
    assert re.findall(r'id="err-(\w+)"', bg.text) == ["title_bg", "temporal_end", "contact_email"]
    assert "Полето е задължително." in bg.text and "This field is required." in en.text


def test_withdrawing_keeps_record_reason_and_checksums_but_deletes_files_and_leaves_sql(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    engine, instance = world.portal.engine, world.portal.instance
    before = catalog.generation(engine)
    client = signed_in("editor-a@x.bg")
    page = client.get("/staff/datasets/a-data/releases/1/withdraw").text
    short = client.post("/staff/datasets/a-data/releases/1/withdraw",
                        data={"csrf_token": csrf_of(page), "reason": "ЕГН"})
    assert short.status_code == 422
    done = client.post("/staff/datasets/a-data/releases/1/withdraw",
                       data={"csrf_token": csrf_of(page), "reason": "Лични данни по погрешка"})
    dataset = catalog.get_dataset(engine, "a-data")
    release = catalog.get_release(engine, dataset, 1)
    assert done.status_code == 302 and release.status == "withdrawn"
    assert release.withdrawn_reason == "Лични данни по погрешка" and release.file("sqlite").sha256
    assert not instance.release_dir("a-data", 1).exists()
    assert catalog.generation(engine) > before
    assert "a-data" not in [d.name for d in catalog.live_databases(engine)]
    assert client.get(f"/datasets/a-data/releases/1/{release.file('data').name}").status_code == 410
    assert "Лични данни по погрешка" in client.get("/changelog").text


def test_an_upload_removed_as_abandoned_tells_the_staff_why_and_offers_a_new_upload(
        world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    import os
    from datetime import timedelta

    from datasets.uploads import get_job, remove_abandoned, uploads_dir

    engine, instance = world.portal.engine, world.portal.instance
    with engine.begin() as conn:
        conn.exec_driver_sql("update upload_jobs set updated_at = '2000-01-01 00:00:00.000000'")
    upload = uploads_dir(instance) / get_job(engine, world.job_a).stored_name
    os.utime(upload, (946684800, 946684800))  # 2000-01-01
    assert remove_abandoned(instance, engine, older_than=timedelta(days=7)) == [upload.name]
    client = signed_in("editor-a@x.bg")

    page = client.get(f"/staff/uploads/{world.job_a}?lang=en")
    publish = client.get(f"/staff/uploads/{world.job_a}/publish?lang=en")

    assert page.status_code == 200
    assert "The file was deleted because it was not published for a long time" in page.text
    assert "/staff/datasets/a-data/upload" in page.text
    assert publish.status_code == 400 and "has not been checked yet or is not valid" in publish.text
