"""`otkrito source …` on a fresh instance, against a real server on 127.0.0.1."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.commands import main
from app.state import Portal
from datasets import catalog
from publishers.registry import add_publisher
from tests.sources.remote import Remote, Route

SETTLEMENTS = (Path(__file__).resolve().parents[2] / "demo" / "levski-settlements.csv").read_bytes()
SLUG = "naseleni-mesta"


@pytest.fixture
def cli(portal: Portal, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OTKRITO_FETCH_ALLOW", "127.0.0.0/8")
    add_publisher(portal.engine, "obshtina-levski", name_bg="Община Левски")
    catalog.create_dataset(portal.engine, SLUG, publisher="obshtina-levski", title_bg="Населени места",
                           frequency="MONTHLY")

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return run


def test_set_fetch_list_history_and_remove(cli, remote: Remote) -> None:  # type: ignore[no-untyped-def]
    url = remote.route("/s.csv", Route(SETTLEMENTS, etag='"e1"'))
    assert cli("--lang", "en", "source", "set", SLUG, url, "--every", "daily").output == f"{SLUG}: {url} (daily)\n"
    fetched = cli("--lang", "en", "source", "fetch", SLUG)
    assert fetched.exit_code == 0 and "HTTP 200" in fetched.output and "published release 1" in fetched.output
    again = cli("--lang", "en", "source", "fetch")  # nothing is due: the next check is tomorrow
    assert (again.exit_code, again.output) == (0, "No source is due.\n")
    listed = cli("--lang", "en", "source", "list").output.splitlines()
    assert listed[1].split("\t")[:2] == [SLUG, "daily"] and listed[1].split("\t")[4] == "published"
    assert listed[2] == f"\t{url}"
    assert "unchanged" in cli("--lang", "en", "source", "fetch", SLUG).output
    history = cli("--lang", "en", "source", "history", SLUG).output.splitlines()
    assert len(history) == 2 and "HTTP 304" in history[0]
    assert cli("source", "remove", SLUG).exit_code == 0
    assert cli("--lang", "en", "source", "list").output.count("\n") == 1


def test_a_failing_fetch_says_why_in_the_chosen_language_and_exits_1(cli, remote: Remote) -> None:  # type: ignore[no-untyped-def]
    cli("source", "set", SLUG, remote.route("/s.csv", Route(b"no", status=403)))
    english = cli("--lang", "en", "source", "fetch", SLUG)
    assert english.exit_code == 1 and "status 403" in english.output
    bulgarian = cli("source", "fetch", SLUG)
    assert bulgarian.exit_code == 1 and "код 403" in bulgarian.output


def test_a_bad_url_is_refused_with_a_message_not_a_traceback(cli) -> None:  # type: ignore[no-untyped-def]
    refused = CliRunner().invoke(main, ["--lang", "en", "source", "set", SLUG, "file:///etc/passwd"])
    assert refused.exit_code == 2 and "only http:// and https://" in refused.output
    assert refused.exception is None or isinstance(refused.exception, SystemExit)
