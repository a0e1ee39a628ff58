"""`otkrito egov key` and `otkrito egov sync` as a new user runs them, as real processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.state import Portal
from tests.egov.conftest import KEY, ORG
from tests.egov.fake_portal import FakePortal

pytestmark = pytest.mark.catalogs
ROOT = Path(__file__).resolve().parents[2]


def otkrito(portal: Portal, fake_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "OTKRITO_INSTANCE": str(portal.instance.root), "OTKRITO_EGOV_URL": fake_url,
           **{k: os.environ[k] for k in ("OTKRITO_DATABASE_URL", "OTKRITO_SECRET_KEY") if k in os.environ}}
    return subprocess.run([sys.executable, "-m", "app.cli", "--lang", "en", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=300, env=env)


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stderr
    return done


def test_a_new_user_following_the_readme_registers_a_dataset_and_a_second_sync_sends_nothing(
        portal: Portal, fake: FakePortal) -> None:
    run = lambda *args, stdin="": otkrito(portal, fake.url, *args, stdin=stdin)  # noqa: E731
    _ok(run("publisher", "add", "obshtina-levski", "--name-bg", "Община Левски", "--name-en", "Municipality of Levski"))
    _ok(run("dataset", "create", "byudzhet-na-obshtina-levski", "--publisher", "obshtina-levski",
            "--title-bg", "Бюджет на община Левски", "--title-en", "Budget of the Municipality of Levski",
            "--profile", "budget", "--frequency", "QUARTERLY"))
    _ok(run("publish", str(ROOT / "demo" / "budget-2026-q1.csv"), "--dataset", "byudzhet-na-obshtina-levski"))
    saved = _ok(run("egov", "key", "obshtina-levski", "--org", str(ORG), stdin=KEY + "\n"))
    assert saved.stdout.strip() == ("The API key of obshtina-levski is stored (encrypted). It is never shown again.")
    dry = _ok(run("egov", "sync", "--publisher", "obshtina-levski", "--dry-run"))
    planned = [json.loads(line) for line in dry.stdout.splitlines()]
    assert [(p["action"], p["body"]["api_key"]) for p in planned] == [("addDataset", "***"), ("addResourceMetadata", "***")]
    assert fake.state.requests == []
    real = _ok(run("egov", "sync", "--publisher", "obshtina-levski"))
    assert fake.actions() == ["addDataset", "addResourceMetadata"]
    assert [line.split()[:4] for line in real.stdout.splitlines()[:2]] == [
        ["addDataset", "byudzhet-na-obshtina-levski", "200", "ok"],
        ["addResourceMetadata", "byudzhet-na-obshtina-levski", "200", "ok"]]
    again = _ok(run("egov", "sync"))  # every publisher with a key
    assert "0 calls to data.egov.bg, 1 datasets registered" in again.stdout and len(fake.state.requests) == 2
    everything = "".join(d.stdout + d.stderr for d in (saved, dry, real, again))
    assert KEY not in everything


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("egov", "key", "obshtina-levski", "--org", "seven"), KEY,
     "The organisation id on data.egov.bg must be a whole number of 1 to 10 digits, not 'seven'."),
    (("egov", "key", "obshtina-levski"), "short", "The API key must be one line without spaces, 8 to 200 characters long."),
    (("egov", "sync", "--publisher", "obshtina-levski"), "",
     "The publisher obshtina-levski has no data.egov.bg API key. Enter it in the workspace (data.egov.bg page) "
     "or with `otkrito egov key obshtina-levski`."),
    (("egov", "sync", "--publisher", "nobody"), "", None),
])
def test_bad_input_gets_a_clear_message_and_exit_status_2(portal: Portal, fake: FakePortal, args: tuple[str, ...],
                                                           stdin: str, message: str | None) -> None:
    _ok(otkrito(portal, fake.url, "publisher", "add", "obshtina-levski", "--name-bg", "Община Левски"))
    done = otkrito(portal, fake.url, *args, stdin=stdin)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    if message:
        assert done.stderr.strip() == message
    else:
        assert "nobody" in done.stderr


def test_an_unreachable_portal_exits_1_and_says_so_in_bulgarian_by_default(portal: Portal, fake: FakePortal,
                                                                           tmp_path: Path) -> None:
    _ok(otkrito(portal, fake.url, "publisher", "add", "obshtina-levski", "--name-bg", "Община Левски"))
    _ok(otkrito(portal, fake.url, "dataset", "create", "nabor", "--publisher", "obshtina-levski", "--title-bg", "Набор"))
    csv = tmp_path / "a.csv"
    csv.write_text("name,value\nа,1\n", encoding="utf-8")
    _ok(otkrito(portal, fake.url, "publish", str(csv), "--dataset", "nabor"))
    _ok(otkrito(portal, fake.url, "egov", "key", "obshtina-levski", "--org", str(ORG), stdin=KEY))
    fake.stop()
    env_run = subprocess.run([sys.executable, "-m", "app.cli", "egov", "sync"], cwd=ROOT, capture_output=True,
                             text=True, timeout=300, env={
                                 "PATH": "/usr/bin:/bin", "OTKRITO_INSTANCE": str(portal.instance.root),
                                 "OTKRITO_EGOV_URL": fake.url,
                                 **{k: os.environ[k] for k in ("OTKRITO_DATABASE_URL", "OTKRITO_SECRET_KEY")
                                    if k in os.environ}})
    assert env_run.returncode == 1
    assert f"Порталът data.egov.bg на адрес {fake.url} не отговаря (ConnectError)." in env_run.stderr
    assert "Синхронизацията спря" in env_run.stderr and KEY not in env_run.stderr + env_run.stdout
