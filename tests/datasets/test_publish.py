"""Publishing: valid uploads become immutable, complete releases; invalid ones change nothing."""
from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.state import Portal
from datasets import catalog
from datasets.files import sha256_of
from datasets.publish import CHECK_STEPS, Upload, publish
from metadata.errors import ValidationFailed
from tests.datasets.conftest import DATA, DEMO

FRICTIONLESS = Path(sys.executable).parent / "frictionless"
pytestmark = pytest.mark.catalogs


def _publish(portal: Portal, path: Path, dataset: str, **kwargs) -> object:
    return publish(portal.instance, portal.engine, Upload(path, path.name, **kwargs), dataset=dataset)


def test_publish_of_the_real_council_decisions_makes_release_one(fresh_portal: Portal, decisions: str) -> None:
    outcome = _publish(fresh_portal, DATA / "pleven-council-decisions-2026.csv", decisions)
    assert (outcome.version, outcome.report.row_count, outcome.report.valid) == (1, 198, True)
    folder = fresh_portal.instance.release_dir(decisions, 1)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["datapackage.json", "decisions.csv", "decisions.db", "decisions-v1.zip", "decisions.parquet", "source"])


def test_each_publish_gets_the_next_version(fresh_portal: Portal, budget: str) -> None:
    versions = [_publish(fresh_portal, DEMO / name, budget).version
                for name in ("budget-2026-q1.csv", "budget-2026-h1.csv", "budget-2026-q1.csv")]
    assert versions == [1, 2, 3]
    listed = catalog.list_releases(fresh_portal.engine, catalog.get_dataset(fresh_portal.engine, budget).id)
    assert [r.version for r in listed] == [3, 2, 1]


def test_the_original_upload_is_kept_byte_for_byte(fresh_portal: Portal, budget: str) -> None:
    source = DEMO / "budget-2026-q1.csv"
    _publish(fresh_portal, source, budget)
    kept = fresh_portal.instance.release_dir(budget, 1) / "source" / "original.csv"
    assert kept.read_bytes() == source.read_bytes()


def test_release_files_are_recorded_with_their_real_sizes_and_checksums(fresh_portal: Portal, budget: str) -> None:
    _publish(fresh_portal, DEMO / "budget-2026-q1.csv", budget)
    dataset = catalog.get_dataset(fresh_portal.engine, budget)
    release = catalog.latest_release(fresh_portal.engine, dataset.id)
    folder = fresh_portal.instance.release_dir(budget, 1)
    assert {f.role for f in release.files} == {"data", "sqlite", "datapackage", "zip", "parquet", "source"}
    for record in release.files:
        path = folder / record.name
        assert (record.bytes, record.sha256) == (path.stat().st_size, sha256_of(path))


def test_the_normalized_csv_has_iso_dates_and_dot_decimals(fresh_portal: Portal, decisions: str, budget: str) -> None:
    _publish(fresh_portal, DEMO / "council-decisions-2026-q1.csv", decisions)
    _publish(fresh_portal, DEMO / "budget-2026-q1.csv", budget)
    with (fresh_portal.instance.release_dir(decisions, 1) / "decisions.csv").open(encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    assert first["session_date"] == "2026-01-29"
    with (fresh_portal.instance.release_dir(budget, 1) / "budget.csv").open(encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    assert first["plan"] == "2150000.00" and first["year"] == "2026"


@pytest.mark.parametrize("dataset_fixture, demo_file", [
    ("budget", "budget-2026-q1.csv"),
    ("decisions", "council-decisions-2026-q1.csv"),
])
def test_frictionless_validate_accepts_every_exported_package(
        fresh_portal: Portal, dataset_fixture: str, demo_file: str, request: pytest.FixtureRequest) -> None:
    slug = request.getfixturevalue(dataset_fixture)
    _publish(fresh_portal, DEMO / demo_file, slug)
    folder = fresh_portal.instance.release_dir(slug, 1)
    result = subprocess.run([str(FRICTIONLESS), "validate", "--json", "datapackage.json"],
                            cwd=folder, capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    assert (result.returncode, report["valid"]) == (0, True), result.stdout[:2000]


def test_the_zip_holds_a_package_that_frictionless_validates(fresh_portal: Portal, budget: str, tmp_path: Path) -> None:
    import zipfile

    _publish(fresh_portal, DEMO / "budget-2026-q1.csv", budget)
    out = tmp_path / "unzipped"
    with zipfile.ZipFile(fresh_portal.instance.release_dir(budget, 1) / "budget-v1.zip") as archive:
        archive.extractall(out)
    result = subprocess.run([str(FRICTIONLESS), "validate", "datapackage.json"], cwd=out,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]


def test_the_sqlite_database_has_typed_columns_and_the_primary_key(fresh_portal: Portal, budget: str) -> None:
    _publish(fresh_portal, DEMO / "budget-2026-q1.csv", budget)
    conn = sqlite3.connect(fresh_portal.instance.release_dir(budget, 1) / "budget.db")
    columns = {row[1]: (row[2], row[5]) for row in conn.execute("PRAGMA table_info(budget)")}
    assert columns["year"] == ("INTEGER", 1)
    assert columns["plan"][0] == "FLOAT" or columns["plan"][0] == "REAL"
    assert columns["ebk_paragraph"][0] == "TEXT"
    assert conn.execute("select count(*), sum(executed > 0) from budget").fetchone() == (16, 16)
    indexed = {row[1] for row in conn.execute("PRAGMA index_list(budget)")}
    assert any("period" in name for name in indexed)


def test_full_text_search_is_case_insensitive_for_cyrillic(fresh_portal: Portal, budget: str) -> None:
    _publish(fresh_portal, DEMO / "budget-2026-q1.csv", budget)
    conn = sqlite3.connect(fresh_portal.instance.release_dir(budget, 1) / "budget.db")
    lower = conn.execute("select count(*) from budget_fts where budget_fts match 'заплати'").fetchone()[0]
    upper = conn.execute("select count(*) from budget_fts where budget_fts match 'ЗАПЛАТИ'").fetchone()[0]
    assert lower == upper == 4


def test_invalid_data_is_never_published(fresh_portal: Portal, decisions: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    text = (DATA / "pleven-council-decisions-2026.csv").read_text(encoding="utf-8")
    broken.write_text(text.replace("2026-03-26", "31.02.2026", 1), encoding="utf-8")
    with pytest.raises(ValidationFailed) as raised:
        _publish(fresh_portal, broken, decisions)
    report = raised.value.report
    assert [(p.code, p.row, p.field, p.value) for p in report.errors] == [
        ("type-error", 2, "session_date", "31.02.2026")]
    assert catalog.list_releases(fresh_portal.engine, 1) == []
    assert not (fresh_portal.instance.releases / decisions).exists()
    assert list(fresh_portal.instance.tmp.iterdir()) == []


def test_a_check_reports_without_publishing(fresh_portal: Portal, budget: str) -> None:
    outcome = publish(fresh_portal.instance, fresh_portal.engine,
                      Upload(DEMO / "budget-2026-q1.csv", "budget.csv"), dataset=budget, steps=CHECK_STEPS)
    assert outcome.report.valid and outcome.report.row_count == 16
    assert catalog.list_releases(fresh_portal.engine, 1) == []
    assert list(fresh_portal.instance.tmp.iterdir()) == []


def test_title_and_subtotal_rows_are_reported_as_notices(fresh_portal: Portal, budget: str) -> None:
    outcome = _publish(fresh_portal, DEMO / "budget-2026-q1.csv", budget)
    notices = [(p.code, p.row) for p in outcome.report.notices]
    assert ("title-row", 1) in notices and ("subtotal-row", 20) in notices


def test_a_dataset_without_schema_publishes_with_an_inferred_one_and_keeps_it(fresh_portal: Portal) -> None:
    catalog.create_dataset(fresh_portal.engine, "settlements", publisher="levski", title_bg="Населени места")
    outcome = _publish(fresh_portal, DATA / "levski-settlements.csv", "settlements")
    assert outcome.schema_inferred
    types = {f["name"]: f["type"] for f in outcome.schema["fields"]}
    assert types == {"ekatte": "string", "municipality": "string", "name_bg": "string",
                     "name_en": "string", "area": "integer", "population": "integer"}
    stored = catalog.get_dataset(fresh_portal.engine, "settlements").table_schema
    assert stored == outcome.schema
    again = _publish(fresh_portal, DATA / "levski-settlements.csv", "settlements")
    assert (again.version, again.schema_inferred) == (2, False)


def test_xlsx_from_a_named_sheet_publishes(fresh_portal: Portal) -> None:
    catalog.create_dataset(fresh_portal.engine, "indicators", publisher="levski",
                           title_bg="Индикатори", profile="indicators")
    outcome = _publish(fresh_portal, DEMO / "policy-indicators.xlsx", "indicators", sheet="Индикатори")
    assert (outcome.version, outcome.report.row_count) == (1, 15)
    conn = sqlite3.connect(fresh_portal.instance.release_dir("indicators", 1) / "indicators.db")
    assert conn.execute("select actual from indicators where period = '2026-H1' and unit = '%' "
                        "order by actual limit 1").fetchone() == (30.4,)
