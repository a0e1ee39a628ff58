"""Several files at once on the queue: the web process enqueues each file's check and publish,
and a real `otkrito worker` runs them; the invalid file publishes nothing."""
from __future__ import annotations

from pathlib import Path

from datasets import catalog, uploads
from datasets.bulk_upload import get_batch
from datasets.publish import Upload, publish
from tests.app.staff.staff_world import BROKEN_ROWS, GOOD_ROWS, build_world, cp1251_csv, csrf_of, login
from tests.jobs.conftest import QueueWorld, until
from tests.postgres import postgresql_only

pytestmark = postgresql_only


def test_a_batch_is_checked_and_published_by_a_worker_file_by_file(empty_queue_world: QueueWorld,
                                                                    tmp_path: Path) -> None:
    world = build_world(empty_queue_world.portal, tmp_path)
    engine = world.portal.engine
    catalog.create_dataset(engine, "a-more", publisher="a", title_bg="Още селища")
    publish(world.portal.instance, engine, Upload(cp1251_csv(tmp_path / "m.csv", GOOD_ROWS), "m.csv"),
            dataset="a-more")
    client = world.app.test_client()
    assert login(client, "editor-a@x.bg").status_code == 302
    token = csrf_of(client.get("/staff/bulk/upload").text)
    with cp1251_csv(tmp_path / "1.csv", GOOD_ROWS).open("rb") as good, \
            cp1251_csv(tmp_path / "2.csv", BROKEN_ROWS).open("rb") as broken:
        batch = client.post("/staff/bulk/upload", content_type="multipart/form-data", data={
            "csrf_token": token, "files": [(good, "a-data.csv"), (broken, "a-more.csv")]}).location
    matched = client.post(batch + "/match", data={"csrf_token": token, "dataset-0": "a-data",
                                                  "dataset-1": "a-more"})
    assert matched.status_code == 302
    jobs = [i.job for i in get_batch(engine, batch.rsplit("/", 1)[1], user_id=_editor(world)).items]
    assert [uploads.get_job(engine, j).state for j in jobs] == ["queued", "queued"]  # no worker yet

    empty_queue_world.start_worker()
    until(lambda: client.get(batch + "/status.json").get_json()["finished"], "the worker checking")
    page = client.get(batch + "?lang=en").text
    assert "Valid: 4 rows, ready to publish" in page and "Not valid" in page
    assert client.post(batch + "/publish", data={"csrf_token": token, "notes": "Опашка"}).status_code == 302
    until(lambda: uploads.get_job(engine, jobs[0]).state == "published", "the worker publishing")
    assert [r.version for r in catalog.list_releases(engine, catalog.get_dataset(engine, "a-data").id)] == [2, 1]
    assert [r.version for r in catalog.list_releases(engine, catalog.get_dataset(engine, "a-more").id)] == [1]
    assert uploads.get_job(engine, jobs[1]).state == "checked"


def _editor(world) -> int:  # type: ignore[no-untyped-def]
    from publishers.users import find_user

    found = find_user(world.portal.engine, "editor-a@x.bg")
    assert found
    return found.id
