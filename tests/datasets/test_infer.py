"""Inferring a Table Schema for custom datasets from Bulgarian spreadsheets."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from datasets.infer import infer_file, infer_schema
from datasets.read import open_table

DATA = Path(__file__).resolve().parents[1] / "data"


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ";") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("cp1251"))
    return path


def column_types(tmp_path: Path, rows: list[list[str]]) -> list[str]:
    schema = infer_file(write_csv(tmp_path / "a.csv", rows))
    return [f["type"] for f in schema["fields"]]


def test_infer_reads_the_levski_settlements(tmp_path):
    schema = infer_file(DATA / "levski-settlements.csv")
    assert schema == {
        "fields": [
            {"name": name, "type": type_, "title": name, "title_en": name,
             "constraints": {"required": True},
             **({"x_place": name} if name in ("ekatte", "municipality") else {})}
            for name, type_ in [("ekatte", "string"), ("municipality", "string"),
                                ("name_bg", "string"), ("name_en", "string"),
                                ("area", "integer"), ("population", "integer")]
        ],
        "primaryKey": ["ekatte"],
    }


@pytest.mark.parametrize(("values", "expected"), [
    (["1234", "-5", "0"], "integer"),
    (["1 234", "12 000"], "integer"),
    (["1234,56", "1 234,5", "7"], "number"),
    (["1.234,56", "0,5"], "number"),
    (["00761", "00802", "05044"], "string"),
    (["14.04.2026", "1.4.2026 г.", "2026-03-26"], "date"),
    (["14.04.2026 10:30", "26.03.2026 9:00"], "datetime"),
    (["да", "не", "Да"], "boolean"),
    (["да", "може би"], "string"),
    (["1234", "Плевен"], "string"),
    (["", ""], "string"),
])
def test_infer_recognises_bulgarian_value_formats(tmp_path, values, expected):
    # A second, filled column keeps rows of empty values from being skipped as blank rows.
    rows = [["Стойност", "Друго"]] + [[v, "x"] for v in values]
    assert column_types(tmp_path, rows)[0] == expected


def test_infer_names_fields_safely_and_keeps_the_original_header_as_title(tmp_path):
    rows = [["Населено място", "населено място!", "id; DROP TABLE x", "<script>", "Area"],
            ["Левски", "Левски", "1", "a", "1"]]
    fields = infer_file(write_csv(tmp_path / "a.csv", rows))["fields"]
    assert [(f["name"], f["title"], f.get("title_en")) for f in fields] == [
        ("naseleno_myasto", "Населено място", None),
        ("naseleno_myasto_2", "населено място!", None),
        ("id_drop_table_x", "id; DROP TABLE x", "id; DROP TABLE x"),
        ("script", "<script>", "<script>"),
        ("area", "Area", "Area"),
    ]


def test_infer_marks_columns_required_only_when_no_sampled_value_is_empty(tmp_path):
    rows = [["Код", "Бележка"], ["1", "а"], ["2", ""], ["3", "б"]]
    fields = infer_file(write_csv(tmp_path / "a.csv", rows))["fields"]
    assert [f["constraints"]["required"] for f in fields] == [True, False]


@pytest.mark.parametrize(("header", "values", "key"), [
    ("id", ["1", "2", "3"], ["id"]),
    ("ЕКАТТЕ", ["00761", "00802", "05044"], ["ekatte"]),
    ("decision_no", ["1066", "1067", "1068"], ["decision_no"]),
    ("id", ["1", "2", "2"], None),
    ("id", ["1", "", "3"], None),
    ("Брой", ["1", "2", "3"], None),
])
def test_infer_proposes_a_primary_key_only_for_a_unique_complete_id_column(tmp_path, header,
                                                                          values, key):
    rows = [[header, "Име"]] + [[v, "x"] for v in values]
    schema = infer_file(write_csv(tmp_path / "a.csv", rows))
    assert schema.get("primaryKey") == key


def test_infer_looks_only_at_the_sample(tmp_path):
    rows = [["Брой"]] + [[str(i)] for i in range(100)] + [["много"]]
    schema = infer_file(write_csv(tmp_path / "a.csv", rows), sample_size=100)
    assert schema["fields"][0]["type"] == "integer"


def test_infer_treats_missing_cells_of_short_rows_as_empty(tmp_path):
    rows = [["Код", "Сума"], ["1", "2,5"], ["2"]]
    fields = infer_file(write_csv(tmp_path / "a.csv", rows))["fields"]
    assert [(f["type"], f["constraints"]["required"]) for f in fields] == [
        ("integer", True), ("number", False)]


def test_infer_consumes_the_rows_so_callers_reopen_the_table(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["Код"], ["1"]])
    with open_table(path) as table:
        infer_schema(table)
        with pytest.raises(RuntimeError):
            table.rows()
    with open_table(path) as again:
        assert list(again.rows()) == [(2, ["1"])]
