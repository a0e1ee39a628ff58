"""Large uploads publish in a background thread: claimed once, before the response."""
from __future__ import annotations

import time

import pytest
from tests.app.staff.staff_world import World, csrf_of, login, make_app

from datasets import catalog, uploads
from metadata.errors import InvalidInput


def test_a_large_upload_is_published_from_the_workspace_in_the_background(world: World) -> None:
    app = make_app(world.portal, BACKGROUND_BYTES=1)  # every file counts as large
    client = app.test_client()
    assert login(client, "editor-a@x.bg").status_code == 302
    job = f"/staff/uploads/{world.job_a}"
    preview = client.get(job + "/publish").text
    answer = client.post(job + "/publish", data={"csrf_token": csrf_of(preview), "notes": "Голям файл"})
    assert answer.status_code == 302
    deadline = time.monotonic() + 300  # a bound for a busy machine, not a guess at its speed
    while (status := client.get(job + "/status.json").get_json())["state"] == "publishing":
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    assert status["state"] == "published", status
    dataset = catalog.get_dataset(world.portal.engine, "a-data")
    release = catalog.latest_release(world.portal.engine, dataset.id)
    assert release and release.version == 2 and release.notes == "Голям файл"


def test_a_checked_upload_is_claimed_for_publishing_only_once(world: World) -> None:
    engine = world.portal.engine
    assert uploads.claim_for_publishing(engine, world.job_a).state == "publishing"
    with pytest.raises(InvalidInput) as refused:
        uploads.claim_for_publishing(engine, world.job_a)
    assert refused.value.message_id == "upload.not-ready"
