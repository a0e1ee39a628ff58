"""In queue mode the web process only enqueues: a worker process checks and publishes, for the
staff workspace (whose progress page polls) and for the API (which waits, or answers 202)."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app.jobs import run
from app.jobs.queue import PUBLISH
from datasets import catalog, uploads
from tests.app.staff.staff_world import BROKEN_ROWS, GOOD_ROWS, build_world, cp1251_csv, csrf_of, login, make_app
from tests.jobs.conftest import QueueWorld, until
from tests.postgres import postgresql_only

pytestmark = postgresql_only


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_workspace_upload_is_checked_and_published_by_a_worker(empty_queue_world: QueueWorld,
                                                                   tmp_path: Path) -> None:
    world = build_world(empty_queue_world.portal, tmp_path)
    client = world.app.test_client()
    assert login(client, "editor-a@x.bg").status_code == 302
    token = csrf_of(client.get("/staff/datasets/a-data/upload").text)
    with cp1251_csv(tmp_path / "next.csv", GOOD_ROWS).open("rb") as handle:
        job = client.post("/staff/datasets/a-data/upload", content_type="multipart/form-data",
                          data={"csrf_token": token, "file": (handle, "next.csv")}).location
    status = lambda: client.get(job + "/status.json").get_json()  # noqa: E731
    assert status()["state"] == "queued"  # the web process did not check it: no worker yet
    empty_queue_world.start_worker()
    assert until(lambda: (s := status())["finished"] and s, "the worker checking")["state"] == "checked"
    preview = client.get(job + "/publish").text
    answer = client.post(job + "/publish", data={"csrf_token": csrf_of(preview), "notes": "От опашката"})
    assert answer.status_code == 302
    done = until(lambda: (s := status())["state"] != "publishing" and s, "the worker publishing")
    assert done["state"] == "published", done
    release = catalog.latest_release(world.portal.engine, catalog.get_dataset(world.portal.engine, "a-data").id)
    assert release and (release.version, release.notes) == (2, "От опашката")


def test_the_api_waits_for_the_worker_or_answers_202_with_a_status_url(empty_queue_world: QueueWorld,
                                                                        tmp_path: Path) -> None:
    world = build_world(empty_queue_world.portal, tmp_path)
    empty_queue_world.start_worker()
    client = world.app.test_client()
    with cp1251_csv(tmp_path / "broken.csv", BROKEN_ROWS).open("rb") as handle:
        refused = client.post("/api/v1/datasets/a-data/releases", headers=_auth(world.token_a),
                              data={"file": (handle, "broken.csv"), "notes": "опит"})
    assert refused.status_code == 422 and refused.json["report"]["valid"] is False
    with cp1251_csv(tmp_path / "good.csv", GOOD_ROWS).open("rb") as handle:
        done = client.post("/api/v1/datasets/a-data/releases", headers=_auth(world.token_a),
                           data={"file": (handle, "good.csv"), "notes": "Втора"})
    assert done.status_code == 201, done.json
    assert done.json["release"]["version"] == 2

    impatient = make_app(world.portal, JOBS_WAIT_SECONDS=0).test_client()
    with cp1251_csv(tmp_path / "third.csv", GOOD_ROWS).open("rb") as handle:
        accepted = impatient.post("/api/v1/datasets/a-data/releases", headers=_auth(world.token_a),
                                  data={"file": (handle, "third.csv"), "notes": "Трета"})
    assert accepted.status_code == 202, accepted.json
    url = accepted.json["status_url"]
    assert accepted.headers["Location"] == url and url.startswith("/api/v1/uploads/")
    assert impatient.get(url, headers=_auth(world.token_b)).status_code == 403  # not b's upload
    final = until(lambda: (r := impatient.get(url, headers=_auth(world.token_a))).status_code != 202 and r,
                  "the worker publishing the accepted upload")
    assert final.status_code == 201 and final.json["release"]["version"] == 3
    assert uploads.get_job(world.portal.engine, url.rsplit("/", 1)[1]).state == "published"


def test_a_double_submit_or_a_second_node_enqueues_the_publish_once(empty_queue_world: QueueWorld,
                                                                     tmp_path: Path) -> None:
    world = build_world(empty_queue_world.portal, tmp_path)  # its upload job_a is checked
    client = world.app.test_client()
    assert login(client, "editor-a@x.bg").status_code == 302
    job = f"/staff/uploads/{world.job_a}"
    token = csrf_of(client.get(job + "/publish").text)
    other_node = make_app(world.portal).test_client()  # another web node on the same catalog
    assert login(other_node, "editor-a@x.bg").status_code == 302
    for node in (client, client, other_node):  # no worker yet: every submit finds it waiting
        assert node.post(job + "/publish", data={"csrf_token": token, "notes": "Веднъж"}).status_code in (302, 400)
    # And the queue itself keeps one waiting publish per upload, whoever defers it.
    run.publish_claimed(world.portal, world.job_a, notes="Веднъж", actor="test")
    assert _publishes_waiting(empty_queue_world) == 1
    empty_queue_world.start_worker()
    until(lambda: uploads.get_job(world.portal.engine, world.job_a).state == "published", "the publish")
    dataset = catalog.get_dataset(world.portal.engine, "a-data")
    assert [r.version for r in catalog.list_releases(world.portal.engine, dataset.id)] == [2, 1]


def _publishes_waiting(world: QueueWorld) -> int:
    with world.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t "
                                    "AND status = 'todo'"), {"t": PUBLISH}).scalar()
