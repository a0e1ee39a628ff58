"""`otkrito backup` and `otkrito restore`: consistent while publishing, incremental, verified on restore."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from app.cli.commands import main
from app.state import Portal
from datasets import catalog
from datasets.backup import LATEST, MANIFEST, BackupReport, backup
from datasets.consistency import check_instance
from datasets.instance import Instance, dataset_lock
from datasets.publish import Upload, publish
from datasets.withdraw import withdraw_release
from publishers.store import connect
from tests.app.staff.staff_world import GOOD_ROWS, PASSWORD, World, cp1251_csv, csrf_of
from tests.conftest import HTTP_TIMEOUT, start_server, stop_server, until


def cli(instance: Path, *args: str, lang: str = "en") -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--lang", lang, *args], env={"OTKRITO_INSTANCE": str(instance)})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def restored_check(backup: Path, target: Path) -> tuple[int, list[int]]:
    """Restore into target; return the published release count and the check's findings count."""
    code, said = cli(target, "restore", str(backup))
    assert code == 0, said
    instance = Instance.at(target)
    engine = connect(instance.catalog_url)
    try:
        report = check_instance(instance, engine)
        assert report.ok, [f.text.en for f in report.findings]
        versions = [r.version for d in catalog.list_datasets(engine) for r in catalog.list_releases(engine, d.id)
                    if r.status == "published"]
    finally:
        engine.dispose()
    return report.releases, versions


def test_a_second_backup_copies_only_new_release_files(portal: Portal, publish, tmp_path: Path) -> None:
    publish("budget", [{"year": 2024, "amount": 1}])
    dest = tmp_path / "backup"
    code, said = cli(portal.instance.root, "backup", str(dest))
    assert code == 0 and "copied now 1 files" in said, said
    code, said = cli(portal.instance.root, "backup", str(dest))
    assert code == 0 and "copied now 0 files, 0 bytes" in said, said
    publish("budget", [{"year": 2025, "amount": 2}])
    code, said = cli(portal.instance.root, "backup", str(dest))
    new = portal.instance.release_dir("budget", 2) / "data.db"
    assert code == 0 and f"copied now 1 files, {new.stat().st_size} bytes" in said, said
    assert len(list((dest / "snapshots").iterdir())) == 3
    assert restored_check(dest, tmp_path / "restored")[1] == [2, 1]


def test_a_backup_taken_while_publishing_holds_the_old_state_or_the_new_never_a_mix(
        world: World, tmp_path: Path) -> None:
    portal = world.portal
    csv = cp1251_csv(tmp_path / "more.csv", GOOD_ROWS)
    publishes = 4
    failures: list[BaseException] = []

    def publishing() -> None:
        try:
            for _ in range(publishes):
                publish(portal.instance, portal.engine, Upload(csv, "more.csv"), dataset="a-data")
        except BaseException as error:  # shown by the assertion below
            failures.append(error)

    thread = threading.Thread(target=publishing)
    dest = tmp_path / "backup"
    thread.start()
    taken = 0
    while thread.is_alive() or taken < 3:
        code, said = cli(portal.instance.root, "backup", str(dest))
        assert code == 0, said
        taken += 1
        snapshot = dest / "snapshots" / (dest / LATEST).read_text().strip()
        _count, versions = restored_check(snapshot, tmp_path / f"restored-{taken}")
        assert 2 <= len(versions) <= 2 + publishes  # b-data v1 and a-data v1, then a-data's new ones
    thread.join()
    assert not failures, failures
    # After the publishes, a backup holds them all: the new state.
    code, said = cli(portal.instance.root, "backup", str(dest))
    assert code == 0, said
    assert sorted(restored_check(dest, tmp_path / "restored-last")[1]) == sorted([1, 1, 2, 3, 4, 5])


def _tamper(kind: str, dest: Path) -> None:
    snapshot = dest / "snapshots" / (dest / LATEST).read_text().strip()
    release = next((dest / "releases").rglob("data.db"))
    if kind == "truncated":
        with release.open("r+b") as handle:
            handle.truncate(release.stat().st_size // 2)
    elif kind == "no-manifest":
        (snapshot / MANIFEST).unlink()
    elif kind == "flipped-byte":
        data = bytearray(release.read_bytes())
        data[len(data) // 2] ^= 0xFF
        release.write_bytes(bytes(data))
    elif kind == "missing-file":
        release.unlink()


@pytest.mark.parametrize("kind,bg,en", [
    ("truncated", "Копието е повредено", "The backup is damaged"),
    ("no-manifest", "няма опис", "There is no manifest"),
    ("flipped-byte", "контролната сума", "the checksum of"),
    ("missing-file", "Копието е непълно", "The backup is incomplete"),
])
def test_a_damaged_or_partial_backup_is_refused_in_both_languages_and_nothing_is_written(
        portal: Portal, publish, tmp_path: Path, kind: str, bg: str, en: str) -> None:
    publish("budget", [{"year": 2024, "amount": 1}])
    dest = tmp_path / "backup"
    assert cli(portal.instance.root, "backup", str(dest))[0] == 0
    _tamper(kind, dest)
    target = tmp_path / "new-machine" / "instance"
    for lang, expected in (("bg", bg), ("en", en)):
        code, said = cli(target, "restore", str(dest), lang=lang)
        assert code == 1 and expected in said and "Traceback" not in said, said
    assert not (tmp_path / "new-machine").exists() or not any((tmp_path / "new-machine").iterdir())


def test_restore_into_an_instance_that_is_not_empty_is_refused(portal: Portal, publish, tmp_path: Path) -> None:
    publish("budget", [{"year": 2024, "amount": 1}])
    dest = tmp_path / "backup"
    assert cli(portal.instance.root, "backup", str(dest))[0] == 0
    before = sorted(p.relative_to(portal.instance.root) for p in portal.instance.root.rglob("*"))
    for lang, expected in (("bg", "не е празна"), ("en", "is not empty")):
        code, said = cli(portal.instance.root, "restore", str(dest), lang=lang)
        assert code == 1 and expected in said, said
    assert sorted(p.relative_to(portal.instance.root) for p in portal.instance.root.rglob("*")) == before


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _answers(url: str, world: World, slugs: list[str]) -> dict[str, object]:
    seen: dict[str, object] = {}
    with httpx.Client(base_url=url, timeout=HTTP_TIMEOUT) as client:
        for path in ["/", "/datasets", "/feeds/releases.atom", "/feeds/releases.rss"]:
            answer = client.get(path)
            seen[path] = (answer.status_code, _sha(answer.content) if "feeds" in path else None)
        for slug in slugs:
            page = client.get(f"/datasets/{slug}")
            seen[f"/datasets/{slug}"] = page.status_code
            release = client.get(f"/datasets/{slug}/releases/1/datapackage.json").json()
            for resource in release["resources"]:
                name = resource["path"].rsplit("/", 1)[-1]
                download = client.get(f"/datasets/{slug}/releases/1/{name}")
                seen[f"{slug}/{name}"] = (download.status_code, _sha(download.content))
            table = slug.replace("-", "_")
            seen[f"sql {slug}"] = client.get(f"/sql/{slug}/{table}.json?_shape=array").json()
        seen["api"] = client.get(f"/api/v1/uploads/{world.job_a}",
                                 headers={"Authorization": f"Bearer {world.token_a}"}).status_code
    return seen


def _login(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=HTTP_TIMEOUT)
    token = csrf_of(client.get("/staff/login").text)
    answer = client.post("/staff/login", data={"email": "editor-a@x.bg", "password": PASSWORD,
                                                "csrf_token": token, "next": ""})
    assert answer.status_code == 302, answer.text
    return client


def test_a_restore_onto_a_fresh_machine_layout_serves_the_same_pages_downloads_feeds_and_queries(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portal = world.portal
    slugs = ["a-data", "b-data"]
    env = {"OTKRITO_INSTANCE": str(portal.instance.root)}
    monkeypatch.delenv("OTKRITO_SECRET_KEY", raising=False)  # the instance generates its key
    serve = ["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1", "--port", "{port}",
             "--log-level", "warning"]
    original = start_server(serve, env=env, ready="/sql/")
    try:
        before = _answers(original.url, world, slugs)
        session = _login(original.url)
        assert (portal.instance.root / "secret_key").is_file()  # generated by the server: backed up
        dest = tmp_path / "backup"
        done = subprocess.run([sys.executable, "-m", "app.cli", "backup", str(dest)], env={**os.environ, **env},
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    finally:
        stop_server(original)
    target = tmp_path / "elsewhere" / "srv" / "otkrito"  # another path: nothing refers to the old one
    assert restored_check(dest, target)[0] == 2
    restored = start_server(serve, env={"OTKRITO_INSTANCE": str(target)}, ready="/sql/")
    try:
        after = _answers(restored.url, world, slugs)
        assert after == before
        assert all(v == (200, before[k][1]) for k, v in after.items() if "/" in k and k.endswith(".db"))
        assert after["api"] == 200
        # The session signed by the old instance's key still opens the workspace: the key came along.
        with httpx.Client(base_url=restored.url, cookies=session.cookies, timeout=HTTP_TIMEOUT) as client:
            assert client.get("/staff/").status_code == 200
        _login(restored.url).close()
    finally:
        session.close()
        stop_server(restored)
    manifest = json.loads((dest / "snapshots" / (dest / LATEST).read_text().strip() / MANIFEST).read_text())
    assert any(e["path"].endswith("/secret_key") for e in manifest["files"])
    assert any("/uploads/" in e["path"] for e in manifest["files"])  # world's upload awaiting review


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real 3 MB filesystem (tmpfs): writes beyond it fail with ENOSPC."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_backup_to_a_full_disk_fails_cleanly_and_the_earlier_backup_stays_restorable(
        portal: Portal, publish, small_disk: Path, tmp_path: Path) -> None:
    publish("budget", [{"year": 2024, "amount": 1}])
    dest = small_disk / "backup"
    assert cli(portal.instance.root, "backup", str(dest))[0] == 0
    good = (dest / LATEST).read_text()
    # 4 MB of rows that do not compress: more than the disk has left.
    publish("budget", [{"year": 2025, "noise": os.urandom(2000).hex()} for _ in range(1000)])
    for lang, expected in (("bg", "Няма място на диска"), ("en", "The disk is full")):
        code, said = cli(portal.instance.root, "backup", str(dest), lang=lang)
        assert code == 1 and expected in said and "Traceback" not in said, said
    assert (dest / LATEST).read_text() == good
    snapshots = list((dest / "snapshots").iterdir())
    assert [s.name for s in snapshots] == [good.strip()]
    assert not list(dest.rglob(".part-*"))
    assert restored_check(dest, tmp_path / "restored")[1] == [1]


def test_the_nightly_unit_runs_the_backup_command_as_otkrito_with_only_instance_and_backup_writable() -> None:
    units = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
    service = dict(line.split("=", 1) for line in (units / "otkrito-backup.service").read_text().splitlines()
                   if "=" in line and not line.startswith("#"))
    command = service["ExecStart"].split()
    assert command[1:3] == ["backup", "/var/backups/otkrito"] and "backup" in main.commands
    assert (service["User"], service["ProtectSystem"]) == ("otkrito", "strict")
    assert set(service["ReadWritePaths"].split()) == {service["Environment"].split("=", 1)[1], command[2]}
    timer = (units / "otkrito-backup.timer").read_text()
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer


def test_a_release_withdrawn_between_the_catalog_copy_and_its_files_makes_a_fresh_snapshot(
        portal: Portal, publish, tmp_path: Path) -> None:
    publish("a-set", [{"year": 2024}])
    publish("b-set", [{"year": 2024}])
    dest = tmp_path / "backup"
    outcome: list[object] = []
    # The backup copies datasets in slug order, each under its lock: holding a-set's lock keeps it
    # between its catalog copy (which lists b-set v1 as published) and b-set's files.
    with dataset_lock(portal.instance, "a-set"):
        thread = threading.Thread(target=lambda: outcome.append(backup(portal.instance, dest)))
        thread.start()
        until(lambda: list((dest / "snapshots").glob("*/catalog.db")) if (dest / "snapshots").is_dir() else [],
              "the backup's first catalog copy")
        first = next((dest / "snapshots").glob("*/catalog.db")).parent.name
        withdraw_release(portal.instance, portal.engine, "b-set", 1, reason="лични данни", actor="test")
        assert not portal.instance.release_dir("b-set", 1).exists()
    thread.join(timeout=300)
    report = outcome[0]
    assert isinstance(report, BackupReport), report
    assert report.snapshot.name != first and not (dest / "snapshots" / first).exists()
    manifest = json.loads((report.snapshot / MANIFEST).read_text())
    assert not [e for e in manifest["files"] if e["path"].startswith("releases/b-set/")]
    count, versions = restored_check(dest, tmp_path / "restored")
    assert (count, versions) == (1, [1])


def test_a_backup_of_an_instance_missing_a_release_file_fails_naming_it_and_records_nothing(
        portal: Portal, publish, tmp_path: Path) -> None:
    publish("budget", [{"year": 2024}])
    (portal.instance.release_dir("budget", 1) / "data.db").unlink()
    dest = tmp_path / "backup"
    for lang, words in (("bg", "липсва при всеки опит"), ("en", "was missing at every backup attempt")):
        code, said = cli(portal.instance.root, "backup", str(dest), lang=lang)
        assert code == 1 and words in said and "releases/budget/1/data.db" in said, said
    assert not (dest / LATEST).exists() and not list(dest.rglob(MANIFEST))
