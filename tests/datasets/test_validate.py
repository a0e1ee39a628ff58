"""Validating normalized CSVs against Table Schema profiles."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from frictionless import FrictionlessException, Schema

from datasets import validate as validate_module
from datasets.report import Problem, Report
from datasets.validate import check_schema, error_types, validate_csv
from metadata.errors import InvalidInput
from metadata.messages import MESSAGES, Text
from metadata.profiles import load_profile

DATA = Path(__file__).parents[1] / "data"
FRICTIONLESS = Path(sys.executable).with_name("frictionless")

# One valid row per profile (and a second to collide with); cases change one cell.
SAMPLES = {
    "decisions": [
        {"decision_no": "1066", "protocol_no": "41", "session_date": "2026-03-26",
         "title": "Приемане на бюджета за 2026 г.", "proposer": "Кмет на общината",
         "votes_for": "35", "votes_against": "0", "votes_abstain": "2", "vote_method": "open",
         "result": "adopted", "source_url": "https://obs.pleven.bg/uploads/posts/protokol-41.docx"},
        {"decision_no": "1067", "protocol_no": "41", "session_date": "2026-03-26",
         "title": "Отчет за дейността", "proposer": "", "votes_for": "", "votes_against": "",
         "votes_abstain": "", "vote_method": "", "result": "unknown", "source_url": ""},
    ],
    "budget": [
        {"year": "2026", "period": "Q1", "ebk_paragraph": "01-01", "function_code": "01.2",
         "activity_code": "122", "name": "Заплати за персонала по трудови правоотношения",
         "plan": "1200000", "amended_plan": "1250000", "executed": "301234.56"},
        {"year": "2026", "period": "Q1", "ebk_paragraph": "10-15", "function_code": "",
         "activity_code": "122", "name": "Материали", "plan": "", "amended_plan": "",
         "executed": "0"},
    ],
    "indicators": [
        {"policy": "Образование", "indicator": "Обхват в детските градини", "unit": "%",
         "period": "2026-Q1", "baseline": "78.5", "target": "90", "actual": "81.2",
         "source": "РУО Плевен"},
        {"policy": "Транспорт", "indicator": "Нови автобуси", "unit": "брой", "period": "2026",
         "baseline": "0", "target": "12", "actual": "", "source": ""},
    ],
}


def write_csv(path: Path, rows: list[dict[str, str]] | list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        if rows and isinstance(rows[0], dict):
            writer.writerow(rows[0].keys())
            writer.writerows(row.values() for row in rows)  # type: ignore[union-attr]
        else:
            writer.writerows(rows)
    return path


def sample(tmp_path: Path, profile: str, change: dict[str, str] | None = None,
           *, row: int = 1) -> Path:
    rows = [dict(r) for r in SAMPLES[profile]]
    rows[row].update(change or {})
    return write_csv(tmp_path / f"{profile}.csv", rows)


def triples(report: Report) -> list[tuple[str, int | None, str | None, str | None]]:
    return [(p.code, p.row, p.field, p.value) for p in report.problems]


# Valid files ------------------------------------------------------------------------------------

def test_real_pleven_decisions_file_is_valid():
    report = validate_csv(DATA / "pleven-council-decisions-2026.csv", load_profile("decisions"))
    assert report == Report(problems=(), row_count=198, truncated=False, error_count=0)


@pytest.mark.parametrize("profile", SAMPLES)
def test_valid_sample_passes(tmp_path, profile):
    report = validate_csv(sample(tmp_path, profile), load_profile(profile))
    assert report == Report(problems=(), row_count=2, truncated=False, error_count=0)


def test_optional_columns_may_be_left_out(tmp_path):
    rows = [{k: v for k, v in r.items() if k not in ("proposer", "vote_method")}
            for r in SAMPLES["decisions"]]
    assert validate_csv(write_csv(tmp_path / "d.csv", rows), load_profile("decisions")).valid


# One broken cell, one problem -------------------------------------------------------------------

CASES = [
    # profile, changed cells of the second data row (file row 3), expected (code, row, field, value)
    ("decisions", {"title": ""}, [("constraint-error", 3, "title", "")]),
    ("decisions", {"result": "maybe"}, [("constraint-error", 3, "result", "maybe")]),
    ("decisions", {"vote_method": "show of hands"},
     [("constraint-error", 3, "vote_method", "show of hands")]),
    ("decisions", {"protocol_no": "0"}, [("constraint-error", 3, "protocol_no", "0")]),
    ("decisions", {"votes_for": "1001"}, [("constraint-error", 3, "votes_for", "1001")]),
    ("decisions", {"votes_against": "-1"}, [("constraint-error", 3, "votes_against", "-1")]),
    ("decisions", {"title": "я" * 2001}, [("constraint-error", 3, "title", "я" * 1000)]),
    ("decisions", {"source_url": "javascript:alert(1)"},
     [("constraint-error", 3, "source_url", "javascript:alert(1)")]),
    ("decisions", {"source_url": "protokol 41"}, [("type-error", 3, "source_url", "protokol 41")]),
    ("decisions", {"session_date": "2026-02-31"},
     [("type-error", 3, "session_date", "2026-02-31")]),
    ("decisions", {"decision_no": "1066"},
     [("unique-error", 3, "decision_no", "1066"), ("primary-key", 3, None, "1066")]),
    ("budget", {"year": "1999"}, [("constraint-error", 3, "year", "1999")]),
    ("budget", {"year": "2101"}, [("constraint-error", 3, "year", "2101")]),
    ("budget", {"period": "Q5"}, [("constraint-error", 3, "period", "Q5")]),
    ("budget", {"ebk_paragraph": "1015"}, [("constraint-error", 3, "ebk_paragraph", "1015")]),
    ("budget", {"function_code": "1"}, [("constraint-error", 3, "function_code", "1")]),
    ("budget", {"activity_code": "12"}, [("constraint-error", 3, "activity_code", "12")]),
    ("budget", {"name": ""}, [("constraint-error", 3, "name", "")]),
    ("budget", {"executed": ""}, [("constraint-error", 3, "executed", "")]),
    ("budget", {"executed": "12 000 лв."}, [("type-error", 3, "executed", "12 000 лв.")]),
    ("budget", {"ebk_paragraph": "01-01"}, [("primary-key", 3, None, "2026, Q1, 01-01, 122")]),
    ("indicators", {"period": "2026-Q5"}, [("constraint-error", 3, "period", "2026-Q5")]),
    ("indicators", {"period": "2026-13"}, [("constraint-error", 3, "period", "2026-13")]),
    ("indicators", {"unit": ""}, [("constraint-error", 3, "unit", "")]),
    ("indicators", {"policy": "п" * 301}, [("constraint-error", 3, "policy", "п" * 301)]),
    ("indicators", {"actual": "n/a"}, [("type-error", 3, "actual", "n/a")]),
    ("indicators", {"policy": "Образование", "indicator": "Обхват в детските градини",
                    "period": "2026-Q1"},
     [("primary-key", 3, None, "Образование, Обхват в детските градини, 2026-Q1")]),
]


@pytest.mark.parametrize("profile, change, expected", CASES)
def test_broken_cell_gives_exactly_its_problem(tmp_path, profile, change, expected):
    report = validate_csv(sample(tmp_path, profile, change), load_profile(profile))
    assert triples(report) == expected
    assert (report.row_count, report.error_count, report.truncated) == (2, len(expected), False)


def test_date_problem_names_column_value_and_expected_form(tmp_path):
    path = sample(tmp_path, "decisions", {"session_date": "31.02.2026"})
    assert validate_csv(path, load_profile("decisions")).problems == (Problem(
        code="type-error", row=3, field="session_date", value="31.02.2026", message=Text(
            "Стойността „31.02.2026“ в колона „Дата на заседанието“ не е дата (очаква се дд.мм.гггг).",
            "The value '31.02.2026' in column 'Session date' is not a date (expected dd.mm.yyyy).",
        )),)


@pytest.mark.parametrize("change, bg, en", [
    ({"result": "maybe"},
     "Стойността „maybe“ в колона „Резултат“ не е сред допустимите: adopted, rejected, withdrawn, "
     "postponed, unknown.",
     "The value 'maybe' in column 'Result' is not one of the allowed values: adopted, rejected, "
     "withdrawn, postponed, unknown."),
    ({"votes_for": "1001"},
     "Стойността „1001“ в колона „Гласували „за““ е над допустимия максимум 1000.",
     "The value '1001' in column 'Votes for' is above the maximum of 1000."),
    ({"protocol_no": "0"},
     "Стойността „0“ в колона „Номер на протокола“ е под допустимия минимум 1.",
     "The value '0' in column 'Protocol number' is below the minimum of 1."),
    ({"title": ""},
     "Колона „Заглавие“ е задължителна, а на този ред е празна.",
     "The column 'Title' is required but is empty in this row."),
    ({"title": "я" * 2001},
     "Текстът в колона „Заглавие“ е твърде дълъг: 2001 знака при най-много 2000.",
     "The text in column 'Title' is too long: 2001 characters, at most 2000 allowed."),
    ({"decision_no": "1066", "protocol_no": "x"},
     "Стойността „1066“ в колона „Номер на решението“ трябва да е уникална, но вече я има на ред 2.",
     "The value '1066' in column 'Decision number' must be unique but already appears in row 2."),
])
def test_constraint_messages_say_which_constraint(tmp_path, change, bg, en):
    report = validate_csv(sample(tmp_path, "decisions", change), load_profile("decisions"))
    assert Text(bg, en) in [p.message for p in report.problems]


def test_pattern_message_explains_the_expected_form(tmp_path):
    report = validate_csv(sample(tmp_path, "budget", {"ebk_paragraph": "1015"}),
                          load_profile("budget"))
    assert report.problems[0].message == Text(
        "Стойността „1015“ в колона „Параграф по ЕБК“ не е в нужния запис. Параграф и подпараграф "
        "по ЕБК във вида „01-01“ (две цифри, тире, две цифри).",
        "The value '1015' in column 'EBK paragraph' is not written in the required form. EBK "
        "paragraph and sub-paragraph written as '01-01' (two digits, a hyphen, two digits).",
    )


# Header and row shape ---------------------------------------------------------------------------

def test_header_and_row_shape_problems(tmp_path):
    path = write_csv(tmp_path / "d.csv", [
        ["decision_no", "session_date", "title", "result", "notes"],
        ["1", "2026-03-26", "Бюджет", "adopted", "x"],
        ["2", "2026-03-26", "Отчет", "adopted"],
        [],
        ["3", "2026-03-26", "Заем", "adopted", "y", "z"],
    ])
    report = validate_csv(path, load_profile("decisions"))
    assert triples(report) == [
        ("extra-label", 1, "notes", "notes"),
        ("missing-label", 1, "protocol_no", None),
        ("missing-cell", 3, "notes", None),
        ("blank-row", 4, None, None),
        ("primary-key", 4, None, None),
        ("extra-cell", 5, None, "z"),
    ]
    assert report.row_count == 4


def test_duplicate_column_is_reported_without_checking_rows(tmp_path):
    rows = [["decision_no", "protocol_no", "session_date", "title", "result", "title"],
            ["1", "41", "2026-03-26", "Бюджет", "adopted", "Бюджет"]]
    report = validate_csv(write_csv(tmp_path / "d.csv", rows), load_profile("decisions"))
    assert triples(report) == [("duplicate-label", 1, "title", "title")]
    assert report.problems[0].message.en == "The column 'title' appears more than once in the header row."


def test_nameless_column_says_it_has_no_name(tmp_path):
    rows = [["decision_no", "protocol_no", "session_date", "title", "result", ""],
            ["1", "41", "2026-03-26", "Бюджет", "adopted", "x"]]
    report = validate_csv(write_csv(tmp_path / "d.csv", rows), load_profile("decisions"))
    assert [(p.code, p.message.en) for p in report.problems] == [
        ("extra-label", "Column 6 has no name in the header row.")]


# Row numbers, limits ----------------------------------------------------------------------------

def test_row_numbers_map_problems_to_the_original_upload(tmp_path):
    rows = [dict(SAMPLES["decisions"][0]), dict(SAMPLES["decisions"][1]),
            dict(SAMPLES["decisions"][0])]
    rows[1]["result"] = "maybe"
    path = write_csv(tmp_path / "d.csv", rows)
    report = validate_csv(path, load_profile("decisions"), row_numbers=[5, 7, 12])
    assert triples(report) == [
        ("constraint-error", 7, "result", "maybe"),
        ("unique-error", 12, "decision_no", "1066"),
        ("primary-key", 12, None, "1066"),
    ]
    assert "row 5." in report.problems[1].message.en and "ред 5." in report.problems[1].message.bg


def test_header_problem_has_no_row_when_rows_are_remapped(tmp_path):
    rows = [{**r, "notes": ""} for r in SAMPLES["decisions"]]
    report = validate_csv(write_csv(tmp_path / "d.csv", rows), load_profile("decisions"),
                          row_numbers=[4, 5])
    assert triples(report) == [("extra-label", None, "notes", "notes")]


def test_limit_stops_a_huge_broken_file(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="utf-8") as file:
        file.write("year,period,ebk_paragraph,activity_code,name,executed\n")
        file.writelines("x,Q9,1,1,,n/a\n" for _ in range(200_000))
    report = validate_csv(path, load_profile("budget"), limit=1000)
    assert (len(report.problems), report.truncated, report.row_count) == (1000, True, 200_000)
    assert report.error_count > 1000


def test_exactly_limit_errors_is_not_truncated(tmp_path):
    rows = [dict(SAMPLES["budget"][0], period=f"X{i}", activity_code=f"{i:03d}") for i in range(3)]
    report = validate_csv(write_csv(tmp_path / "b.csv", rows), load_profile("budget"), limit=3)
    assert (len(report.problems), report.error_count, report.truncated) == (3, 3, False)


def test_limit_below_one_is_refused(tmp_path):
    with pytest.raises(InvalidInput):
        validate_csv(sample(tmp_path, "budget"), load_profile("budget"), limit=0)


# Messages ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", error_types())
def test_every_error_type_has_a_bilingual_message(code):
    bg, en = MESSAGES[f"valid.{code}"]
    assert bg.strip() and en.strip() and bg != en


def test_every_validation_message_is_bilingual():
    for message_id, (bg, en) in MESSAGES.items():
        if message_id.startswith("valid."):
            assert bg.strip() and en.strip() and bg != en, message_id


def test_error_types_cover_the_common_frictionless_errors():
    assert {"type-error", "constraint-error", "unique-error", "primary-key", "missing-cell",
            "extra-cell", "blank-row", "extra-label", "missing-label", "duplicate-label",
            "blank-label"} <= set(error_types())


def test_unknown_error_type_gets_a_generic_message():
    error = SimpleNamespace(type="sequential-value", message="Not sequential", row_number=4,
                            field_name="id", cell="9", note="")
    context = validate_module._Context(load_profile("budget"), [], None)
    assert validate_module.to_problem(error, context) == Problem(
        code="sequential-value", row=4, field="id", value="9", message=Text(
            "Проблем при проверката на данните (sequential-value): Not sequential",
            "Problem while checking the data (sequential-value): Not sequential"))


def test_undecodable_file_is_reported_not_raised(tmp_path):
    path = tmp_path / "cp1251.csv"
    path.write_bytes("policy,indicator,unit,period\nОбразование,Обхват,%,2026\n".encode("cp1251"))
    report = validate_csv(path, load_profile("indicators"))
    assert [p.code for p in report.problems] == ["encoding-error"]
    assert report.problems[0].message.en == "The file is not valid UTF-8 text."


# Security (SECURITY 19, 46) ---------------------------------------------------------------------

@pytest.mark.parametrize("schema", [
    "https://example.org/schema.json",
    {"path": "https://example.org/schema.json"},
    {"fields": [{"name": "a", "type": "string"}], "$schema": "https://example.org/profile.json"},
    {"fields": [{"name": "a", "type": "string"}], "profile": "https://example.org/p.json"},
    {"fields": [{"name": "a", "type": "string", "constraints": {"$ref": "file:///etc/passwd"}}]},
    {"fields": [{"name": "a", "type": "string"}], "foreignKeys": [
        {"fields": ["a"], "reference": {"resource": "https://example.org/r.csv", "fields": ["a"]}}]},
])
def test_schema_with_an_outside_reference_is_refused(tmp_path, schema):
    with pytest.raises(InvalidInput) as raised:
        validate_csv(sample(tmp_path, "decisions"), schema)
    assert raised.value.message_id == "valid.unsafe-schema"
    with pytest.raises(InvalidInput):
        check_schema(schema)


def test_invalid_schema_is_refused(tmp_path):
    schema = {"fields": [{"name": "decision_no", "type": "integer", "constraints": {"minimum": "x"}}]}
    with pytest.raises(InvalidInput) as raised:
        validate_csv(sample(tmp_path, "decisions"), schema)
    assert raised.value.message_id == "valid.bad-schema"


def test_frictionless_cannot_reach_the_network_while_validating():
    with validate_module._offline():
        with pytest.raises(FrictionlessException, match="network access is disabled"):
            Schema.from_descriptor("http://127.0.0.1:9/schema.json")
    assert not isinstance(requests.Session().get_adapter("http://x/"), validate_module._NoNetwork)


# Agreement with the frictionless CLI -------------------------------------------------------------

BROKEN = {
    "decisions": [
        ["decision_no", "protocol_no", "session_date", "title", "result", "source_url", "notes"],
        ["1", "0", "2026-02-31", "", "maybe", "javascript:x", "a"],
        ["1", "41", "2026-03-26", "Бюджет", "adopted", "https://a.bg/1"],
        [],
        ["x", "41", "2026-03-26", "Заем", "adopted", "", "b", "c"],
    ],
    "budget": [
        ["year", "period", "ebk_paragraph", "activity_code", "name", "executed"],
        ["1999", "Q5", "0101", "12", "", "n/a"],
        ["2026", "Q1", "01-01", "122", "Заплати", "10"],
        ["2026", "Q1", "01-01", "122", "Заплати", "20"],
    ],
    "indicators": [
        ["policy", "indicator", "period", "actual"],
        ["Образование", "Обхват", "2026-Q5", "1"],
        ["Образование", "Обхват", "2026-Q5", "x"],
    ],
}


def cli_triples(tmp_path: Path, profile: str) -> list[tuple[int | None, str | None, str]]:
    (tmp_path / "schema.json").write_text(json.dumps(load_profile(profile)), encoding="utf-8")
    result = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", "--schema", "schema.json", f"{profile}.csv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    errors = json.loads(result.stdout)["tasks"][0]["errors"]
    return [(e.get("rowNumber") or e["rowNumbers"][0], e.get("fieldName") or e.get("label") or None,
             e["type"]) for e in errors]


@pytest.mark.parametrize("profile", BROKEN)
def test_problems_match_the_frictionless_cli(tmp_path, profile):
    path = write_csv(tmp_path / f"{profile}.csv", BROKEN[profile])
    report = validate_csv(path, load_profile(profile))
    ours = [(p.row, p.field, p.code) for p in report.problems]
    assert ours == cli_triples(tmp_path, profile)
    assert len(ours) >= 4


# The streaming checker against the frictionless CLI, on a corpus of broken files ----------------

CORPUS_SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer", "constraints": {"required": True, "minimum": 1}},
        {"name": "code", "type": "string",
         "constraints": {"pattern": "[A-Z]{2}-[0-9]{2}", "unique": True}},
        {"name": "name", "type": "string", "constraints": {"minLength": 2, "maxLength": 5}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
        {"name": "amount", "type": "number",
         "constraints": {"minimum": 0, "maximum": 100}},
        {"name": "count", "type": "integer", "constraints": {"maximum": 10, "enum": [1, 2, 30]}},
        {"name": "day", "type": "date",
         "constraints": {"minimum": "2020-01-01", "maximum": "2030-12-31"}},
        {"name": "flag", "type": "boolean", "constraints": {"enum": [True]}},
        {"name": "year", "type": "year", "constraints": {"minimum": 2000}},
        {"name": "at", "type": "datetime"},
        {"name": "url", "type": "string", "format": "uri"},
    ],
    "primaryKey": ["id"],
}
GOOD = ["1", "AB-01", "Иван", "a", "5.5", "2", "2026-03-26", "true", "2026",
        "2026-03-26T10:30:00", "https://a.bg/x"]


def _rows(*changes: dict[int, str] | list[str]) -> list[list[str]]:
    header = [f["name"] for f in CORPUS_SCHEMA["fields"]]
    rows = [header]
    for number, change in enumerate(changes, start=1):
        if isinstance(change, list):
            rows.append(change)
            continue
        row = list(GOOD)
        row[0], row[1] = str(number), f"ZZ-{number:02d}"
        for column, value in change.items():
            row[column] = value
        rows.append(row)
    return rows


CORPUS = {
    "type-errors": _rows({0: "x"}, {4: "1,5"}, {5: "2.0"}, {6: "26.03.2026"}, {7: "да"},
                         {8: "26"}, {9: "2026-03-26"}, {10: "not a uri"}, {6: "2026-02-30"},
                         {4: "NaN"}, {0: " 7 "}, {6: "2026-3-5"}, {8: " 202"}),
    "constraints": _rows({0: "0"}, {1: "ab-01"}, {1: "AB-01\n"}, {2: "И"}, {2: "Иванови"},
                         {3: "c"}, {4: "-0.01"}, {4: "100.5"}, {5: "30"}, {5: "3"}, {6: "2019-12-31"},
                         {6: "2031-01-01"}, {7: "false"}, {8: "1999"}),
    "required": _rows({0: ""}, {0: "", 2: "x"}, {2: ""}),
    "ragged": _rows({}, ["3", "ZZ-03"], ["4", "ZZ-04", "Иван", "a", "5", "2", "2026-01-01",
                                          "true", "2026", "", "", "extra", "more"], ["5"]),
    "blank-rows": _rows({}, [], [""] * 11, {}, ["", ""]),
    "duplicate-keys": _rows({}, {}, {0: "1"}, {0: "2"}, {0: "01"}, {0: "1", 1: "ZZ-02"}),
    "unique": _rows({}, {1: "ZZ-01"}, {1: "ZZ-01"}, {1: ""}, {1: ""}, {1: "ZZ-02", 0: "x"}),
    "everything": _rows({0: "x", 1: "bad", 2: "", 3: "z"}, {0: "1"}, [], ["1"],
                        {0: "2", 4: "-1", 5: "99", 6: "", 7: "", 8: ""}),
}


def cli_errors(tmp_path: Path, name: str, schema: dict) -> list[tuple[int | None, str | None, str]]:
    (tmp_path / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
    result = subprocess.run(
        [str(FRICTIONLESS), "validate", "--json", "--schema", "schema.json", f"{name}.csv"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    errors = json.loads(result.stdout)["tasks"][0]["errors"]
    return [(e.get("rowNumber"), e.get("fieldName") or None, e["type"]) for e in errors]


@pytest.mark.parametrize("name", CORPUS)
def test_streaming_checker_lists_the_errors_the_frictionless_cli_lists(tmp_path, monkeypatch,
                                                                       name):
    path = write_csv(tmp_path / f"{name}.csv", CORPUS[name])

    def no_frictionless(*args, **kwargs):
        raise AssertionError("the streaming checker should have checked this file")

    monkeypatch.setattr(validate_module, "_run_frictionless", no_frictionless)
    report = validate_csv(path, CORPUS_SCHEMA)
    ours = [(p.row, p.field, p.code) for p in report.problems]
    assert ours == cli_errors(tmp_path, name, CORPUS_SCHEMA)
    assert len(ours) >= 3 and report.error_count == len(ours)
    assert report.row_count == len(CORPUS[name]) - 1


def test_streaming_checker_stops_listing_at_the_limit_but_counts(tmp_path):
    rows = _rows(*[{0: "x"} for _ in range(50)])
    report = validate_csv(write_csv(tmp_path / "l.csv", rows), CORPUS_SCHEMA, limit=10)
    assert (len(report.problems), report.truncated, report.error_count) == (10, True, 100)


# Fields without constraints, or with only an enum or a pattern, take the checker's fastest
# paths (int(), float(), ISO dates, a dict of booleans, a set of strings): on edge cells they must
# still decide exactly as frictionless does.
PLAIN_SCHEMA = {
    "fields": [
        {"name": "id", "type": "integer"},
        {"name": "amount", "type": "number"},
        {"name": "day", "type": "date"},
        {"name": "flag", "type": "boolean"},
        {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b", 3]}},
        {"name": "code", "type": "string", "constraints": {"pattern": "[A-Z]{2}-[0-9]{2}"}},
        {"name": "note", "type": "string"},
        {"name": "count", "type": "integer", "constraints": {"required": True}},
        {"name": "level", "type": "integer", "constraints": {"minimum": 0, "maximum": 10}},
        {"name": "share", "type": "number",
         "constraints": {"minimum": 0, "maximum": 1}},
    ],
    "primaryKey": ["id"],
}
PLAIN_GOOD = ["1", "5.5", "2026-03-26", "true", "a", "AB-01", "бележка", "3", "5", "0.5"]
PLAIN_EDGES = {
    0: [" 7 ", "1_000", "+5", "١٢", "1.0", "0x10", "-0", "1e3", " "],
    1: [" 1.5 ", "1_5.5", "+2", "-0.0", "1e5", "1E-3", "nan", "NaN", "inf", "-Infinity", "1,5",
        ".5", "5.", "١٢", "0x1", "1 000", "$1"],
    2: ["2026-02-30", "2026-3-5", "20260326", "2026-03-26T00:00", " 2026-03-26", "0001-01-01",
        "0000-01-01", "2026-W13-4", "26.03.2026", "2026-03-26 "],
    3: ["True", "TRUE", "false", "False", "FALSE", "1", "0", "yes", "да", " true", "t"],
    4: ["b", "3", "a ", "A", "c"],
    5: ["AB-01\n", "ab-01", "AB-011", "AB-01 ", "АБ-01"],
    6: [" ", "\u00a0", "x" * 300],
    7: ["", " ", "0", "-1"],
    8: ["0", "10", "11", "-1", " 5 ", "1_0", "5.0", "+3", ""],
    9: ["0", "0.0", "-0", "1", "1.0", "1.0000000000000001", "0.00000000000000001", "1e-20",
        "2e0", "nan", "inf", "-inf", " 0.5 ", "0,5", ""],
}


def _plain_rows() -> list[list[str]]:
    rows = [[f["name"] for f in PLAIN_SCHEMA["fields"]]]
    number = 100
    for column, cells in PLAIN_EDGES.items():
        for cell in cells:
            number += 1
            row = list(PLAIN_GOOD)
            row[0] = str(number) if column else cell
            row[column] = cell
            rows.append(row)
    return rows + [[""] * 10, ["", "", "", "", "", "", "", "0", "", ""]]


def test_streaming_checker_fast_paths_decide_edge_cells_as_the_frictionless_cli(tmp_path,
                                                                                 monkeypatch):
    path = write_csv(tmp_path / "plain.csv", _plain_rows())
    monkeypatch.setattr(validate_module, "_run_frictionless", lambda *a, **k: 1 / 0)
    report = validate_csv(path, PLAIN_SCHEMA)
    ours = [(p.row, p.field, p.code) for p in report.problems]
    assert ours == cli_errors(tmp_path, "plain", PLAIN_SCHEMA)
    assert len(ours) >= 30 and report.row_count == len(_plain_rows()) - 1
