"""Normalizing uploads to the schema's columns and the Table Schema's value formats."""
from __future__ import annotations

import array
import csv
import io
from pathlib import Path

import pytest

from datasets.normalize import (
    normalize,
    normalize_boolean,
    normalize_date,
    normalize_datetime,
    normalize_number,
)
from datasets.read import open_table

DATA = Path(__file__).resolve().parents[1] / "data"

with (DATA / "levski-settlements.csv").open(encoding="utf-8", newline="") as _f:
    LEVSKI = list(csv.reader(_f))

SETTLEMENTS = {
    "fields": [
        {"name": "ekatte", "type": "string", "title": "ЕКАТТЕ", "title_en": "EKATTE code",
         "constraints": {"required": True}},
        {"name": "name_bg", "type": "string", "title": "Населено място", "title_en": "Name",
         "constraints": {"required": True}},
        {"name": "area", "type": "number", "title": "Площ (дка)", "title_en": "Area"},
        {"name": "population", "type": "integer", "title": "Население",
         "title_en": "Population"},
    ],
    "primaryKey": ["ekatte"],
}


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(tmp_path: Path, rows: list[list[str]], schema: dict, **options: str):
    source = write_csv(tmp_path / "source.csv", rows, **options)
    out = tmp_path / "out.csv"
    with open_table(source) as table:
        result = normalize(table, schema, out)
    return result, out.read_text(encoding="utf-8")


# --- value formats ------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("1234,56", "1234.56"),
    ("1 234,56", "1234.56"),
    ("1\u00a0234,56", "1234.56"),
    ("1\u202f234,56", "1234.56"),
    ("1'234,56", "1234.56"),
    ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"),
    ("1.234.567,8", "1234567.8"),
    ("1 234 567", "1234567"),
    ("-1 234,5", "-1234.5"),
    ("\u22121,5", "-1.5"),
    ("+12", "12"),
    ("1.234", "1.234"),
    ("  44238 ", "44238"),
    ("1,23E+05", "1.23e+05"),
    ("1,2,3", "1,2,3"),
    ("12 лв.", "12 лв."),
    ("", ""),
])
def test_normalize_number_reads_bulgarian_formats(value, expected):
    assert normalize_number(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("1.234", "1234"),
    ("1.234.567", "1234567"),
    ("1 234", "1234"),
    ("12.5", "12.5"),
    ("1,5", "1,5"),
    ("12.34", "12.34"),
])
def test_normalize_number_in_integer_fields_reads_dot_groups_as_thousands(value, expected):
    assert normalize_number(value, integer=True) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("14.04.2026", "2026-04-14"),
    ("14.04.2026 г.", "2026-04-14"),
    ("14.04.2026г.", "2026-04-14"),
    ("14.04.2026 г", "2026-04-14"),
    ("4.4.2026", "2026-04-04"),
    ("14.4.26", "2026-04-14"),
    ("14.04.69", "2069-04-14"),
    ("14.04.70", "1970-04-14"),
    ("14/04/2026", "2026-04-14"),
    ("2026-04-14", "2026-04-14"),
    ("31.02.2026", "31.02.2026"),
    ("14.04/2026", "14.04/2026"),
    ("април 2026", "април 2026"),
])
def test_normalize_date_reads_bulgarian_formats(value, expected):
    assert normalize_date(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("14.04.2026 10:30", "2026-04-14T10:30:00"),
    ("14.04.2026 г. 10:30 ч.", "2026-04-14T10:30:00"),
    ("14.4.26 9:05:07", "2026-04-14T09:05:07"),
    ("2026-04-14T10:30:00", "2026-04-14T10:30:00"),
    ("2026-04-14 10:30", "2026-04-14T10:30:00"),
    ("14.04.2026", "2026-04-14T00:00:00"),
    ("14.04.2026 25:00", "14.04.2026 25:00"),
    ("утре", "утре"),
])
def test_normalize_datetime_reads_bulgarian_formats(value, expected):
    assert normalize_datetime(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("да", "true"), ("Да", "true"), ("НЕ", "false"), ("yes", "true"), ("No", "false"),
    ("1", "true"), ("0", "false"), ("TRUE", "true"), ("false", "false"), ("може би", "може би"),
])
def test_normalize_boolean_reads_bulgarian_and_english_words(value, expected):
    assert normalize_boolean(value) == expected


# --- whole tables -------------------------------------------------------------------------

def test_normalize_writes_schema_columns_from_a_bulgarian_cp1251_export(tmp_path):
    rows = [["Население", "ЕКАТТЕ", "Населено място", "Площ (дка)"],
            ["1 317", "00761", " Асеновци ", "44 238,5"],
            ["586", "00802", "Аспарухово", "11777"]]
    result, written = run(tmp_path, rows, SETTLEMENTS, encoding="cp1251", delimiter=";")
    assert written == ("ekatte,name_bg,area,population\n"
                       "00761,Асеновци,44238.5,1317\n"
                       "00802,Аспарухово,11777,586\n")
    assert (result.row_count, list(result.row_numbers), result.problems) == (2, [2, 3], ())


def test_normalize_writes_utf8_without_bom_and_with_newline_endings(tmp_path):
    run(tmp_path, LEVSKI, SETTLEMENTS, encoding="utf-8-sig")
    raw = (tmp_path / "out.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw


@pytest.mark.parametrize("header", [
    ["ekatte", "name_bg"],
    ["ЕКАТТЕ", "НАСЕЛЕНО   МЯСТО"],
    ["EKATTE code", "name"],
    ["Ekatte", "naseleno mYasto"],
    ["  ekatte ", "Name-BG"],
])
def test_normalize_matches_headers_by_name_title_or_english_title(tmp_path, header):
    result, written = run(tmp_path, [header, ["00761", "Асеновци"]], SETTLEMENTS)
    assert written == "ekatte,name_bg,area,population\n00761,Асеновци,,\n"
    assert result.problems == ()


def test_normalize_reports_extra_and_missing_columns(tmp_path):
    rows = [["ekatte", "Кмет", "area"], ["00761", "Иван", "1"]]
    result, written = run(tmp_path, rows, SETTLEMENTS)
    found = [(p.code, p.field, p.row, p.severity) for p in result.problems]
    assert found == [("extra-column", "Кмет", 1, "error"),
                     ("missing-column", "name_bg", 1, "error")]
    assert all(p.message.bg and p.message.en for p in result.problems)
    assert written == "ekatte,name_bg,area,population\n00761,,1,\n"


def test_normalize_writes_unconvertible_values_unchanged(tmp_path):
    rows = [["ekatte", "name_bg", "area", "population"], ["00761", "Асеновци", "няма", "12,5"]]
    _, written = run(tmp_path, rows, SETTLEMENTS)
    assert written.splitlines()[1] == "00761,Асеновци,няма,\"12,5\""


def test_normalize_keeps_ragged_rows_ragged(tmp_path):
    rows = [LEVSKI[0], ["00761", "PVN16", "Асеновци"],
            ["00802", "PVN16", "Аспарухово", "Asparuhovo", "11777", "586", "лишна", "клетка"]]
    schema = {"fields": [{"name": n, "type": "string"} for n in LEVSKI[0]]}
    _, written = run(tmp_path, rows, schema)
    assert written.splitlines()[1:] == [
        "00761,PVN16,Асеновци",
        "00802,PVN16,Аспарухово,Asparuhovo,11777,586,лишна,клетка",
    ]


def test_normalize_maps_row_numbers_through_titles_newlines_and_subtotals(tmp_path):
    rows = [["Населени места в община Левски"], [], ["ekatte", "name_bg"],
            ["00761", "Асеновци\n(село)"], ["ОБЩО:", ""], ["00802", "Аспарухово"]]
    result, _ = run(tmp_path, rows, SETTLEMENTS)
    assert result.row_numbers == array.array("q", [4, 6])
    assert [(p.code, p.row) for p in result.problems] == [("title-row", 1), ("subtotal-row", 5)]


def test_normalize_converts_each_field_type(tmp_path):
    schema = {"fields": [{"name": "d", "type": "date"}, {"name": "t", "type": "datetime"},
                         {"name": "b", "type": "boolean"}, {"name": "i", "type": "integer"},
                         {"name": "s", "type": "string"}]}
    rows = [["d", "t", "b", "i", "s"], ["14.04.2026 г.", "14.04.2026 10:30", "да", "1.234", " x "]]
    _, written = run(tmp_path, rows, schema, delimiter=";")
    assert written.splitlines()[1] == "2026-04-14,2026-04-14T10:30:00,true,1234,x"


def test_normalize_reports_progress_every_ten_thousand_rows(tmp_path):
    rows = [["ekatte"]] + [[f"{i:05d}"] for i in range(25_000)]
    source = write_csv(tmp_path / "source.csv", rows)
    seen: list[int] = []
    with open_table(source) as table:
        result = normalize(table, SETTLEMENTS, tmp_path / "out.csv", on_progress=seen.append)
    assert (seen, result.row_count) == ([10_000, 20_000, 25_000], 25_000)


def test_compiled_row_mapping_equals_the_general_one_on_every_kind_of_cell() -> None:
    from datasets.normalize import _converter, _map_row, compile_map_row

    types = ["number", "integer", "date", "datetime", "boolean", "string", "year"]
    cells = ["1 234,56", "-12", " 7 ", "1.234", "14.04.2026 г.", "2026-04-14", "2026-4-1",
             "14.04.2026 10:30", "да", " НЕ ", "", " x ", "1e3", "2026-02-30", "abc"]
    sources = [6, 5, 4, 3, 2, 1, 0]  # columns in another order than the fields
    mapped = compile_map_row(sources, types, 7)
    converters = [_converter(t) for t in types]
    assert mapped is not None
    for start in range(len(cells)):
        row = [cells[(start + k) % len(cells)] for k in range(7)]
        for ragged in (row, row[:3], row + ["extra"]):
            assert mapped(ragged) == _map_row(ragged, sources, converters, 7), ragged
    assert compile_map_row([0, None], ["string", "string"], 2) is None
