"""Several files at once in the workspace: match → per-file reports → publish the valid ones."""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from datasets import catalog
from datasets.publish import Upload, publish
from publishers.accounts_store import upload_jobs
from publishers.store import audit_events
from tests.app.staff.staff_world import BROKEN_ROWS, GOOD_ROWS, World, cp1251_csv, csrf_of

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)


def _dataset(world: World, slug: str, owner: str, tmp_path: Path) -> None:
    """A dataset of `owner` with one release (so it has a schema and needs no review)."""
    catalog.create_dataset(world.portal.engine, slug, publisher=owner, title_bg=f"Селища {slug}")
    good = cp1251_csv(tmp_path / f"first-{slug}.csv", GOOD_ROWS)
    publish(world.portal.instance, world.portal.engine, Upload(good, "good.csv"), dataset=slug)


def _send(client: FlaskClient, files: dict[str, Path]) -> str:
    """Upload the files (sent under the given names) in one form; return the batch's URL."""
    token = csrf_of(client.get("/staff/bulk/upload").text)
    handles = [(path.open("rb"), name) for name, path in files.items()]
    try:
        answer = client.post("/staff/bulk/upload", content_type="multipart/form-data",
                             data={"csrf_token": token, "files": handles})
    finally:
        for handle, _name in handles:
            handle.close()
    assert answer.status_code == 302, answer.text
    return answer.location


def _read(client: FlaskClient, url: str) -> str:
    """A page's HTML with entities decoded, so messages read as written."""
    return html.unescape(client.get(url).text)


def _selected(page: str) -> dict[str, str]:
    """Each select of the matching step and the slug it preselects ('' for none)."""
    found = {}
    for name, body in re.findall(r'<select id="(dataset-\d+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        found[name] = chosen.group(1) if chosen else ""
    return found


def _confirm(client: FlaskClient, batch: str, choices: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(batch).text)
    return client.post(batch + "/match", data={"csrf_token": token, **choices})


def _versions(world: World, slug: str) -> list[int]:
    engine = world.portal.engine
    return [r.version for r in catalog.list_releases(engine, catalog.get_dataset(engine, slug).id)]


def test_valid_files_become_releases_of_their_own_and_an_invalid_one_publishes_nothing(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    _dataset(world, "a-second", "a", tmp_path)
    client = signed_in("editor-a@x.bg")
    batch = _send(client, {"a-data.csv": cp1251_csv(tmp_path / "1.csv", GOOD_ROWS),
                           "a-second_2026.csv": cp1251_csv(tmp_path / "2.csv", BROKEN_ROWS)})
    assert _selected(client.get(batch).text) == {"dataset-0": "a-data", "dataset-1": "a-second"}
    assert _confirm(client, batch, _selected(client.get(batch).text)).status_code == 302

    report = _read(client, batch + "?lang=en")
    assert "Valid: 4 rows, ready to publish" in report and "Not valid: 5 errors" in report
    assert "Rows with more cells than the header: 1" in report
    published = client.post(batch + "/publish", data={"csrf_token": csrf_of(report), "notes": "Пакет"})
    assert published.status_code == 302

    assert (_versions(world, "a-data"), _versions(world, "a-second")) == ([2, 1], [1])
    assert "Published as release 2" in _read(client, batch + "?lang=en")
    release = catalog.latest_release(world.portal.engine, catalog.get_dataset(world.portal.engine, "a-data").id)
    assert release and (release.notes, release.row_count) == ("Пакет", 4)


def test_a_file_matching_no_dataset_or_two_datasets_is_explained_and_can_be_sent_by_choice(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    _dataset(world, "a-data-x", "a", tmp_path)
    client = signed_in("editor-a@x.bg")
    batch = _send(client, {"селища.csv": cp1251_csv(tmp_path / "1.csv", GOOD_ROWS),
                           "a-data-x-q1.csv": cp1251_csv(tmp_path / "2.csv", GOOD_ROWS)})
    bg, en = _read(client, batch), _read(client, batch + "?lang=en")
    assert _selected(bg) == {"dataset-0": "", "dataset-1": ""}
    assert "„селища.csv“ не съответства на никой набор от данни" in bg
    assert "'a-data-x-q1.csv' matches more than one dataset (a-data, a-data-x); choose one." in en

    assert _confirm(client, batch, {"dataset-0": "a-data", "dataset-1": ""}).status_code == 302
    report = _read(client, batch + "?lang=en")
    assert "'a-data-x-q1.csv' was not published: no dataset was chosen for it." in report
    client.post(batch + "/publish", data={"csrf_token": csrf_of(report)})
    assert (_versions(world, "a-data"), _versions(world, "a-data-x")) == ([2, 1], [1])


def test_an_editor_of_a_can_send_no_file_to_bs_dataset_by_its_name_or_a_forged_choice(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    batch = _send(client, {"b-data.csv": cp1251_csv(tmp_path / "1.csv", GOOD_ROWS)})
    page = _read(client, batch + "?lang=en")
    assert "is for the dataset 'b-data' of another publisher: you may not publish to it." in page
    assert _selected(page) == {"dataset-0": ""} and 'value="b-data"' not in page

    assert _confirm(client, batch, {"dataset-0": "b-data"}).status_code == 302  # a forged select
    report = _read(client, batch + "?lang=en")
    assert "you may not publish to it" in report and "/publish" not in report
    with world.portal.engine.connect() as conn:
        jobs = conn.execute(sa.select(sa.func.count()).select_from(upload_jobs)).scalar()
    assert jobs == 1 and _versions(world, "b-data") == [1]  # only the world's own upload job


@pytest.mark.parametrize("email", ["editor-b@x.bg", "site@x.bg"])
def test_a_batch_is_only_ever_its_senders(world: World, signed_in: Callable[[str], FlaskClient],
                                         tmp_path: Path, email: str) -> None:
    batch = _send(signed_in("editor-a@x.bg"), {"a-data.csv": cp1251_csv(tmp_path / "1.csv", GOOD_ROWS)})
    other = signed_in(email)
    token = csrf_of(other.get("/staff/").text)
    assert [other.get(batch).status_code, other.post(batch + "/match", data={
        "csrf_token": token, "dataset-0": "a-data"}).status_code] == [403, 403]


def test_a_second_submit_of_the_matching_step_is_refused_and_makes_no_second_job(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    batch = _send(client, {"a-data.csv": cp1251_csv(tmp_path / "1.csv", GOOD_ROWS)})
    token = csrf_of(client.get(batch).text)
    answers = [client.post(batch + "/match", data={"csrf_token": token, "dataset-0": "a-data"}).status_code
               for _ in range(2)]
    with world.portal.engine.connect() as conn:
        jobs = conn.execute(sa.select(sa.func.count()).select_from(upload_jobs)).scalar()
    assert answers == [302, 400] and jobs == 2


def test_no_files_and_two_files_for_one_dataset_get_their_own_messages(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    token = csrf_of(client.get("/staff/bulk/upload").text)
    empty = client.post("/staff/bulk/upload?lang=en", data={"csrf_token": token})
    batch = _send(client, {"a-data.csv": cp1251_csv(tmp_path / "1.csv", GOOD_ROWS),
                           "a-data-q2.csv": cp1251_csv(tmp_path / "2.csv", GOOD_ROWS)})
    assert empty.status_code == 400 and "Choose at least one file." in empty.text
    assert "'a-data-q2.csv' is for the same dataset 'a-data' as 'a-data.csv'" in _read(client, batch + "?lang=en")


def test_every_step_of_a_batch_is_in_the_audit_log(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    batch = _send(client, {"a-data.csv": cp1251_csv(tmp_path / "1.csv", GOOD_ROWS)})
    _confirm(client, batch, {"dataset-0": "a-data"})
    client.post(batch + "/publish", data={"csrf_token": csrf_of(client.get(batch).text)})
    with world.portal.engine.connect() as conn:
        events = conn.execute(sa.select(audit_events.c.actor, audit_events.c.action, audit_events.c.target)
                              .where(audit_events.c.actor == "editor-a@x.bg")
                              .order_by(audit_events.c.id)).all()
    batch_id = batch.rsplit("/", 1)[1]
    assert [tuple(e) for e in events if e.action != "user.login"] == [
        ("editor-a@x.bg", "bulk.upload", batch_id), ("editor-a@x.bg", "bulk.match", batch_id),
        ("editor-a@x.bg", "bulk.publish", batch_id), ("editor-a@x.bg", "release.publish", "a-data/2")]
