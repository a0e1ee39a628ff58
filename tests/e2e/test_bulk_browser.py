"""A clerk in real Chromium sends three files at once, fixes where one goes, publishes the two
valid ones; then edits two datasets' metadata through a CSV. Every new page passes axe."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterator

import pytest

from app.state import Portal
from datasets import bulk_metadata, catalog
from datasets.publish import Upload, publish
from publishers.registry import add_publisher
from publishers.users import add_user, grant
from tests.e2e.test_browser_a11y import violations

PASSWORD = "correct horse battery staple"
HEADER = "екатте;селище;площ;население"
GOOD = ["00761;Асеновци;44238;1317", "00802;Аспарухово;11777;586", "05044;Божурлук;13853;117"]
BROKEN = ["00761;Асеновци;44238;1317", "00802;Аспарухово;11777;586;излишно", "05044;Божурлук"]
DATASETS = {"naseleni-mesta": "Населени места", "selishta": "Селища", "sela": "Села"}


def _cp1251(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1251"))
    return path


@pytest.fixture
def levski(portal: Portal, tmp_path: Path) -> Portal:
    """Levski with three datasets of one release each, and its clerk."""
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    add_user(portal.engine, "clerk@levski.bg", password=PASSWORD)
    grant(portal.engine, "clerk@levski.bg", "editor", publisher="levski")
    for slug, title in DATASETS.items():
        catalog.create_dataset(portal.engine, slug, publisher="levski", title_bg=title)
        first = _cp1251(tmp_path / f"first-{slug}.csv", GOOD)
        publish(portal.instance, portal.engine, Upload(first, first.name), dataset=slug)
    return portal


@pytest.fixture
def clerk(browser, live_server: str, levski: Portal) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A signed-in page whose context lets axe's script in (bypass_csp); console errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/staff/")
    page.fill("#email", "clerk@levski.bg")
    page.fill("#password", PASSWORD)
    page.click("main form.stack button[type=submit]")
    page.wait_for_url("**/staff/")
    yield page
    context.close()
    assert errors == []


def _axe(page, width: int = 360) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe at the desktop width and at a phone's."""
    found = violations(page)
    page.set_viewport_size({"width": width, "height": 900})
    found += violations(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


def _versions(portal: Portal, slug: str) -> list[int]:
    return [r.version for r in catalog.list_releases(portal.engine, catalog.get_dataset(portal.engine, slug).id)]


def test_three_files_at_once_two_published_and_the_broken_one_reported(
        clerk, live_server: str, levski: Portal, tmp_path: Path, shoot) -> None:  # type: ignore[no-untyped-def]
    page = clerk
    page.click("text=Качване на няколко файла")
    page.wait_for_selector("#bulk-upload-form")
    assert _axe(page) == []
    page.set_input_files("#files", [str(_cp1251(tmp_path / "naseleni-mesta.csv", GOOD)),
                                    str(_cp1251(tmp_path / "selishta-2026.csv", BROKEN)),
                                    str(_cp1251(tmp_path / "spisak.csv", GOOD))])
    page.click("#bulk-upload-form button[type=submit]")

    page.wait_for_selector("form.bulk-match")
    assert [page.input_value(f"#dataset-{i}") for i in range(3)] == ["naseleni-mesta", "selishta", ""]
    assert "„spisak.csv“ не съответства на никой набор от данни" in page.inner_text("form.bulk-match")
    assert _axe(page) == []
    shoot(page, "bulk-match")
    page.select_option("#dataset-2", "sela")
    page.click("form.bulk-match button[type=submit]")

    page.wait_for_selector("table.bulk-report")
    report = page.inner_text("table.bulk-report")
    assert report.count("Валиден: 3 реда, готов за публикуване") == 2 and "Невалиден" in report
    assert "Редове с повече клетки от заглавния ред: 1" in report
    assert _axe(page) == []
    page.fill("#notes", "Нови данни от НСИ")
    page.click("main form.stack button[type=submit]")
    page.wait_for_selector("text=Публикуван като версия 2")
    assert page.inner_text("table.bulk-report").count("Публикуван като версия 2") == 2
    shoot(page, "bulk-published")
    assert [_versions(levski, s) for s in DATASETS] == [[2, 1], [1], [2, 1]]


def test_the_metadata_of_two_datasets_is_edited_through_a_csv_with_a_preview(
        clerk, live_server: str, levski: Portal, tmp_path: Path, shoot) -> None:  # type: ignore[no-untyped-def]
    page = clerk
    page.click("text=Метаданни в електронна таблица")
    page.wait_for_selector("input#file")
    assert _axe(page) == []
    rows = list(csv.DictReader(io.StringIO(bulk_metadata.export_csv(levski.engine, publisher_ids=None)
                                           .decode("utf-8-sig")), delimiter=";"))
    rows[0]["title_en"], rows[2]["themes"] = "Settlements", "REGI; SOCI"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    edited = tmp_path / "metadata.csv"
    edited.write_bytes(out.getvalue().encode("cp1251"))  # as Excel in Bulgarian saves "CSV"
    page.set_input_files("#file", str(edited))
    page.click("main form.stack button[type=submit]")

    page.wait_for_selector("table.bulk-changes")
    changes = page.inner_text("table.bulk-changes")
    assert "Settlements" in changes and "REGI; SOCI" in changes
    assert _axe(page) == []
    shoot(page, "bulk-metadata-preview")
    page.click("form.bulk-apply button[type=submit]")
    page.wait_for_selector("p.ok")
    assert "Промените са приложени (набори от данни: 2)." in page.inner_text("p.ok")
    assert catalog.get_dataset(levski.engine, rows[0]["slug"]).title.en == "Settlements"
    assert catalog.get_dataset(levski.engine, rows[2]["slug"]).themes == ("REGI", "SOCI")
