"""Metadata quality: MQA dimensions, each check explained, ratings and averages."""
from __future__ import annotations

from datetime import datetime, timezone

from metadata.messages import Text
from metadata.quality import DIMENSIONS, Quality, assess, average
from metadata.records import Dataset, Publisher, Release, ReleaseFile

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
PUBLISHER = Publisher(1, "levski", Text("Община Левски", "Municipality of Levski"))


def full_dataset() -> Dataset:
    return Dataset(1, "budget", 1, Text("Бюджет", "Budget"), Text("Описание", "Description"),
                   themes=("ECON",), keywords=("бюджет",), licence="CC-BY-4.0", frequency="QUARTERLY",
                   temporal_start="2026-01-01", temporal_end="2026-12-31", spatial="Община Левски",
                   contact_name="Отдел Финанси", profile="budget", table_schema={"fields": []},
                   created_at=NOW)


def release() -> Release:
    files = (ReleaseFile("budget.csv", "data", "text/csv", 100, "0" * 64),
             ReleaseFile("budget.db", "sqlite", "application/vnd.sqlite3", 200, "1" * 64),
             ReleaseFile("source/original.xlsx", "source", "application/octet-stream", 300, "2" * 64))
    return Release(1, 1, 1, NOW, "", 10, files)


def test_a_fully_described_published_dataset_scores_every_mqa_point() -> None:
    found = assess(full_dataset(), release(), PUBLISHER)
    assert (found.score, found.maximum, found.percent, found.rating, found.failed) == (405, 405, 100, "excellent", ())


def test_the_points_per_dimension_follow_the_mqa() -> None:
    found = assess(full_dataset(), release(), PUBLISHER)
    assert {name: found.dimension(name) for name in DIMENSIONS} == {
        "findability": (100, 100), "accessibility": (100, 100), "interoperability": (110, 110),
        "reusability": (75, 75), "contextuality": (20, 20)}


def test_a_bare_dataset_without_releases_fails_the_checks_it_should() -> None:
    bare = Dataset(2, "x", 1, Text("Х", "X"), Text("", ""), licence="CC-BY-4.0")
    found = assess(bare, None, PUBLISHER)
    assert {c.id for c in found.failed} == {
        "keywords", "themes", "spatial", "temporal", "access_url", "download_url", "reachable",
        "format", "media_type", "machine_readable", "non_proprietary", "dcat_ap", "table_schema",
        "contact_point", "byte_size", "issued", "modified"}
    assert found.rating == "bad"


def test_missing_files_cost_the_reachability_points() -> None:
    found = assess(full_dataset(), release(), PUBLISHER, files_present=False)
    assert [c.id for c in found.failed] == ["reachable"] and found.score == 375


def test_every_check_is_explained_and_every_failure_has_a_fix_in_both_languages() -> None:
    bare = Dataset(2, "x", 1, Text("Х", "X"), Text("", ""), licence="unknown")
    for check in assess(bare, None, None).checks:
        assert check.title.bg and check.title.en and check.why.bg and check.why.en, check.id
        if not check.passed:
            assert check.fix.bg not in ("", "—") and check.fix.en not in ("", "—"), check.id


def test_ratings_follow_the_mqa_bands() -> None:
    def rating(score: int) -> str:
        from metadata.quality import Check

        checks = (Check("a", "findability", score, True, Text("", ""), Text("", ""), Text("", "")),
                  Check("b", "findability", 405 - score, False, Text("", ""), Text("", ""), Text("", "")))
        return Quality(checks).rating

    assert [rating(s) for s in (405, 351, 350, 221, 220, 121, 120, 0)] == [
        "excellent", "excellent", "good", "good", "sufficient", "sufficient", "bad", "bad"]


def test_the_publisher_average_is_the_mean_percentage() -> None:
    full = assess(full_dataset(), release(), PUBLISHER)
    bare = assess(Dataset(2, "x", 1, Text("Х", "X"), Text("", "")), None, PUBLISHER)
    assert average([full, bare]) == round((100 + bare.percent) / 2)
    assert average([]) is None
