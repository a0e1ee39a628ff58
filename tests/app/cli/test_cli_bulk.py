"""`otkrito publish FILE FILE…`: each file to the dataset its name matches, one combined report."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.app.cli.test_cli import DATA, DEMO, otkrito

BUDGET, DECISIONS, SETTLEMENTS = (DEMO / "budget-2026-q1.csv", DEMO / "council-decisions-2026-q1.csv",
                                  DATA / "levski-settlements.csv")


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    """Levski with a budget and a decisions dataset; Pleven with a decisions dataset."""
    root = tmp_path / "instance"
    for command in (("init",),
                    ("publisher", "add", "obshtina-levski", "--name-bg", "Община Левски"),
                    ("publisher", "add", "obshtina-pleven", "--name-bg", "Община Плевен"),
                    ("dataset", "create", "byudzhet", "--publisher", "obshtina-levski",
                     "--title-bg", "Бюджет на община Левски", "--profile", "budget"),
                    ("dataset", "create", "resheniya", "--publisher", "obshtina-levski",
                     "--title-bg", "Решения на Общинския съвет", "--profile", "decisions"),
                    ("dataset", "create", "pleven-resheniya", "--publisher", "obshtina-pleven",
                     "--title-bg", "Решения на Общински съвет – Плевен", "--profile", "decisions")):
        done = otkrito(root, *command)
        assert done.returncode == 0, done.stderr
    return root


def _named(tmp_path: Path, source: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(source, target)
    return target


def _versions(instance: Path) -> dict[str, list[int]]:
    with sqlite3.connect(instance / "catalog.db") as db:
        rows = db.execute("SELECT d.slug, r.version FROM releases r JOIN datasets d ON d.id = r.dataset_id "
                          "ORDER BY d.slug, r.version").fetchall()
    found: dict[str, list[int]] = {}
    for slug, version in rows:
        found.setdefault(slug, []).append(version)
    return found


def test_each_file_goes_to_its_dataset_the_invalid_and_unmatched_ones_publish_nothing(
        instance: Path, tmp_path: Path) -> None:
    files = [_named(tmp_path, BUDGET, "byudzhet-2026-q1.csv"),
             _named(tmp_path, SETTLEMENTS, "resheniya.csv"),  # not council decisions at all
             _named(tmp_path, DECISIONS, "reshenia-2026.csv")]  # a misspelt slug
    done = otkrito(instance, "--lang", "en", "publish", *map(str, files), "--notes", "Пакет")
    assert done.returncode == 1, done.stderr
    combined = done.stdout.split("\nFile ", 1)[1].splitlines()
    assert combined[1].split()[:4] == ["byudzhet-2026-q1.csv", "byudzhet", "✓", "release"]
    assert combined[2].split()[:3] == ["resheniya.csv", "resheniya", "✗"]
    assert "The data was not published" in combined[2]
    assert "'reshenia-2026.csv' matches no dataset: the file's name must be the dataset's slug" in combined[3]
    assert combined[4] == "2 of 3 files were not published."
    assert _versions(instance) == {"byudzhet": [1]}


def test_the_combined_report_is_in_bulgarian_by_default_and_a_valid_batch_exits_0(
        instance: Path, tmp_path: Path) -> None:
    files = [_named(tmp_path, BUDGET, "byudzhet.csv"), _named(tmp_path, DECISIONS, "resheniya_2026_q1.csv")]
    done = otkrito(instance, "publish", *map(str, files))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Всички 2 файла са обработени успешно." in done.stdout and "✓ версия 1" in done.stdout
    assert _versions(instance) == {"byudzhet": [1], "resheniya": [1]}
    with sqlite3.connect(instance / "catalog.db") as db:
        actions = [a for (a,) in db.execute("SELECT action FROM audit_events ORDER BY id")]
    assert actions[-3:] == ["release.publish", "release.publish", "bulk.publish"]


def test_check_publishes_nothing_and_publisher_keeps_files_to_its_own_datasets(
        instance: Path, tmp_path: Path) -> None:
    files = [_named(tmp_path, DECISIONS, "resheniya.csv"), _named(tmp_path, DECISIONS, "pleven-resheniya.csv")]
    done = otkrito(instance, "--lang", "en", "publish", *map(str, files), "--check",
                   "--publisher", "obshtina-levski")
    assert done.returncode == 1
    assert "'pleven-resheniya.csv' is for the dataset 'pleven-resheniya' of another publisher" in done.stdout
    assert "✓ valid" in done.stdout and _versions(instance) == {}


def test_dataset_with_several_files_is_refused_in_both_languages(instance: Path, tmp_path: Path) -> None:
    files = [str(_named(tmp_path, BUDGET, "a.csv")), str(_named(tmp_path, BUDGET, "b.csv"))]
    en = otkrito(instance, "--lang", "en", "publish", *files, "--dataset", "byudzhet")
    bg = otkrito(instance, "publish", *files, "--dataset", "byudzhet")
    assert (en.returncode, bg.returncode) == (2, 2)
    assert "--dataset applies to one file only" in en.stderr and "--dataset се отнася само за един файл" in bg.stderr
    assert _versions(instance) == {}
