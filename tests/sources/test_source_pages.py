"""The source in the staff workspace, on the public dataset page and on /timeliness."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from flask.testing import FlaskClient

from datasets import catalog
from datasets.sources import get_source, history
from tests.app.staff.staff_world import GOOD_ROWS, World, cp1251_csv, csrf_of
from tests.sources.remote import Remote, Route

pytestmark = pytest.mark.catalogs
SETTLEMENTS = (Path(__file__).resolve().parents[2] / "demo" / "levski-settlements.csv").read_bytes()


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTKRITO_FETCH_ALLOW", "127.0.0.0/8")


def post(client: FlaskClient, slug: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(f"/staff/datasets/{slug}/source").text)
    return client.post(f"/staff/datasets/{slug}/source", data={"csrf_token": token, **data})


def test_staff_set_a_source_fetch_it_now_and_see_the_check(world: World, signed_in: Callable[[str], FlaskClient],
                                                           remote: Remote, tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    rows = cp1251_csv(tmp_path / "good.csv", GOOD_ROWS).read_bytes() + "\n".encode()
    url = remote.route("/s.csv", Route(rows))
    assert post(client, "a-data", action="set", url=url, every="daily").status_code == 302
    assert post(client, "a-data", action="fetch").status_code == 302
    bg, en = client.get("/staff/datasets/a-data/source").text, client.get("/staff/datasets/a-data/source?lang=en").text
    assert "публикувано" in bg and "(v2)" in bg and ">200<" in en and "published" in en, history(world.portal.engine, "a-data")
    assert [r.version for r in catalog.list_releases(world.portal.engine, 1)].count(2) == 1
    public = client.get("/datasets/a-data?lang=en").text
    assert "Fetched from its source" in public and "last changed" in public


def test_an_invalid_file_shows_its_report_to_staff(world: World, signed_in: Callable[[str], FlaskClient],
                                                   remote: Remote) -> None:
    client = signed_in("editor-a@x.bg")
    post(client, "a-data", action="set", url=remote.route("/s.csv", Route(b"a,b\n1,2\n3\n")))
    post(client, "a-data", action="fetch")
    page = client.get("/staff/datasets/a-data/source?lang=en").text
    assert "invalid file" in page.lower() or "invalid" in page
    assert "row" in page


def test_a_hostile_url_gets_a_bilingual_message_and_is_not_kept(world: World,
                                                                signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-a@x.bg")
    bg = post(client, "a-data", action="set", url="file:///etc/passwd")
    assert bg.status_code == 422 and "само http://" in bg.text
    en = client.post("/staff/datasets/a-data/source?lang=en", data={
        "csrf_token": csrf_of(client.get("/staff/datasets/a-data/source").text), "action": "set",
        "url": "gopher://x/"})
    assert en.status_code == 422 and "only http://" in en.text
    assert get_source(world.portal.engine, "a-data") is None


def test_a_failing_source_shows_on_the_timeliness_page(world: World, signed_in: Callable[[str], FlaskClient],
                                                       remote: Remote) -> None:
    client = signed_in("editor-a@x.bg")
    post(client, "a-data", action="set", url=remote.route("/s.csv", Route(b"no", status=500)))
    post(client, "a-data", action="fetch")
    assert "Its source is failing (1×" in client.get("/timeliness?lang=en").text


def test_staff_of_another_publisher_cannot_see_or_set_the_source(world: World,
                                                                 signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-b@x.bg")
    assert client.get("/staff/datasets/a-data/source").status_code == 403
    token = csrf_of(client.get("/staff/datasets/b-data/source").text)
    refused = client.post("/staff/datasets/a-data/source", data={"csrf_token": token, "action": "set",
                                                                  "url": "https://example.org/a.csv"})
    assert refused.status_code == 403 and get_source(world.portal.engine, "a-data") is None


def test_a_post_without_the_csrf_token_is_refused(world: World, signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("editor-a@x.bg")
    refused = client.post("/staff/datasets/a-data/source", data={"action": "set", "url": "https://example.org/a.csv"})
    assert refused.status_code == 400 and get_source(world.portal.engine, "a-data") is None
