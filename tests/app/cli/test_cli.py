"""The `otkrito` command line, run as a real process against a fresh instance."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner
import pytest

from app import config
from app.cli.commands import main
from app.state import open_portal
from publishers.registry import add_publisher

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "demo"
DATA = ROOT / "tests" / "data"


def otkrito(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"OTKRITO_INSTANCE": str(instance), "PATH": "/usr/bin:/bin"})


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, prefix + (name,))
        else:
            found.append(prefix + (name,))
    return found


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    """An instance with the publisher Levski, made in this process: each test runs only the
    commands it is about as real processes (init and publisher add: the test below)."""
    root = tmp_path / "instance"
    portal = open_portal({**config.load(), "INSTANCE": str(root), "DATABASE_URL": None})
    try:
        add_publisher(portal.engine, "obshtina-levski", name_bg="Община Левски",
                      name_en="Municipality of Levski")
    finally:
        portal.engine.dispose()
    return root


def test_init_then_publisher_add_as_the_readme_runs_them(tmp_path: Path) -> None:
    root = tmp_path / "instance"
    assert otkrito(root, "init").returncode == 0
    done = otkrito(root, "--lang", "en", "publisher", "add", "obshtina-levski", "--name-bg", "Община Левски",
                   "--name-en", "Municipality of Levski")
    assert (done.returncode, done.stdout) == (0, "Publisher obshtina-levski: Municipality of Levski\n"), done.stderr
    assert (root / "catalog.db").is_file()


def _dataset(instance: Path, slug: str, *extra: str) -> None:
    done = otkrito(instance, "dataset", "create", slug, "--publisher", "obshtina-levski",
                   "--title-bg", "Набор", *extra)
    assert done.returncode == 0, done.stderr


def test_the_command_answers_help_as_a_real_process(tmp_path: Path) -> None:
    done = otkrito(tmp_path / "i", "--help")
    assert done.returncode == 0 and "Usage:" in done.stdout and "publish" in done.stdout


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_has_help(command: tuple[str, ...], tmp_path: Path) -> None:
    # In this process: a real process per command only adds its ~0.8 s of imports (the test
    # above runs one).
    done = CliRunner().invoke(main, [*command, "--help"], env={"OTKRITO_INSTANCE": str(tmp_path / "i")})
    assert done.exit_code == 0 and "Usage:" in done.output, done.output


def _variant(tmp_path: Path, name: str) -> Path:
    """The real decisions file rewritten as staff's spreadsheets export it."""
    import csv

    rows = list(csv.reader((DATA / "pleven-council-decisions-2026.csv").open(encoding="utf-8")))
    for row in rows[1:]:
        y, m, d = row[2].split("-")
        row[2] = f"{d}.{m}.{y}"
    path = tmp_path / name
    if name.endswith(".xlsx"):
        from openpyxl import Workbook

        book = Workbook()
        book.active.title = "Справка"
        sheet = book.create_sheet("Решения")
        for row in rows:
            sheet.append(row)
        book.save(path)
        return path
    encoding, delimiter = {"cp1251.csv": ("cp1251", ";"), "bom.csv": ("utf-8-sig", ";"),
                           "tab.csv": ("utf-8", "\t")}[name]
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


@pytest.mark.parametrize("name, options", [
    ("cp1251.csv", ()),
    ("bom.csv", ()),
    ("tab.csv", ()),
    ("cp1251.csv", ("--encoding", "cp1251", "--delimiter", ";")),
    ("tab.csv", ("--delimiter", "tab")),
    ("decisions.xlsx", ("--sheet", "Решения")),
])
def test_publish_accepts_each_sample_file_variant(instance: Path, tmp_path: Path, name: str,
                                                 options: tuple[str, ...]) -> None:
    _dataset(instance, "decisions", "--profile", "decisions")
    done = otkrito(instance, "publish", str(_variant(tmp_path, name)), "--dataset", "decisions", *options)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Публикувана е версия 1 на decisions (198 реда)." in done.stdout


@pytest.mark.parametrize("name", ["budget-2026-q1.csv", "council-decisions-2026-q1.csv", "levski-settlements.csv"])
def test_publish_accepts_each_demo_file(instance: Path, name: str) -> None:
    profile = {"budget-2026-q1.csv": ("--profile", "budget"),
               "council-decisions-2026-q1.csv": ("--profile", "decisions")}.get(name, ())
    _dataset(instance, "demo", *profile)
    done = otkrito(instance, "--lang", "en", "publish", str(DEMO / name), "--dataset", "demo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Published demo release 1" in done.stdout


def test_publish_of_a_custom_dataset_prints_the_inferred_schema(instance: Path) -> None:
    _dataset(instance, "settlements")
    done = otkrito(instance, "--lang", "en", "publish", str(DATA / "levski-settlements.csv"), "--dataset", "settlements")
    assert done.returncode == 0
    assert "Inferred schema" in done.stdout and "population" in done.stdout


def test_publish_of_invalid_data_prints_the_report_and_exits_non_zero(instance: Path, tmp_path: Path) -> None:
    _dataset(instance, "decisions", "--profile", "decisions")
    broken = tmp_path / "broken.csv"
    broken.write_text((DATA / "pleven-council-decisions-2026.csv").read_text(encoding="utf-8")
                      .replace(",adopted,", ",приета,", 1), encoding="utf-8")
    done = otkrito(instance, "--lang", "en", "publish", str(broken), "--dataset", "decisions")
    assert done.returncode == 1
    assert "Row 2" in done.stdout and "приета" in done.stdout
    assert "The data was not published: 1 errors." in done.stderr
    bg = otkrito(instance, "publish", str(broken), "--dataset", "decisions")
    assert bg.returncode == 1 and "Ред 2" in bg.stdout and "не са публикувани" in bg.stderr
    assert not (instance / "releases" / "decisions").exists()


def test_check_validates_without_publishing(instance: Path) -> None:
    _dataset(instance, "budget", "--profile", "budget")
    done = otkrito(instance, "publish", str(DEMO / "budget-2026-q1.csv"), "--dataset", "budget", "--check")
    assert done.returncode == 0 and "Данните са валидни." in done.stdout
    assert not (instance / "releases" / "budget").exists()


@pytest.mark.parametrize("args, message", [
    (("publish", str(DEMO / "budget-2026-q1.csv"), "--dataset", "nyama"), "Няма набор от данни „nyama“."),
    (("publisher", "add", "Община", "--name-bg", "x"), "не е допустим адрес"),
    (("publisher", "add", "obshtina-levski", "--name-bg", "x"), "вече е зает"),
    (("dataset", "create", "x", "--publisher", "nyama", "--title-bg", "x"), "Няма издател „nyama“."),
])
def test_domain_errors_are_clean_messages_with_exit_code_2(instance: Path, args: tuple[str, ...], message: str) -> None:
    done = otkrito(instance, *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_an_unreadable_file_is_a_clean_error(instance: Path, tmp_path: Path) -> None:
    _dataset(instance, "budget", "--profile", "budget")
    pdf = tmp_path / "budget.csv"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    done = otkrito(instance, "--lang", "en", "publish", str(pdf), "--dataset", "budget")
    assert done.returncode == 2 and "not a supported table" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [
    ("publisher", "add", "obshtina-pleven\n", "--name-bg", "Община Плевен"),
    ("dataset", "create", "budget\n", "--publisher", "obshtina-levski", "--title-bg", "Бюджет"),
])
@pytest.mark.parametrize("lang, message", [
    ("bg", "не е допустим адрес: само малки латински букви, цифри и тирета"),
    ("en", "is not a valid slug: use lowercase Latin letters, digits and hyphens only"),
])
def test_a_slug_with_a_trailing_line_break_is_a_clean_error_and_creates_nothing(
        instance: Path, args: tuple[str, ...], lang: str, message: str) -> None:
    done = otkrito(instance, "--lang", lang, *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    import sqlite3

    with sqlite3.connect(instance / "catalog.db") as db:
        slugs = [row[0] for table in ("publishers", "datasets")
                 for row in db.execute(f"select slug from {table}")]
    assert slugs == ["obshtina-levski"]


@pytest.mark.parametrize("keep_days, kept", [(None, False), ("30", True)])
def test_init_removes_uploads_never_published_for_longer_than_the_configured_days(
        instance: Path, keep_days: str | None, kept: bool) -> None:
    import os
    import time

    from app.state import open_portal
    from datasets.uploads import check_job, store_upload, uploads_dir

    _dataset(instance, "budget", "--profile", "budget")
    portal = open_portal({"INSTANCE": str(instance), "DATABASE_URL": None})
    try:
        with (DEMO / "budget-2026-q1.csv").open("rb") as stream:
            job = store_upload(portal.instance, portal.engine, stream, dataset="budget",
                               user_id=None, original_name="q1.csv", options={})
        check_job(portal.instance, portal.engine, job.id, actor="test")
        with portal.engine.begin() as conn:
            conn.exec_driver_sql("update upload_jobs set updated_at = '2000-01-01 00:00:00.000000'")
    finally:
        portal.engine.dispose()
    upload = uploads_dir(portal.instance) / job.stored_name
    ten_days_ago = time.time() - 10 * 86400
    os.utime(upload, (ten_days_ago, ten_days_ago))
    env = {"OTKRITO_INSTANCE": str(instance), "PATH": "/usr/bin:/bin"}
    if keep_days:
        env["OTKRITO_UPLOAD_KEEP_DAYS"] = keep_days

    done = subprocess.run([sys.executable, "-m", "app.cli", "init"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)

    assert done.returncode == 0, done.stderr
    assert upload.exists() is kept
