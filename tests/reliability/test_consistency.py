"""`otkrito check`: the catalog and the release files agree, or each difference is named (SECURITY 5)."""
from __future__ import annotations

import shutil
from typing import Callable

import pytest
from click.testing import CliRunner

from app.cli.commands import main
from app.state import Portal
from datasets import catalog
from datasets.consistency import Finding, check_instance
from datasets.files import sha256_of
from datasets.publish import Upload, publish
from datasets.withdraw import withdraw_release
from publishers.store import releases
from tests.reliability.conftest import H1

RELEASE = "releases/budget/1"


def otkrito_check(portal: Portal, lang: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--lang", lang, "check"],
                                env={"OTKRITO_INSTANCE": str(portal.instance.root)})
    return result.exit_code, result.output


def _delete_csv(portal: Portal) -> None:
    (portal.instance.root / RELEASE / "budget.csv").unlink()


def _modify_csv(portal: Portal) -> None:
    path = portal.instance.root / RELEASE / "budget.csv"
    data = bytearray(path.read_bytes())
    data[-3] = ord("7") if data[-3] != ord("7") else ord("8")  # same size, other content
    path.write_bytes(bytes(data))


def _truncate_zip(portal: Portal) -> None:
    path = portal.instance.root / RELEASE / "budget-v1.zip"
    path.write_bytes(path.read_bytes()[:100])


def _orphan_directory(portal: Portal) -> None:
    shutil.copytree(portal.instance.root / RELEASE, portal.instance.root / "releases/budget/2")


def _orphan_dataset(portal: Portal) -> None:
    (portal.instance.root / "releases/ghost/1").mkdir(parents=True)


def _stray_journal(portal: Portal) -> None:
    (portal.instance.root / RELEASE / "budget.db-journal").write_bytes(b"\0" * 512)


def _delete_release(portal: Portal) -> None:
    shutil.rmtree(portal.instance.root / RELEASE)


def _leftover_build(portal: Portal) -> None:
    (portal.instance.tmp / "budget.2.0123abcd" / "source").mkdir(parents=True)


def _corrupt_database_with_matching_checksum(portal: Portal) -> None:
    """A database damaged before its checksum was taken: only SQLite's own check can tell."""
    path = portal.instance.root / RELEASE / "budget.db"
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page + 8: page * 3] = b"\xff" * (page * 3 - page - 8)  # pages 2 and 3: headers and cells
    path.write_bytes(bytes(data))
    dataset = catalog.get_dataset(portal.engine, "budget")
    release = catalog.get_release(portal.engine, dataset, 1)
    files = [dict(f.__dict__, sha256=sha256_of(path), bytes=len(data)) if f.role == "sqlite"
             else f.__dict__ for f in release.files]
    with portal.engine.begin() as conn:
        conn.execute(releases.update().where(releases.c.id == release.id).values(files=files))


DAMAGE: dict[str, tuple[Callable[[Portal], None], list[tuple[str, str]]]] = {
    "deleted file": (_delete_csv, [("missing-file", f"{RELEASE}/budget.csv")]),
    "modified file": (_modify_csv, [("checksum-mismatch", f"{RELEASE}/budget.csv")]),
    "truncated file": (_truncate_zip, [("size-mismatch", f"{RELEASE}/budget-v1.zip")]),
    "orphan directory": (_orphan_directory, [("orphan-directory", "releases/budget/2")]),
    "orphan dataset": (_orphan_dataset, [("orphan-directory", "releases/ghost")]),
    "stray journal": (_stray_journal, [("unlisted-file", f"{RELEASE}/budget.db-journal")]),
    "deleted release": (_delete_release, [("missing-release", RELEASE)]),
    "leftover build": (_leftover_build, [("leftover-build", "tmp/budget.2.0123abcd")]),
    "corrupt database": (_corrupt_database_with_matching_checksum,
                         [("corrupt-database", f"{RELEASE}/budget.db")]),
}


def test_check_passes_on_a_consistent_instance_in_both_languages(budget_portal: Portal) -> None:
    publish(budget_portal.instance, budget_portal.engine, Upload(H1, "h1.csv"), dataset="budget")
    # Six files a release: CSV, SQLite, datapackage.json, zip, Parquet, the original upload.
    assert otkrito_check(budget_portal, "bg") == (
        0, "Каталогът и файловете съвпадат: 2 версии, 12 файла.\n")
    assert otkrito_check(budget_portal, "en") == (
        0, "The catalog and the files agree: 2 releases, 12 files.\n")


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_check_names_each_kind_of_damage(budget_portal: Portal, damage: str) -> None:
    harm, expected = DAMAGE[damage]
    harm(budget_portal)
    found = check_instance(budget_portal.instance, budget_portal.engine).findings
    assert [(f.kind, f.path) for f in found] == expected


@pytest.mark.parametrize("damage", ["deleted file", "modified file", "orphan directory"])
def test_the_command_reports_damage_in_both_languages_and_exits_non_zero(
        budget_portal: Portal, damage: str) -> None:
    harm, [(kind, path)] = DAMAGE[damage]
    harm(budget_portal)
    finding = Finding(kind, path)
    code_bg, out_bg = otkrito_check(budget_portal, "bg")
    code_en, out_en = otkrito_check(budget_portal, "en")
    assert (code_bg, code_en) == (1, 1)
    assert out_bg == f"{finding.text.bg}\nКаталогът и файловете не съвпадат (проблеми: 1).\n"
    assert out_en == f"{finding.text.en}\nThe catalog and the files disagree (problems: 1).\n"
    assert path in out_bg and path in out_en


def test_a_withdrawn_release_is_consistent_once_its_files_are_gone(budget_portal: Portal) -> None:
    publish(budget_portal.instance, budget_portal.engine, Upload(H1, "h1.csv"), dataset="budget")
    kept = budget_portal.instance.root / "kept"
    shutil.copytree(budget_portal.instance.root / RELEASE, kept)
    withdraw_release(budget_portal.instance, budget_portal.engine, "budget", 1,
                     reason="Грешни суми", actor="test")
    assert check_instance(budget_portal.instance, budget_portal.engine).ok
    shutil.copytree(kept, budget_portal.instance.root / RELEASE)  # files that should have gone
    found = check_instance(budget_portal.instance, budget_portal.engine).findings
    assert [(f.kind, f.path) for f in found] == [("withdrawn-files-present", RELEASE)]
