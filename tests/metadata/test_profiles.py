"""The built-in Table Schema profiles."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import frictionless
import pytest

from metadata.errors import InvalidInput
from metadata.messages import Text
from metadata.profiles import PROFILES, load_profile, profile_title

DATA = Path(__file__).parents[1] / "data"
CYRILLIC = re.compile("[а-яА-Я]")


def summary(name: str) -> list[tuple[str, str, bool]]:
    return [(f["name"], f["type"], bool(f["constraints"].get("required")))
            for f in load_profile(name)["fields"]]


def test_profiles_are_decisions_budget_and_indicators():
    assert PROFILES == ("decisions", "budget", "indicators")


def test_decisions_profile_fields():
    assert summary("decisions") == [
        ("decision_no", "integer", True), ("protocol_no", "integer", True),
        ("session_date", "date", True), ("title", "string", True), ("proposer", "string", False),
        ("votes_for", "integer", False), ("votes_against", "integer", False),
        ("votes_abstain", "integer", False), ("vote_method", "string", False),
        ("result", "string", True), ("source_url", "string", False),
    ]
    assert load_profile("decisions")["primaryKey"] == ["decision_no"]


def test_budget_profile_fields():
    assert summary("budget") == [
        ("year", "integer", True), ("period", "string", True), ("ebk_paragraph", "string", True),
        ("function_code", "string", False), ("activity_code", "string", True),
        ("name", "string", True), ("plan", "number", False), ("amended_plan", "number", False),
        ("executed", "number", True),
    ]
    assert load_profile("budget")["primaryKey"] == ["year", "period", "ebk_paragraph", "activity_code"]


def test_indicators_profile_fields():
    assert summary("indicators") == [
        ("policy", "string", True), ("indicator", "string", True), ("unit", "string", True),
        ("period", "string", True), ("baseline", "number", False), ("target", "number", False),
        ("actual", "number", False), ("source", "string", False),
    ]
    assert load_profile("indicators")["primaryKey"] == ["policy", "indicator", "period"]


@pytest.mark.parametrize("name", PROFILES)
def test_profile_is_a_valid_table_schema(name):
    report = frictionless.Schema.validate_descriptor(load_profile(name))
    assert report.flatten(["type", "note"]) == []
    assert frictionless.Schema.from_descriptor(load_profile(name)).field_names == [
        f["name"] for f in load_profile(name)["fields"]
    ]


@pytest.mark.parametrize("name", PROFILES)
def test_profile_is_described_in_both_languages(name):
    profile = load_profile(name)
    for item in (profile, *profile["fields"]):
        assert CYRILLIC.search(item["title"]) and CYRILLIC.search(item["description"])
        assert item["title_en"].isascii() and item["description_en"]


@pytest.mark.parametrize("name", PROFILES)
def test_profile_fields_have_every_property(name):
    keys = {"name", "type", "title", "title_en", "description", "description_en", "constraints"}
    for field in load_profile(name)["fields"]:
        assert keys <= set(field), field["name"]
        assert re.fullmatch(r"[a-z][a-z0-9_]*", field["name"])


@pytest.mark.parametrize("name", PROFILES)
def test_profile_primary_key_fields_are_required(name):
    profile = load_profile(name)
    fields = {f["name"]: f for f in profile["fields"]}
    assert all(fields[key]["constraints"].get("required") for key in profile["primaryKey"])


def test_decisions_profile_names_every_column_of_the_real_file():
    with open(DATA / "pleven-council-decisions-2026.csv", encoding="utf-8", newline="") as file:
        header = next(csv.reader(file))
    names = [f["name"] for f in load_profile("decisions")["fields"]]
    assert [n for n in names if n not in header] == ["proposer"]
    assert set(header) <= set(names)


def test_load_profile_returns_a_fresh_copy():
    profile = load_profile("budget")
    profile["fields"][0]["constraints"]["minimum"] = 1
    profile["fields"].clear()
    assert load_profile("budget")["fields"][0]["constraints"]["minimum"] == 2000


def test_load_profile_refuses_an_unknown_name():
    with pytest.raises(InvalidInput) as raised:
        load_profile("salaries")
    assert (raised.value.message_id, raised.value.params) == (
        "catalog.unknown-profile",
        {"profile": "salaries", "choices": "decisions, budget, indicators"},
    )


def test_profile_title_is_bilingual():
    assert profile_title("decisions") == Text(
        "Решения на общинския съвет", "Municipal council decisions"
    )
    with pytest.raises(InvalidInput):
        profile_title("nope")
