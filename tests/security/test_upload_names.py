"""Upload file names are never used as paths (SECURITY 18, 50).

Through the workspace form and the API, names with `../`, absolute paths, backslashes, NUL,
10,000 characters or Windows device names are stored under generated names; the name people
gave is kept only as text, shortened, and shown escaped; publishing them writes nothing outside
the release.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Callable

from flask.testing import FlaskClient

from datasets.uploads import get_job
from tests.security.conftest import World, csrf_of, files_outside
from tests.app.staff.staff_world import GOOD_ROWS, HEADER

NAMES = ["../../../../tmp/otkrito-escape.csv", "/tmp/otkrito-absolute.csv",
         "..\\..\\..\\windows\\win.ini.csv", "data\x00.csv.exe", "a" * 10_000 + ".csv",
         "CON.csv", "NUL", "aux", "COM1.csv", "数据.csv", "<img src=x onerror=alert(1)>.csv",
         "  .csv", ".htaccess", "sub/dir/file.csv"]
GENERATED = re.compile(r"[0-9a-f]{32}\.upload")
ESCAPES = [Path("/tmp/otkrito-escape.csv"), Path("/tmp/otkrito-absolute.csv")]


def _body() -> bytes:
    return ("\r\n".join([HEADER, *GOOD_ROWS]) + "\r\n").encode("cp1251")


def _instance_files(world: World) -> list[str]:
    root = world.portal.instance.root
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _check_instance(world: World) -> None:
    uploads = [p.name for p in (world.portal.instance.root / "uploads").iterdir()]
    assert uploads and all(GENERATED.fullmatch(name) for name in uploads), uploads
    for path in _instance_files(world):
        assert "otkrito-" not in path and "win.ini" not in path and "数据" not in path, path
    assert [p for p in ESCAPES if p.exists()] == []


def test_hostile_names_through_the_form_are_stored_under_generated_names_and_shown_escaped(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    for name in NAMES:
        token = csrf_of(client.get("/staff/datasets/a-data/upload").text)
        sent = client.post("/staff/datasets/a-data/upload", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(_body()), name)})
        assert sent.status_code in (302, 400), (name[:40], sent.status_code)
        if sent.status_code == 302:
            page = client.get(sent.headers["Location"]).text
            assert "<img src=x" not in page
            job = get_job(world.portal.engine, sent.headers["Location"].rstrip("/").split("/")[-1])
            assert len(job.original_name) <= 255 and "\x00" not in job.original_name
    _check_instance(world)
    assert files_outside(tmp_path, world.portal.instance.root, set(tmp_path.glob("*.csv"))) == []


def test_hostile_names_through_the_api_publish_inside_the_release_only(
        world: World, tmp_path: Path) -> None:
    client = world.app.test_client()
    auth = {"Authorization": f"Bearer {world.token_a}"}
    published = 0
    for name in NAMES:
        answer = client.post("/api/v1/datasets/a-data/releases", headers=auth,
                             content_type="multipart/form-data",
                             data={"file": (io.BytesIO(_body()), name)})
        assert answer.status_code in (201, 400), (name[:40], answer.status_code, answer.text[:200])
        published += answer.status_code == 201
    assert published >= len(NAMES) - 2
    _check_instance(world)
    for release in (world.portal.instance.releases / "a-data").iterdir():
        sources = [p.name for p in (release / "source").iterdir()]
        assert len(sources) == 1 and re.fullmatch(r"original\.(csv|xlsx|bin)", sources[0]), sources
    assert files_outside(tmp_path, world.portal.instance.root, set(tmp_path.glob("*.csv"))) == []
