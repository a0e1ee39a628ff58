"""Metadata as a CSV: export for Excel, read back as Excel saves it, preview, apply all or nothing."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets import bulk_metadata
from datasets.bulk_metadata_csv import COLUMNS, neutralise, read_csv, restore, write_csv
from datasets.catalog import create_dataset, get_dataset
from datasets.edit import update_dataset
from metadata.errors import Conflict, InvalidInput
from publishers.bulk_store import bulk_edits
from publishers.registry import add_publisher
from publishers.store import audit_events

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)



def EVERYONE(publisher_id: int) -> bool:  # noqa: N802 - a site admin's view, named as a constant
    return True


@pytest.fixture
def levski(portal: Portal) -> Portal:
    """Two publishers; Levski has three datasets (titles from the demo), Pleven one."""
    engine = portal.engine
    add_publisher(engine, "obshtina-levski", name_bg="Община Левски", name_en="Municipality of Levski")
    add_publisher(engine, "obshtina-pleven", name_bg="Община Плевен", name_en="Municipality of Pleven")
    create_dataset(engine, "byudzhet", publisher="obshtina-levski", title_bg="Бюджет на община Левски",
                   title_en="Budget of the Municipality of Levski", themes=["ECON", "GOVE"],
                   keywords=["бюджет", "ЕБК"], frequency="QUARTERLY", spatial="Община Левски",
                   description_bg="=HYPERLINK(\"http://x\")\nразходи", temporal_start="2026-01-01")
    create_dataset(engine, "resheniya", publisher="obshtina-levski",
                   title_bg="Решения на Общински съвет – Левски", description_bg="- по точка 1")
    create_dataset(engine, "selishta", publisher="obshtina-levski", title_bg="'Населени места'")
    create_dataset(engine, "pleven-resheniya", publisher="obshtina-pleven",
                   title_bg="Решения на Общински съвет – Плевен")
    return portal


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _write(path: Path, rows: list[dict[str, str]], *, encoding: str = "utf-8-sig") -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def _exported(portal: Portal, tmp_path: Path, **edits: dict[str, str]) -> Path:
    """The export of every dataset, with some cells edited (slug -> {column: value})."""
    rows = _rows(bulk_metadata.export_csv(portal.engine, publisher_ids=None))
    for row in rows:
        row.update(edits.get(row["slug"].replace("-", "_"), {}))
    return _write(tmp_path / "metadata.csv", rows)


def test_the_export_is_utf8_with_bom_and_semicolons_with_every_editable_field(levski: Portal) -> None:
    data = bulk_metadata.export_csv(levski.engine, publisher_ids=None)
    rows = _rows(data)
    assert data.startswith(b"\xef\xbb\xbf" + b"slug;title_bg;title_en;")
    assert tuple(rows[0]) == COLUMNS == ("slug", "title_bg", "title_en", "description_bg",
                                         "description_en", "licence", "frequency", "themes",
                                         "keywords", "spatial", "temporal_start", "temporal_end",
                                         "contact_name", "contact_email")
    assert {k: rows[0][k] for k in ("slug", "themes", "keywords", "title_en", "temporal_start")} == {
        "slug": "byudzhet", "themes": "ECON; GOVE", "keywords": "бюджет; ЕБК",
        "title_en": "Budget of the Municipality of Levski", "temporal_start": "2026-01-01"}
    assert [r["slug"] for r in _rows(bulk_metadata.export_csv(levski.engine, publisher_ids=[2]))] == [
        "pleven-resheniya"]


@pytest.mark.parametrize("value", ["=1+1", "+359 888", "-5", "@SUM(A1)", "\tx", "\rx", "'", "'=x",
                                   "''x", "обикновен текст", ""])
def test_a_formula_cell_is_neutralised_on_export_and_the_round_trip_is_exact(
        value: str, tmp_path: Path) -> None:
    data = write_csv([{"slug": "x", "title_bg": value, "themes": [value] if value else []}])
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    exported = _rows(data)[0]["title_bg"]
    read = read_csv(path).rows[0].values
    assert exported[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert (read["title_bg"], restore(neutralise(value))) == (value, value)


def test_an_unchanged_export_changes_nothing(levski: Portal, tmp_path: Path) -> None:
    assert bulk_metadata.plan(levski.engine, _exported(levski, tmp_path), may_edit=EVERYONE) == ([], [])


def test_a_file_saved_by_excel_in_windows_1251_is_read_back(levski: Portal, tmp_path: Path) -> None:
    rows = _rows(bulk_metadata.export_csv(levski.engine, publisher_ids=[1]))
    rows[0]["title_en"], rows[1]["themes"] = "Levski budget", "GOVE; JUST"
    rows[0]["temporal_end"] = "31.12.2026 г."  # as Excel shows a date
    path = _write(tmp_path / "excel.csv", rows, encoding="cp1251")
    changes, problems = bulk_metadata.plan(levski.engine, path, may_edit=EVERYONE)
    assert problems == []
    assert [(c.slug, c.fields()) for c in changes] == [
        ("byudzhet", [("title_en", "Budget of the Municipality of Levski", "Levski budget"),
                      ("temporal_end", None, "2026-12-31")]),
        ("resheniya", [("themes", [], ["GOVE", "JUST"])])]


def test_a_workbook_saved_by_excel_is_read_back(levski: Portal, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["slug", "title_en", "keywords"])
    book.active.append(["selishta", "Settlements", "ЕКАТТЕ; села"])
    book.save(tmp_path / "m.xlsx")
    changes, problems = bulk_metadata.plan(levski.engine, tmp_path / "m.xlsx", may_edit=EVERYONE)
    assert problems == [] and [c.after for c in changes] == [
        {"title_en": "Settlements", "keywords": ["ЕКАТТЕ", "села"]}]


def test_unknown_columns_refuse_the_whole_file_naming_them(levski: Portal, tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", [{"slug": "byudzhet", "заглавие": "x", "owner": "y"}])
    with pytest.raises(InvalidInput) as refused:
        bulk_metadata.plan(levski.engine, path, may_edit=EVERYONE)
    assert refused.value.text.en.startswith("Unknown columns: заглавие, owner. Possible: slug, title_bg,")
    assert refused.value.text.bg.startswith("Непознати колони: заглавие, owner.")


@pytest.mark.parametrize(("cells", "bg", "en"), [
    ({"slug": "nyama-takav"}, "Ред 2: няма набор от данни „nyama-takav“.",
     "Row 2: there is no dataset 'nyama-takav'."),
    ({"slug": "byudzhet", "licence": "GPL-3.0"}, "Ред 2, колона „licence“: „GPL-3.0“ не е познат лиценз.",
     "Row 2, column 'licence': 'GPL-3.0' is not a known licence. Choices: CC-BY-4.0, CC0-1.0,"),
    ({"slug": "byudzhet", "frequency": "всеки ден"}, "Ред 2, колона „frequency“: „всеки ден“ не е позната",
     "Row 2, column 'frequency': 'всеки ден' is not a known frequency. Choices: DAILY,"),
    ({"slug": "byudzhet", "themes": "ECON; ФИНАНСИ"}, "Ред 2, колона „themes“: „ФИНАНСИ“ не е позната тема.",
     "Row 2, column 'themes': 'ФИНАНСИ' is not a known theme. Choices: AGRI,"),
    ({"slug": "byudzhet", "title_bg": ""}, "Ред 2, колона „title_bg“: Полето е задължително.",
     "Row 2, column 'title_bg': This field is required."),
    ({"slug": "byudzhet", "temporal_end": "2025-13-40"}, "Ред 2, колона „temporal_end“:",
     "Row 2, column 'temporal_end':"),
    ({"slug": "pleven-resheniya", "title_en": "x"}, "Ред 2: наборът „pleven-resheniya“ е на друг издател",
     "Row 2: the dataset 'pleven-resheniya' belongs to another publisher; you may not edit it."),
    ({"slug": ""}, "Ред 2: колоната „slug“ е празна.", "Row 2: the column 'slug' is empty."),
])
def test_a_bad_row_gets_a_specific_message_in_both_languages(
        levski: Portal, tmp_path: Path, cells: dict[str, str], bg: str, en: str) -> None:
    path = _write(tmp_path / "m.csv", [cells | {"spatial": "Левски"}])
    changes, problems = bulk_metadata.plan(levski.engine, path, may_edit=lambda p: p == 1)
    assert changes == [] and [(p.row, p.message.bg[:len(bg)], p.message.en[:len(en)]) for p in problems] == [
        (2, bg, en)]


def test_a_slug_twice_is_refused_on_its_second_row(levski: Portal, tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", [{"slug": "selishta", "spatial": "Левски"},
                                       {"slug": "selishta", "spatial": "Плевен"}])
    _changes, problems = bulk_metadata.plan(levski.engine, path, may_edit=EVERYONE)
    assert [p.message.en for p in problems] == ["Row 3: the dataset 'selishta' is already on row 2."]


def _engine_values(portal: Portal, slug: str) -> tuple:  # type: ignore[type-arg]
    found = get_dataset(portal.engine, slug)
    return found.title.en, found.themes, found.spatial


def test_applying_a_preview_changes_every_dataset_in_it_and_records_each(levski: Portal, tmp_path: Path) -> None:
    path = _exported(levski, tmp_path, byudzhet={"title_en": "Levski budget", "themes": "ECON"},
                     selishta={"spatial": "Община Левски, област Плевен"})
    changes, problems = bulk_metadata.plan(levski.engine, path, may_edit=EVERYONE)
    edit = bulk_metadata.save_preview(levski.engine, changes, user_id=_user(levski), actor="clerk@levski.bg")
    bulk_metadata.apply_preview(levski.engine, edit, user_id=_user(levski), may_edit=EVERYONE,
                                actor="clerk@levski.bg")
    assert problems == [] and [_engine_values(levski, s) for s in ("byudzhet", "selishta")] == [
        ("Levski budget", ("ECON",), "Община Левски"),
        ("'Населени места'", (), "Община Левски, област Плевен")]
    assert _actions(levski) == [("bulk.metadata.preview", edit), ("dataset.update", "byudzhet"),
                                ("dataset.update", "selishta"), ("bulk.metadata.apply", edit)]
    with pytest.raises(InvalidInput):  # a second submit
        bulk_metadata.apply_preview(levski.engine, edit, user_id=_user(levski), may_edit=EVERYONE, actor="x")


def test_an_edit_between_preview_and_apply_refuses_the_whole_file(levski: Portal, tmp_path: Path) -> None:
    path = _exported(levski, tmp_path, byudzhet={"title_en": "Levski budget"},
                     selishta={"spatial": "Левски"})
    changes, _ = bulk_metadata.plan(levski.engine, path, may_edit=EVERYONE)
    edit = bulk_metadata.save_preview(levski.engine, changes, user_id=_user(levski), actor="clerk@levski.bg")
    update_dataset(levski.engine, "selishta", actor="colleague@levski.bg", contact_name="Иван Петров")
    with pytest.raises(Conflict) as refused:
        bulk_metadata.apply_preview(levski.engine, edit, user_id=_user(levski), may_edit=EVERYONE,
                                    actor="clerk@levski.bg")
    assert "someone else edited selishta" in refused.value.text.en
    assert [_engine_values(levski, s) for s in ("byudzhet", "selishta")] == [
        ("Budget of the Municipality of Levski", ("ECON", "GOVE"), "Община Левски"),
        ("'Населени места'", (), None)]
    with levski.engine.connect() as conn:
        assert conn.execute(sa.select(bulk_edits.c.state)).scalar() == "refused"
    assert _actions(levski)[-1] == ("bulk.metadata.refused", edit)


def _user(portal: Portal) -> int:
    from publishers.users import add_user, find_user

    found = find_user(portal.engine, "clerk@levski.bg")
    return (found or add_user(portal.engine, "clerk@levski.bg", password="correct horse battery staple")).id


def _actions(portal: Portal) -> list[tuple[str, str]]:
    with portal.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            sa.select(audit_events.c.action, audit_events.c.target)
            .where(audit_events.c.actor == "clerk@levski.bg").order_by(audit_events.c.id))]
