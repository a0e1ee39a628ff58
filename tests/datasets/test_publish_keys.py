"""Repeated and empty keys in a publish are reported as the frictionless CLI reports them.

While publishing, the release table's own PRIMARY KEY refuses repeated keys and the checker
does not remember them; when the table refused a row the upload is checked again exactly.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.state import Portal
from datasets import catalog
from datasets import publish as publish_module
from datasets.publish import Upload, publish
from metadata.errors import ValidationFailed
from tests.datasets.test_validate import CORPUS, CORPUS_SCHEMA, cli_errors, write_csv

TEXT_KEY = {"fields": [{"name": "code", "type": "string"}, {"name": "n", "type": "integer"}],
            "primaryKey": ["code"]}
PAIR_KEY = {"fields": [{"name": "year", "type": "year"}, {"name": "code", "type": "string"},
                       {"name": "n", "type": "integer"}],
            "primaryKey": ["year", "code"]}
CASES: dict[str, tuple[dict[str, Any], list[list[str]]]] = {
    # (publishing normalizes cells, so only files it writes unchanged are compared)
    **{name: (CORPUS_SCHEMA, CORPUS[name]) for name in ("duplicate-keys", "required", "unique")},
    "text-key": (TEXT_KEY, [["code", "n"], ["a", "1"], ["b", "2"], ["a", "3"], ["A", "4"],
                            ["b", "5"]]),
    "pair-key": (PAIR_KEY, [["year", "code", "n"], ["2026", "a", "1"], ["2025", "a", "2"],
                            ["2026", "a", "3"], ["2026", "", "4"], ["2026", "", "5"]]),
}


@pytest.fixture
def dataset(fresh_portal: Portal) -> Any:
    def make(slug: str, schema: dict[str, Any]) -> str:
        created = catalog.create_dataset(fresh_portal.engine, slug, publisher="levski",
                                         title_bg=f"Набор {slug}")
        with fresh_portal.engine.begin() as conn:
            catalog.set_table_schema(conn, created.id, schema)
        return slug
    return make


@pytest.mark.parametrize("name", CASES)
def test_a_publish_reports_key_errors_as_the_frictionless_cli(
        fresh_portal: Portal, dataset: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        name: str) -> None:
    schema, rows = CASES[name]
    slug = dataset(name.replace("-", ""), schema)
    path = write_csv(tmp_path / f"{name}.csv", rows)
    exact = []
    real = publish_module._check_exactly
    monkeypatch.setattr(publish_module, "_check_exactly",
                        lambda *args: exact.append(1) or real(*args))
    with pytest.raises(ValidationFailed) as failed:
        publish(fresh_portal.instance, fresh_portal.engine, Upload(path, path.name),
                dataset=slug)
    report = failed.value.report
    expected = cli_errors(tmp_path, name, schema)
    assert [(p.row, p.field, p.code) for p in report.problems] == expected
    assert len(expected) >= 2
    # Each file has a repeated key or an empty key cell: the second, exact pass ran.
    assert exact == [1]


def test_a_valid_upload_is_checked_in_one_pass_with_every_row_published(
        fresh_portal: Portal, dataset: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    slug = dataset("pairs", PAIR_KEY)
    rows = [["year", "code", "n"]] + [[str(2000 + i % 20), f"c{i // 20}", str(i)]
                                      for i in range(25_000)]
    path = write_csv(tmp_path / "pairs.csv", rows)
    monkeypatch.setattr(publish_module, "_check_exactly",
                        lambda *args: pytest.fail("a valid upload was checked twice"))
    outcome = publish(fresh_portal.instance, fresh_portal.engine, Upload(path, path.name),
                      dataset=slug)
    assert outcome.report.valid and outcome.report.row_count == 25_000
