"""Hostile files through the CLI, the upload form and the API (SECURITY 7-16, 48).

Each file gets its specific message in both languages or is handled safely: never a traceback
or a 500, never a file outside the instance, never a change to what is published.
"""
from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from app.cli.commands import main
from app.state import Portal
from datasets.catalog import create_dataset
from datasets.width import MAX_COLUMNS
from metadata.messages import MESSAGES
from publishers.registry import add_publisher
from tests.security.conftest import World, csrf_of, files_outside, published_state
from tests.security.corpus import CORPUS, Hostile

SLOW = {"a 10 MB single field", "1,000,000 empty lines", "10,000 columns",
        "100,000 rows of one character"}


def message_pattern(message_id: str, lang: str) -> re.Pattern[str]:
    """The message's text in one language, its {placeholders} matching anything."""
    template = MESSAGES[message_id][0 if lang == "bg" else 1]
    return re.compile(re.sub(r"\\\{\w+\\\}", ".+?", re.escape(template)), re.S)


def _cases() -> list[object]:
    return [pytest.param(entry, id=entry.name) for entry in CORPUS]


@pytest.fixture
def cli_portal(portal: Portal) -> Portal:
    """The fresh instance with a publisher, a dataset without schema and one with a release."""
    add_publisher(portal.engine, "p", name_bg="Община П", name_en="Municipality P")
    create_dataset(portal.engine, "free", publisher="p", title_bg="Свободен", title_en="Free")
    create_dataset(portal.engine, "settled", publisher="p", title_bg="Стар", title_en="Old")
    return portal


def _publish(tmp_path: Path, entry: Hostile, *, dataset: str, lang: str):  # type: ignore[no-untyped-def]
    source = tmp_path / "inputs" / entry.upload_name
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(entry.build())
    args = ["--lang", lang, "publish", str(source), "--dataset", dataset]
    args += ["--encoding", entry.encoding] if entry.encoding else []
    return CliRunner().invoke(main, args), source


def test_the_corpus_holds_at_least_forty_hostile_files() -> None:
    assert len(CORPUS) >= 40 and len({e.name for e in CORPUS}) == len(CORPUS)


def test_the_sample_file_used_as_a_baseline_publishes(cli_portal: Portal, tmp_path: Path) -> None:
    good = Hostile("good", "good.csv", lambda: "name;value\r\nalpha;1\r\n".encode(), None)
    result, _ = _publish(tmp_path, good, dataset="settled", lang="en")
    assert (result.exit_code, result.exception) == (0, None), result.output


@pytest.mark.parametrize("entry", _cases())
def test_the_cli_gives_each_hostile_file_its_own_message_or_handles_it_safely(
        cli_portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: Hostile) -> None:
    monkeypatch.chdir(tmp_path)
    before = published_state(cli_portal)
    for lang in ("bg", "en") if entry.message_id else ("en",):
        result, source = _publish(tmp_path, entry, dataset="free", lang=lang)
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
            f"{entry.name}: {result.exception!r}"
        assert "Traceback" not in result.output
        if entry.message_id:
            assert result.exit_code == 2, result.output
            assert message_pattern(entry.message_id, lang).search(result.stderr), result.stderr
            assert published_state(cli_portal) == before
        else:
            assert result.exit_code in (0, 1), result.output
            if result.exit_code == 1:
                assert published_state(cli_portal) == before
    assert files_outside(tmp_path, cli_portal.instance.root, {source}) == []
    assert list(cli_portal.instance.tmp.iterdir()) == []


def test_a_table_at_the_column_limit_publishes_and_one_more_column_is_refused(
        cli_portal: Portal, tmp_path: Path) -> None:
    def wide(columns: int) -> Hostile:
        return Hostile(f"{columns} columns", f"wide{columns}.csv", lambda: (
            ";".join(f"Колона {i}" for i in range(columns)) + "\r\n"
            + ";".join(f"x{i}" for i in range(columns)) + "\r\n").encode(), None)

    at_limit, _ = _publish(tmp_path, wide(MAX_COLUMNS), dataset="free", lang="en")
    over, _ = _publish(tmp_path, wide(MAX_COLUMNS + 1), dataset="settled", lang="bg")
    assert at_limit.exit_code == 0, at_limit.output
    assert over.exit_code == 2 and message_pattern("read.too-many-columns", "bg").search(over.stderr)


def test_a_refused_file_leaves_an_existing_release_untouched(cli_portal: Portal, tmp_path: Path) -> None:
    good = Hostile("good", "good.csv", lambda: "name;value\r\nalpha;1\r\n".encode(), None)
    _publish(tmp_path, good, dataset="settled", lang="en")
    before = published_state(cli_portal)
    for entry in CORPUS:
        if entry.message_id and entry.name not in SLOW:
            result, _ = _publish(tmp_path, entry, dataset="settled", lang="en")
            assert result.exit_code == 2, (entry.name, result.output)
    assert published_state(cli_portal) == before


def _form_upload(client: FlaskClient, entry: Hostile, lang: str) -> tuple[int, str]:
    token = csrf_of(client.get("/staff/datasets/a-data/upload").text)
    data = {"csrf_token": token, "file": (io.BytesIO(entry.build()), entry.upload_name)}
    if entry.encoding:
        data["encoding"] = entry.encoding
    sent = client.post(f"/staff/datasets/a-data/upload?lang={lang}", data=data, content_type="multipart/form-data")
    if sent.status_code != 302:
        return sent.status_code, html.unescape(sent.text)
    page = client.get(sent.headers["Location"] + f"?lang={lang}")
    return page.status_code, html.unescape(page.text)


def test_the_upload_form_gives_each_hostile_file_its_message_in_both_languages(
        world: World, signed_in: Callable[[str], FlaskClient], tmp_path: Path) -> None:
    client = signed_in("editor-a@x.bg")
    before = published_state(world.portal)
    wrong: list[tuple[str, str, int]] = []
    for entry in CORPUS:
        if entry.name in SLOW:
            continue
        for lang in ("bg", "en"):
            status, page = _form_upload(client, entry, lang)
            expected = message_pattern(entry.message_id, lang) if entry.message_id else None
            if status >= 500 or "Traceback" in page or (expected and not expected.search(page)) \
                    or (expected is None and status != 200):
                wrong.append((entry.name, lang, status))
    assert wrong == []
    assert published_state(world.portal) == before
    stored = list((world.portal.instance.root / "uploads").iterdir())
    assert all(re.fullmatch(r"[0-9a-f]{32}\.upload", p.name) for p in stored)
    assert files_outside(tmp_path, world.portal.instance.root, set(tmp_path.glob("*.csv"))) == []


def test_the_api_gives_each_hostile_file_its_message_in_both_languages(world: World, tmp_path: Path) -> None:
    client = world.app.test_client()
    auth = {"Authorization": f"Bearer {world.token_a}"}
    before = published_state(world.portal)
    wrong: list[tuple[str, int, str]] = []
    for entry in CORPUS:
        if entry.name in SLOW:
            continue
        data = {"file": (io.BytesIO(entry.build()), entry.upload_name)}
        if entry.encoding:
            data["encoding"] = entry.encoding
        answer = client.post("/api/v1/datasets/a-data/releases", data=data, headers=auth,
                             content_type="multipart/form-data")
        body = answer.get_json(silent=True) or {}
        if answer.status_code >= 500 or answer.status_code == 201 or not body:
            wrong.append((entry.name, answer.status_code, answer.text[:200]))
        elif entry.message_id and not (
                message_pattern(entry.message_id, "en").search(body.get("title", ""))
                and message_pattern(entry.message_id, "bg").search(body.get("title_bg", ""))):
            wrong.append((entry.name, answer.status_code, answer.text[:200]))
    assert wrong == []
    assert published_state(world.portal) == before
    assert files_outside(tmp_path, world.portal.instance.root, set(tmp_path.glob("*.csv"))) == []
