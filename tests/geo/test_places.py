"""Recognising place columns: EKATTE codes, municipality codes, latitude/longitude pairs."""
from __future__ import annotations

from pathlib import Path

from datasets.infer import infer_file
from datasets.place_check import PlaceCheck
from datasets.places import place_columns
from metadata.geography import municipalities, settlements
from tests.geo.conftest import LEVSKI, levski_rows, write_csv


def kinds(schema: dict) -> dict[str, str]:
    return {f["name"]: f["x_place"] for f in schema["fields"] if "x_place" in f}


def test_the_reference_geography_is_the_corpus_copy_with_leading_zeros_kept() -> None:
    assert len(settlements()) == 5267 and len(municipalities()) == 265
    assert settlements()["00761"].name_bg == "Асеновци"
    assert settlements()["43236"].municipality == "PVN16"
    assert municipalities()["PVN16"].name_bg == "Левски"
    assert municipalities()["PAZ39"].name_bg == "PAZ39"  # no settlement point names it


def test_ekatte_and_municipality_columns_of_the_levski_file_are_recognised() -> None:
    schema = infer_file(LEVSKI)
    assert kinds(schema) == {"ekatte": "ekatte", "municipality": "municipality"}
    assert next(f for f in schema["fields"] if f["name"] == "ekatte")["type"] == "string"


def test_codes_without_leading_zeros_still_become_text(tmp_path: Path) -> None:
    rows = [[r["ekatte"], r["population"]] for r in levski_rows() if not r["ekatte"].startswith("0")]
    schema = infer_file(write_csv(tmp_path / "t.csv", ["код", "население"], rows))
    code = schema["fields"][0]
    assert (code["x_place"], code["type"]) == ("ekatte", "string")
    assert schema["fields"][1]["type"] == "integer" and "x_place" not in schema["fields"][1]


def test_a_latitude_longitude_pair_in_bulgaria_is_recognised_with_decimal_commas(tmp_path: Path) -> None:
    rows = [["Левски", "43,3636", "25,1432", 9601], ["Асеновци", "43,3266", "25,0984", 1317]]
    schema = infer_file(write_csv(tmp_path / "t.csv", ["име", "ширина", "дължина", "брой"], rows))
    assert kinds(schema) == {"shirina": "latitude", "dalzhina": "longitude"}


def test_one_coordinate_column_alone_or_numbers_outside_bulgaria_are_not_places(tmp_path: Path) -> None:
    alone = infer_file(write_csv(tmp_path / "a.csv", ["lat", "n"], [["43.1", 1], ["43.2", 2]]))
    paris = infer_file(write_csv(tmp_path / "p.csv", ["lat", "lon"], [["48.85", "2.35"], ["48.86", "2.36"]]))
    counts = infer_file(write_csv(tmp_path / "c.csv", ["code", "n"], [["12345", 1], ["54321", 2]]))
    assert kinds(alone) == kinds(paris) == kinds(counts) == {}


def test_unknown_codes_are_warnings_with_row_and_value_and_the_municipalities_are_collected() -> None:
    schema = {"fields": [{"name": "ekatte", "type": "string", "x_place": "ekatte"},
                         {"name": "n", "type": "integer"}]}
    check = PlaceCheck(schema)
    for number, code in enumerate(["00761", "99999", "", "43236", "1234"], start=2):
        check.row([code, "1"], number)
    problems = check.problems()
    assert [(p.code, p.severity, p.row, p.value) for p in problems] == [
        ("place-column", "notice", None, None), ("unknown-place", "warning", 3, "99999"),
        ("unknown-place", "warning", 6, "1234")]
    assert "Ред 3" in problems[1].message.bg and "Row 3" in problems[1].message.en
    assert check.municipalities == {"PVN16"}


def test_past_the_listing_limit_warnings_are_counted_not_listed() -> None:
    check = PlaceCheck({"fields": [{"name": "m", "type": "string", "x_place": "municipality"}]})
    for number in range(2, 2 + 150):
        check.row(["XXX99"], number)
    warnings = [p for p in check.problems() if p.severity == "warning"]
    assert len(warnings) == 101 and "50" in warnings[-1].message.en


def test_a_reviewed_not_a_place_mark_is_kept_and_lone_coordinates_give_no_columns() -> None:
    schema = {"fields": [{"name": "ekatte", "type": "string", "x_place": "none"},
                         {"name": "lat", "type": "number", "x_place": "latitude"}]}
    assert place_columns(schema) == {}
